"""Presets: the round trip (content in manifest vocabulary, platforms by name, segment and
campaign by name), and any change a replace (no update method)."""

from __future__ import annotations

from kind_account import Account

from pwconf.kinds import REGISTRY
from pwconf.model import Address, Entity

KIND = REGISTRY["preset"]


def test_round_trip_of_every_field(account: Account) -> None:
    account.create("segment", "adults", {"expression": "A(@shop)"})
    account.create("campaign", "autumn", {"description": "Autumn"})
    body = {
        "segment": "adults",
        "campaign": "autumn",
        "platforms": ["Android", "iOS"],
        "content": {
            "message": {"en": "Welcome!", "de": "Willkommen!"},
            "title": "Shop",
            "action": {"type": "url", "options": {"url": "https://example.com"}},
            "user_data": {"a": 1},
        },
        "send_rate": 500,
    }
    account.round_trip("preset", "welcome", body)


def test_round_trip_of_the_least(account: Account) -> None:
    account.round_trip("preset", "bare", {"platforms": ["Chrome"], "content": {"message": "Hi"}})


def test_every_change_is_a_replace_and_a_replaced_campaign_replaces_it_too() -> None:
    assert KIND.forces_replacement("content.message") and KIND.forces_replacement("campaign")
    preset = Entity(Address("preset", "shop", "p"), {"campaign": "c"})
    campaign = Address("campaign", "shop", "c")
    [follow] = KIND.follow_replacements(preset, {campaign}, {})
    assert follow.path == "campaign_code" and follow.forces_replacement
