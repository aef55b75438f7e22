"""Geozone clusters: the round trip, and any change a replace (no update method)."""

from __future__ import annotations

from kind_account import Account

from pwconf.kinds import REGISTRY

KIND = REGISTRY["geozone_cluster"]


def test_round_trip(account: Account) -> None:
    account.round_trip("geozone_cluster", "downtown", {"cooldown": 3600})


def test_a_changed_cooldown_is_a_replace() -> None:
    assert KIND.forces_replacement("cooldown")
    assert not KIND.data_loss_on_delete
