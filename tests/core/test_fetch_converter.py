"""Rows become entities during the fetch, but never before the names they point at are known."""

from __future__ import annotations

from pwconf.fetch import LiveState, Scope, _Converter
from pwconf.model import Address

PRESET = {"code": "P-1", "name": "welcome", "content": {}, "segmentation": {}}
ZONE = {"id": 7, "name": "office", "lat": 1.0, "lng": 2.0, "range": 100, "cooldown": 0,
        "presetCode": "P-1", "cluster": None}  # fmt: skip


def _converter() -> _Converter:
    live = LiveState()
    live.view.handle_by_code["A-1"] = "app"
    return _Converter(live, Scope())


def test_geozone_waits_for_the_presets_of_its_application():
    rows = _converter()
    rows.expect("preset", "app")  # listPresets out
    rows.start()
    rows.add("geozone", "app", [ZONE])  # listGeoZones answered first
    assert rows.waiting
    rows.expect("preset", "app")  # getPreset out
    rows.finish("preset", "app")  # listPresets done
    assert rows.waiting
    rows.add("preset", "app", [PRESET])
    rows.finish("preset", "app")  # getPreset done: the geozone can name its preset
    zone = rows.entities()[Address("geozone", "app", "office")]
    assert zone.attrs["preset"] == "welcome"


def test_nothing_converts_before_applications_are_matched():
    rows = _converter()
    rows.expect("segment", None)
    rows.add("segment", None, [{"code": "S-1", "name": "all", "filter_expression": 'A("A-1")'}])
    rows.finish("segment", None)
    assert rows.waiting and not rows.pending
    rows.start()
    segment = rows.entities()[Address("segment", None, "all")]
    assert segment.attrs["expression"] == "A(@app)"


def test_rows_are_converted_in_slices_first_in_first_out():
    rows = _converter()
    rows.start()
    rows.add("preset", "app", [PRESET, {**PRESET, "code": "P-2", "name": "second"}])
    rows.add("geozone", "app", [ZONE])
    assert rows.pending and rows.by_kind["preset"] == {}
    rows.convert_for(0)  # at least one row, however short the slice
    assert list(rows.by_kind["preset"]) == [Address("preset", "app", "welcome")]
    rows.convert_for(0)
    rows.convert_for(0)
    assert not rows.pending
    assert rows.by_kind["geozone"][Address("geozone", "app", "office")].attrs["preset"] == "welcome"


def test_each_entity_is_handed_on_once_as_converted_and_a_repeated_name_is_ignored():
    live = LiveState()
    live.view.handle_by_code["A-1"] = "app"
    handed: list[tuple[str, str]] = []
    rows = _Converter(live, Scope(), lambda entity, view: handed.append((entity.name, entity.code)))
    rows.start()
    second = {**PRESET, "code": "P-2", "name": "b"}
    rows.add("preset", "app", [PRESET, {**PRESET, "code": "P-9"}, second])
    rows.convert_for(1)
    assert handed == [("welcome", "P-1"), ("b", "P-2")]
    assert rows.entities()[Address("preset", "app", "welcome")].code == "P-1"


def test_entities_out_of_scope_are_neither_kept_nor_handed_on():
    live = LiveState()
    live.view.handle_by_code["A-1"] = "app"
    handed: list[str] = []
    scope = Scope(targets=frozenset({Address("preset", "app", "b")}))
    rows = _Converter(live, scope, lambda entity, view: handed.append(entity.name))
    rows.start()
    rows.add("preset", "app", [PRESET, {**PRESET, "code": "P-2", "name": "b"}])
    assert list(rows.entities()) == [Address("preset", "app", "b")]
    assert handed == ["b"]


def test_background_work_starts_with_the_applications_and_waits_for_queued_rows():
    steps: list[str] = []

    def background(view):
        steps.append(f"started knowing {sorted(view.code_by_handle)}")
        yield
        steps.append("done")

    live = LiveState()
    live.view.learn_application("app", "A-1")
    rows = _Converter(live, Scope(), None, background)
    rows.add("preset", "app", [PRESET])
    assert not rows.pending  # nothing runs before the applications are matched
    rows.start()
    rows.convert_for(0)
    assert steps == [] and rows.by_kind["preset"]  # the row first, the background after it
    rows.convert_for(1)
    assert steps == ["started knowing ['app']", "done"]
    assert not rows.pending
