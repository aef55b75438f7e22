"""Answers may carry parts that are JSON text already (geozones are encoded when written)."""

from __future__ import annotations

import json

from pwconf.emulator.core import Encoded, to_json
from pwconf.emulator.store import Store


def test_encoded_parts_are_spliced_in_as_they_are() -> None:
    body = {"status_code": 200, "response": {"a": Encoded('[{"id":1}]'), "b": Encoded("[]")}}
    expected = {"status_code": 200, "response": {"a": [{"id": 1}], "b": []}}
    assert json.loads(to_json(body)) == expected


def test_strings_that_look_like_markers_stay_strings() -> None:
    body = {"name": "\x00pwconf-encoded-0", "zones": Encoded("[2]")}
    assert json.loads(to_json(body)) == {"name": "\x00pwconf-encoded-0", "zones": [2]}


def test_the_encoded_geozones_follow_every_write() -> None:
    store = Store()
    app = store.add_application(next(iter(store.accounts)), "Main")
    zone = {"id": 1, "name": "office", "lat": 1.5, "lng": 2.0, "cooldown": 0, "range": 100,
            "content": None, "presetCode": None, "cluster": "C-1", "campaign": None,
            "timetable": None}  # fmt: skip
    app.put_cluster({"code": "C-1", "name": "north", "cooldown": 0})
    app.put_geozone(zone)
    app.put_geozone({**zone, "id": 2, "name": "depot"})
    app.drop_geozone(1)
    app.drop_cluster("C-1")
    listed = [json.loads(text) for text in app.geozone_json.values()]
    assert listed == [{**zone, "id": 2, "name": "depot", "cluster": None}]
    assert list(listed[0]) == ["id", *(key for key in zone if key != "id")]
