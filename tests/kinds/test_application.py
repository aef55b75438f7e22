"""Applications: the round trip of what the API reads back, and every change in place."""

from __future__ import annotations

from kind_account import Account

from pwconf.kinds import REGISTRY
from pwconf.model import Address

KIND = REGISTRY["application"]


def test_round_trip(account: Account) -> None:
    body = {"title": "News", "sdk_ios": "corona", "sdk_android": "phonegap"}
    entity = account.create("application", "news", body)
    account.ctx.view.learn_application("news", account.ctx.codes[entity.address])
    live = account.live(Address("application", None, "news"))
    assert live.attrs == KIND.normalize(entity.attrs)


def test_every_change_updates_in_place_and_credentials_are_sensitive() -> None:
    for field in ("title", "sdk_ios", "sdk_android", "ios", "android"):
        assert not KIND.forces_replacement(field)
    assert KIND.sensitive_fields and KIND.data_loss_on_delete
