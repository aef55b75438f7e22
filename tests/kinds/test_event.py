"""Events: the API cannot read them back, so the round trip goes through the state file's
digest; any change is a note, not a plan (no update or delete method)."""

from __future__ import annotations

from kind_account import APP, Account

from pwconf.kinds import REGISTRY
from pwconf.model import Address, digest

KIND = REGISTRY["event"]


def test_round_trip_through_the_state_file(account: Account) -> None:
    body = {"description": "Order", "track_revenue": True,
            "attributes": {"sku": "string", "amount": "price"}}  # fmt: skip
    entity = account.create("event", "Purchase", body)
    recorded = KIND.recorded_live(account.ctx.state, account.ctx.view)
    assert recorded[Address("event", APP, "Purchase")].attrs == {
        "digest": digest(KIND.normalize(entity.attrs))
    }


def test_an_event_created_again_is_adopted(account: Account) -> None:
    account.create("event", "Open", {})
    account.create("event", "Open", {})
    assert account.ctx.notes == [f"event.{APP}.Open: already existed; adopted as it is"]


def test_a_change_is_told_not_planned() -> None:
    assert not KIND.readable and KIND.changed_unreadably and KIND.removed_unreadably
