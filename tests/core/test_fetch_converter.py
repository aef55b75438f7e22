"""Rows become entities once every answer is in, kind by kind, so the names they point at are
known; a failed read ends the fetch with that failure."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from pwconf.api.pushwoosh import Pushwoosh
from pwconf.errors import ServerError
from pwconf.fetch import Scope, _convert, fetch_live
from pwconf.kinds.base import LiveView
from pwconf.model import Address, DesiredState, Entity

PRESET = {"code": "P-1", "name": "welcome", "content": {}, "segmentation": {"platforms": []}}
ZONE = {"id": 7, "name": "office", "lat": 1.0, "lng": 2.0, "range": 100, "cooldown": 0,
        "presetCode": "P-1", "cluster": None}  # fmt: skip


def _view() -> LiveView:
    view = LiveView()
    view.learn_application("app", "A-1")
    return view


def test_a_geozone_names_its_preset_whatever_order_the_answers_came_in():
    answers = [("geozone", "app", [ZONE]), ("preset", "app", [PRESET])]
    zone = _convert(answers, _view(), Scope())[Address("geozone", "app", "office")]
    assert zone.attrs["preset"] == "welcome"


def test_application_codes_in_expressions_become_handles():
    rows = [{"code": "S-1", "name": "all", "filter_expression": 'A("A-1")'}]
    segment = _convert([("segment", None, rows)], _view(), Scope())[Address("segment", None, "all")]
    assert segment.attrs["expression"] == "A(@app)"


def test_a_repeated_name_is_ignored_and_the_first_row_kept():
    second = {**PRESET, "code": "P-2", "name": "b"}
    entities = _convert([("preset", "app", [PRESET, {**PRESET, "code": "P-9"}, second])],
                        _view(), Scope())  # fmt: skip
    assert entities[Address("preset", "app", "welcome")].code == "P-1"
    assert len(entities) == 2


def test_entities_out_of_scope_are_left_out_but_still_name_others():
    scope = Scope(targets=frozenset({Address("geozone", "app", "office")}))
    answers = [("preset", "app", [PRESET]), ("geozone", "app", [ZONE])]
    entities = _convert(answers, _view(), scope)
    assert list(entities) == [Address("geozone", "app", "office")]
    assert entities[Address("geozone", "app", "office")].attrs["preset"] == "welcome"


class _Client:
    """Answers every read at once, except `failing`, which fails after the others started."""

    def __init__(self, failing: str) -> None:
        self.failing = failing
        self.methods: list[str] = []
        self._lock = threading.Lock()

    def call(self, method: str, fields: dict, *, kind: str) -> SimpleNamespace:
        with self._lock:
            self.methods.append(method)
        if method == self.failing:
            raise ServerError(f"{method}: HTTP 503", method=method)
        return SimpleNamespace(response=ANSWERS[method])


APPLICATION = {"code": "A-1", "title": "Shop", "sdk_ios": None, "sdk_android": None,
               "providers": {}}  # fmt: skip
ANSWERS = {  # each read's answer in the contract's form, as the shapes require
    "getApplications": {"applications": {"A-1": "Shop"}, "total": 1},
    "getApplication": {"application": APPLICATION},
    "listTags": {"tags": []},
    "listFilters": {"filters": []},
    "listPresets": {"presets": [PRESET]},
    "getCampaigns": {"campaigns": [], "limit": 2, "cursor": ""},
    "getPreset": {"preset": PRESET},
    "listGeoZoneClusters": {"clusters": []},
    "listGeoZones": {"geoZones": []},
}


def _desired() -> DesiredState:
    desired = DesiredState()
    address = Address("application", None, "app")
    desired.entities[address] = Entity(address, {"title": "Shop"})
    return desired


@pytest.mark.parametrize("failing", ["getApplications", "listTags", "listPresets", "getPreset"])
def test_a_failed_read_anywhere_fails_the_fetch(failing: str):
    client = _Client(failing)
    with pytest.raises(ServerError):
        fetch_live(Pushwoosh(client), _desired(), parallelism=4)  # type: ignore[arg-type]


def test_every_read_of_a_matched_application_is_made_once():
    client = _Client(failing="")
    live = fetch_live(Pushwoosh(client), _desired(), parallelism=4)  # type: ignore[arg-type]
    assert sorted(client.methods) == sorted(
        ["getApplications", "listTags", "listFilters", "listPresets", "getPreset",
         "getApplication", "getCampaigns", "listGeoZoneClusters", "listGeoZones"]
    )  # fmt: skip
    assert live.calls == len(client.methods)
    assert Address("preset", "app", "welcome") in live.entities
