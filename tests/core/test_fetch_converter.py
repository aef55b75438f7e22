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
