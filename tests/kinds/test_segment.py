"""Segments: the round trip (expression in canonical text, @handles for codes), and any change
a replace."""

from __future__ import annotations

from kind_account import Account

from pwconf.kinds import REGISTRY

KIND = REGISTRY["segment"]


def test_round_trip_bound_to_an_application(account: Account) -> None:
    account.create("tag", "Age", {"type": "integer"})
    body = {"expression": ' a(@shop, ["iOS"]) *  T("Age", gte, 18)', "application": "shop"}
    account.round_trip("segment", "adult-ios", body)


def test_round_trip_with_an_expiration_date(account: Account) -> None:
    body = {"expression": 'T("Language", EQ, "fr")', "expiration_date": "2031-06-30"}
    account.round_trip("segment", "french", body)


def test_every_change_is_a_replace() -> None:
    for field in ("expression", "application", "expiration_date"):
        assert KIND.forces_replacement(field)
