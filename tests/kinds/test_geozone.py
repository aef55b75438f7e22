"""Geozones: the round trip with and without what they point at, and every change in place."""

from __future__ import annotations

from kind_account import Account

from pwconf.kinds import REGISTRY

KIND = REGISTRY["geozone"]
PRESET = {"platforms": ["iOS"], "content": {"message": "Hi"}}


def test_round_trip_with_content(account: Account) -> None:
    body = {"lat": 59.9, "lng": 10.7, "range": 200, "cooldown": 60, "content": {"en": "Hi"}}
    account.round_trip("geozone", "harbour", body)


def test_round_trip_pointing_at_a_preset_cluster_and_campaign(account: Account) -> None:
    account.create("preset", "welcome", PRESET)
    account.create("geozone_cluster", "downtown", {"cooldown": 60})
    account.create("campaign", "autumn", {})
    body = {"lat": 40, "lng": -74, "range": 50, "cooldown": 0, "preset": "welcome",
            "cluster": "downtown", "campaign": "autumn"}  # fmt: skip
    account.round_trip("geozone", "flagship", body)


def test_every_field_updates_in_place() -> None:
    for field in ("lat", "lng", "range", "cooldown", "preset", "content", "cluster", "campaign"):
        assert not KIND.forces_replacement(field)


def test_a_replaced_target_is_followed_by_an_update_to_its_new_code() -> None:
    from pwconf.model import Address, Entity
    from pwconf.plan import KNOWN_AFTER_APPLY

    zone = Entity(Address("geozone", "shop", "z"), {"preset": "p", "cluster": None,
                                                   "campaign": "c"})  # fmt: skip
    campaign = Address("campaign", "shop", "c")
    live = {campaign: Entity(campaign, {}, code="OLD-1")}
    [follow] = KIND.follow_replacements(zone, {campaign}, live)
    assert (follow.path, follow.before) == ("campaign_code", "OLD-1")
    assert follow.after is KNOWN_AFTER_APPLY
    assert not follow.forces_replacement
