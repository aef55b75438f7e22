"""--app and --target must name something the manifests or the state file know."""

from __future__ import annotations

import pytest

from pwconf.errors import UsageError
from pwconf.model import Address, DesiredState, Entity
from pwconf.runner import check_scope
from pwconf.state import State


def desired(*addresses: str) -> DesiredState:
    entities = {Address.parse(a): Entity(Address.parse(a), {}) for a in addresses}
    return DesiredState(entities=entities)


MANIFESTS = desired("application.shop", "preset.shop.welcome", "tag.Age", "segment.summer-fans")


def test_known_apps_and_targets_pass() -> None:
    check_scope(MANIFESTS, ["shop"], [Address.parse("preset.shop.welcome")])
    check_scope(MANIFESTS, [], [])


def test_an_unknown_app_is_refused_with_the_closest_handle() -> None:
    with pytest.raises(UsageError) as caught:
        check_scope(MANIFESTS, ["shp"], [])
    assert caught.value.message == (
        "--app shp matches nothing in the manifests or the state file; did you mean shop?"
    )


def test_every_unknown_name_is_listed_once() -> None:
    targets = [Address.parse("tag.Agee"), Address.parse("segment.summer-fan")]
    with pytest.raises(UsageError) as caught:
        check_scope(MANIFESTS, ["nothing-close"], targets)
    assert caught.value.message.splitlines() == [
        "3 options match nothing in the manifests or the state file:",
        "  --app nothing-close",
        "  --target segment.summer-fan (did you mean segment.summer-fans?)",
        "  --target tag.Agee (did you mean tag.Age?)",
    ]


def test_names_only_the_state_file_knows_pass() -> None:
    state = State(None, {"applications": {"blog": "AAAAA-11111"}, "applied": {"tag.Old": "x"}})
    check_scope(MANIFESTS, ["blog"], [Address.parse("tag.Old")], state)
    with pytest.raises(UsageError):
        check_scope(MANIFESTS, ["blog"], [Address.parse("tag.Old")])


def test_an_application_is_known_by_what_it_holds() -> None:
    check_scope(desired("preset.news.breaking"), ["news"], [])
