"""Campaigns: the round trip, cursor pages, and every change a data-loss replace."""

from __future__ import annotations

from kind_account import APP, Account

from pwconf.kinds import REGISTRY
from pwconf.model import Address

KIND = REGISTRY["campaign"]


def test_round_trip(account: Account) -> None:
    account.round_trip("campaign", "autumn-reads", {"description": "Autumn reading push"})


def test_round_trip_without_a_description(account: Account) -> None:
    account.round_trip("campaign", "plain", {})


def test_every_page_of_campaigns_is_read(account: Account) -> None:
    for n in range(5):  # the emulator answers two a page
        account.create("campaign", f"c{n}", {"description": f"number {n}"})
    live = account.live(Address("campaign", APP, "c4"))
    assert live.attrs == {"description": "number 4"}


def test_a_changed_description_is_a_replace_that_loses_statistics() -> None:
    assert KIND.forces_replacement("description")
    assert KIND.data_loss_on_delete
    assert KIND.code_assigned_by_server
