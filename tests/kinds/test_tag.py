"""Tags: the round trip, and any change a replace that loses every device's value."""

from __future__ import annotations

from kind_account import Account

from pwconf.kinds import REGISTRY

KIND = REGISTRY["tag"]


def test_round_trip(account: Account) -> None:
    account.round_trip("tag", "Team", {"type": "string", "application_specific": True})


def test_round_trip_of_a_user_specific_tag_through_the_state_file(account: Account) -> None:
    account.round_trip("tag", "Plan", {"type": "string", "user_specific": True})


def test_a_changed_type_is_a_replace_that_loses_data() -> None:
    assert KIND.forces_replacement("type") and KIND.data_loss_on_delete
    assert "Language" in KIND.never_delete
