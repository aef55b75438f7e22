"""The applier at the fewest calls: one addGeoZone per application and level, one listPresets
per application after its presets are created, and each object still finished on its own."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from pwconf import apply
from pwconf.api.client import CallResult
from pwconf.apply import Applier, CallEvent, ChangeEvent, Event
from pwconf.errors import ArgumentError, OutcomeUnknown, ServerError
from pwconf.kinds.base import LiveView
from pwconf.model import Address, Entity
from pwconf.plan import Action, Change, Plan
from pwconf.state import State

APPS = {"shop": "SHOP-00001", "cafe": "CAFE-00002"}


def ok(method: str, response: Any = None) -> CallResult:
    return CallResult(method, 200, 200, "OK", response)


class FakeApi:
    """The Pushwoosh methods the applier sends for presets and geozones, in memory: geozone ids
    count up from 100, preset codes are `P-<name>`. `refused` names geozones the server refuses
    (a batch holding one is refused as a whole); `lost_after` makes the first addGeoZone create
    that many geozones of its batch and then end with an unknown outcome."""

    def __init__(self, refused: set[str] = frozenset(), lost_after: int | None = None) -> None:
        self.refused = refused
        self.lost_after = lost_after
        self.calls: list[tuple[str, Any]] = []
        self.geozones: dict[str, dict[str, int]] = {}
        self.presets: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def _log(self, method: str, detail: Any) -> None:
        with self._lock:
            self.calls.append((method, detail))

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def add_geozones(self, app: str, geozones: list[dict[str, Any]]) -> CallResult:
        self._log("addGeoZone", [zone["name"] for zone in geozones])
        bad = [zone["name"] for zone in geozones if zone["name"] in self.refused]
        if bad:
            raise ArgumentError(f"addGeoZone: Invalid range: {bad[0]}", method="addGeoZone",
                                status_code=210)  # fmt: skip
        zones = self.geozones.setdefault(app, {})
        created = geozones if self.lost_after is None else geozones[: self.lost_after]
        ids = []
        for zone in created:
            zones[zone["name"]] = 100 + sum(len(z) for z in self.geozones.values())
            ids.append(zones[zone["name"]])
        if self.lost_after is not None:
            self.lost_after = None
            raise OutcomeUnknown("addGeoZone: outcome unknown after read timed out",
                                 method="addGeoZone")  # fmt: skip
        return ok("addGeoZone", {"GeoZones": ids})

    def list_geozones(self, app: str) -> CallResult:
        self._log("listGeoZones", app)
        zones = self.geozones.get(app, {})
        return ok("listGeoZones", {"geoZones": [{"name": n, "id": i} for n, i in zones.items()]})

    def create_preset(self, app: str, name: str, *args: Any, **kwargs: Any) -> CallResult:
        self._log("createPreset", name)
        if name in self.refused:
            raise ArgumentError("createPreset: Please select at least one platform",
                                method="createPreset", status_code=210)  # fmt: skip
        with self._lock:
            self.presets.setdefault(app, {})[name] = f"P-{name}"
        return ok("createPreset")

    def list_presets(self, app: str) -> CallResult:
        self._log("listPresets", app)
        listed = [{"name": n, "code": c} for n, c in self.presets.get(app, {}).items()]
        return ok("listPresets", {"presets": listed})


def geozone(app: str, name: str, preset: str | None = None) -> Change:
    attrs = {"lat": 1.0, "lng": 2.0, "range": 100, "cooldown": 60, "preset": preset,
             "content": None if preset else "Hi", "cluster": None}  # fmt: skip
    address = Address("geozone", app, name)
    refs = (Address("application", None, app),) + (
        (Address("preset", app, preset),) if preset else ()
    )
    return Change(address, Action.CREATE, "missing", desired=Entity(address, attrs),
                  depends_on=refs)  # fmt: skip


def preset(app: str, name: str) -> Change:
    attrs = {"segment": None, "platforms": ["iOS"], "content": {"message": "m"},
             "send_rate": None}  # fmt: skip
    address = Address("preset", app, name)
    return Change(address, Action.CREATE, "missing", desired=Entity(address, attrs),
                  depends_on=(Address("application", None, app),))  # fmt: skip


def run(api: FakeApi, tmp_path: Path, *changes: Change) -> tuple[Applier, list[Event]]:
    events: list[Event] = []
    view = LiveView()
    for handle, code in APPS.items():
        view.learn_application(handle, code)
    state = State(tmp_path / "state.json")
    applier = Applier(api, state, view, {}, parallelism=4, on_event=events.append)
    values = {change.address: change.desired.attrs for change in changes if change.desired}
    applier.run(Plan(changes=list(changes), desired_values=values))
    return applier, events


def outcomes(events: list[Event]) -> dict[str, str]:
    return {str(e.address): e.outcome for e in events if isinstance(e, ChangeEvent)}


def calls_of(events: list[Event], method: str) -> list[CallEvent]:
    return [e for e in events if isinstance(e, CallEvent) and e.method == method]


def test_new_geozones_go_in_one_call_per_application_with_ids_mapped_in_order(
    tmp_path: Path,
) -> None:
    api = FakeApi()
    shop = [geozone("shop", name) for name in ("gate", "atrium", "dock")]
    cafe = [geozone("cafe", name) for name in ("terrace", "bar")]

    applier, events = run(api, tmp_path, *shop, *cafe)

    assert sorted(detail for _, detail in api.calls) == [["gate", "atrium", "dock"],
                                                         ["terrace", "bar"]]  # fmt: skip
    for change in shop + cafe:
        code = APPS[change.address.app or ""]
        assert applier.ctx.codes[change.address] == str(api.geozones[code][change.address.name])
    batch_events = calls_of(events, "addGeoZone")
    assert sorted(e.addresses for e in batch_events) == sorted(
        [tuple(c.address for c in cafe), tuple(c.address for c in shop)]
    )
    assert applier.result.calls == 2
    assert outcomes(events) == {str(c.address): "done" for c in shop + cafe}
    assert set(State.load(tmp_path / "state.json").applied) == {str(c.address) for c in shop + cafe}


def test_a_refused_batch_is_sent_one_by_one_and_only_the_bad_geozone_fails(
    tmp_path: Path,
) -> None:
    api = FakeApi(refused={"atrium"})
    zones = [geozone("shop", name) for name in ("gate", "atrium", "dock")]

    applier, events = run(api, tmp_path, *zones)

    assert api.calls[0] == ("addGeoZone", ["gate", "atrium", "dock"])
    assert sorted(detail for _, detail in api.calls[1:]) == [["atrium"], ["dock"], ["gate"]]
    assert outcomes(events) == {
        "geozone.shop.gate": "done",
        "geozone.shop.atrium": "failed",
        "geozone.shop.dock": "done",
    }
    (failed,) = [e for e in events if isinstance(e, ChangeEvent) and e.outcome == "failed"]
    assert "Invalid range: atrium" in failed.detail
    assert applier.ctx.codes[zones[0].address] == str(api.geozones["SHOP-00001"]["gate"])
    assert zones[1].address not in applier.ctx.codes


def test_presets_codes_are_read_once_per_application_and_only_the_bad_ones_dependents_skip(
    tmp_path: Path,
) -> None:
    api = FakeApi(refused={"broken"})
    changes = [
        preset("shop", "welcome"),
        preset("shop", "promo"),
        preset("shop", "broken"),
        preset("cafe", "menu"),
        geozone("shop", "gate", preset="welcome"),
        geozone("shop", "dock", preset="broken"),
        geozone("shop", "mall"),
        geozone("cafe", "bar", preset="menu"),
    ]

    applier, events = run(api, tmp_path, *changes)

    methods = api.methods()
    assert methods.count("createPreset") == 4
    assert sorted(d for m, d in api.calls if m == "listPresets") == ["CAFE-00002", "SHOP-00001"]
    last_create = max(i for i, m in enumerate(methods) if m == "createPreset")
    first_list = methods.index("listPresets")
    assert first_list > last_create, "codes are read after the level's creates"
    assert sorted(d for m, d in api.calls if m == "addGeoZone") == [["bar"], ["gate", "mall"]]
    assert outcomes(events) == {
        "preset.shop.welcome": "done",
        "preset.shop.promo": "done",
        "preset.shop.broken": "failed",
        "preset.cafe.menu": "done",
        "geozone.shop.gate": "done",
        "geozone.shop.dock": "skipped",
        "geozone.shop.mall": "done",
        "geozone.cafe.bar": "done",
    }
    assert applier.ctx.codes[Address("preset", "shop", "welcome")] == "P-welcome"
    # the read is made for the presets whose codes a geozone waits for (promo's is not needed)
    (read,) = [e for e in calls_of(events, "listPresets") if e.addresses[0].app == "shop"]
    assert read.addresses == (Address("preset", "shop", "welcome"),)


def test_codes_nothing_needs_are_not_read(tmp_path: Path) -> None:
    api = FakeApi()

    _, events = run(api, tmp_path, preset("shop", "welcome"), preset("shop", "promo"))

    assert api.methods() == ["createPreset", "createPreset"]
    assert set(outcomes(events).values()) == {"done"}


def test_a_failed_read_of_codes_fails_the_presets_waiting_for_it_and_skips_their_geozones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeApi()

    def refused(app: str) -> CallResult:
        raise ServerError("listPresets failed after 3 attempts: HTTP 503", method="listPresets")

    monkeypatch.setattr(api, "list_presets", refused)

    _, events = run(api, tmp_path, preset("shop", "welcome"), geozone("shop", "gate", "welcome"))

    assert outcomes(events) == {"preset.shop.welcome": "failed", "geozone.shop.gate": "skipped"}
    assert "addGeoZone" not in api.methods()


def test_an_unknown_outcome_is_read_back_once_and_nothing_is_sent_twice(tmp_path: Path) -> None:
    api = FakeApi(lost_after=2)
    zones = [geozone("shop", name) for name in ("gate", "atrium", "dock")]

    applier, events = run(api, tmp_path, *zones)

    assert api.methods() == ["addGeoZone", "listGeoZones"]
    assert outcomes(events) == {
        "geozone.shop.gate": "done",
        "geozone.shop.atrium": "done",
        "geozone.shop.dock": "failed",
    }
    created = api.geozones["SHOP-00001"]
    assert applier.ctx.codes[zones[1].address] == str(created["atrium"])
    (failed,) = [e for e in events if isinstance(e, ChangeEvent) and e.outcome == "failed"]
    assert "outcome unknown" in failed.detail and "not found by reading back" in failed.detail


def test_presets_waiting_for_their_codes_when_interrupted_are_recorded_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeApi()
    sent = apply._run_jobs
    rounds: list[int] = []

    def interrupted_before_the_read(pool: Any, jobs: list[Any]) -> None:
        rounds.append(len(jobs))
        if len(rounds) == 3 and jobs:  # the level's third round: reading the codes back
            raise KeyboardInterrupt
        sent(pool, jobs)

    monkeypatch.setattr(apply, "_run_jobs", interrupted_before_the_read)

    with pytest.raises(KeyboardInterrupt):
        run(api, tmp_path, preset("shop", "welcome"), geozone("shop", "gate", "welcome"))

    assert api.methods() == ["createPreset"]
    assert list(State.load(tmp_path / "state.json").applied) == ["preset.shop.welcome"]


def test_a_value_that_cannot_be_sent_is_named_without_its_content() -> None:
    from pwconf.kinds.base import unsendable

    undecodable = UnicodeDecodeError("utf-8", b"\xffSECRETPASSWORD", 0, 1, "invalid start byte")
    assert "SECRET" not in unsendable(undecodable)
    assert unsendable(undecodable).startswith("cannot send this change")
    assert "preset.shop.x" in unsendable(KeyError("preset.shop.x"))
