"""The declared shape of every answer pwconf reads (the rules are in api/shapes.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pwconf.api.shapes import (
    Anything,
    Checked,
    Code,
    ExpirationDate,
    Expression,
    Flag,
    Key,
    ListOf,
    MapOf,
    Number,
    Obj,
    Sdk,
    Shape,
    Text,
    Whole,
    _Reading,
)

# ---- the alternatives of one method ----------------------------------------------------------


class GeozoneListing(Shape):
    """listGeoZones: the contract's flat `{"geoZones": [...]}`, or geozones grouped under their
    cluster `{"clusters": [{"name", "code", "geoZones": [...]}]}` as one client library documents
    (contract §11), or both. A grouped geozone takes its group's cluster; a group with neither
    code nor name holds the geozones of no cluster."""

    expected = 'an object with "geoZones" (a list) or "clusters" (geozones grouped by cluster)'

    def __init__(self, zone: Obj) -> None:
        self.zone = zone
        grouped = zone.but(cluster=Key(Code(nullable=True), absent="null", quiet=True))
        self.group = Obj({
            "name": Key(Text(nullable=True), absent="null", quiet=True),
            "code": Key(Code(nullable=True), absent="null", quiet=True),
            "geoZones": Key(ListOf(grouped)),
        })  # fmt: skip

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if not isinstance(value, dict) or not ({"geoZones", "clusters"} & set(value)):
            reading.fail(path, self.expected, value)
        zones: list[dict[str, Any]] = []
        if "geoZones" in value:
            zones += ListOf(self.zone).read(value["geoZones"], f"{path}.geoZones", reading)
        if "clusters" in value:
            where = f"{path}.clusters"
            reading.differ(where, "geozones grouped by cluster", "one list of geozones")
            groups = ListOf(self.group).read(value["clusters"], where, reading)
            for g, group in enumerate(groups):
                for z, zone in enumerate(group["geoZones"]):
                    zones.append(_in_group(zone, group, f"{where}[{g}].geoZones[{z}]", reading))
        return {"geoZones": zones}


def _in_group(
    zone: dict[str, Any], group: dict[str, Any], path: str, reading: _Reading
) -> dict[str, Any]:
    code, name = group["code"], group["name"]
    if code is not None:
        if zone["cluster"] not in (None, code):
            reading.fail(f"{path}.cluster", f"the code of its group ({code})", zone["cluster"])
        return {**zone, "cluster": code}
    if name:  # a group known by name only: the geozone kind finds the cluster by its name
        return {**zone, "clusterName": name}
    return zone


class GeozoneIds(Shape):
    """addGeoZone: one id per geozone sent, in request order."""

    expected = "a list of one geozone id per geozone sent"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        ids = ListOf(Whole()).read(value, path, reading)
        if len(ids) != len(reading.known.get("geozones") or []):
            reading.fail(path, self.expected, value)
        return ids


# ---- every method pwconf reads an answer of ---------------------------------------------------


class _Content(Shape):
    """A preset's content: an object compared as it is."""

    expected = "an object"
    nullable = True

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            reading.fail(path, self.expected, value)
        return value


PAGE = Obj({
    "applications": Key(MapOf(Text(), "application code to title")),
    "page": Key(Whole(nullable=True), absent="unknown", quiet=True),
    "total": Key(Whole(nullable=True), absent="1 page", default=1),
})  # fmt: skip
APPLICATION = Obj({
    "code": Key(Code(), known="application", known_as="the requested application code"),
    "title": Key(Text(nullable=True), absent="the title getApplications lists"),
    "sdk_ios": Key(Sdk(), absent="null", aliases=("ios_sdk",)),
    "sdk_android": Key(Sdk(), absent="null", aliases=("android_sdk",)),
    "providers": Key(
        MapOf(Flag(), "platform to true or false"),
        absent="unknown (a platform counts as configured where pwconf's state recorded it)",
    ),
})  # fmt: skip
TAG = Obj({
    "name": Key(Text()),
    "type": Key(Whole()),
    "isApplicationSpecific": Key(Flag(), absent="false", default=False),
})  # fmt: skip
FILTER = Obj({
    "name": Key(Text()),
    "filter_expression": Key(Expression()),
    "code": Key(Code(nullable=True), absent="null"),
    "expiration_date": Key(ExpirationDate(), absent="null"),
    "application": Key(Code(nullable=True), absent="null (bound to no application)"),
})  # fmt: skip
LISTED_PRESET = Obj({"code": Key(Code()), "name": Key(Text())})
PRESET = Obj({
    "code": Key(Code(), known="preset_code", known_as="the requested preset code"),
    "name": Key(Text(), known="name", known_as="the name listPresets gave"),
    "applicationCode": Key(Code(nullable=True), absent="null"),
    "campaignCode": Key(Code(nullable=True), absent="null"),
    "content": Key(_Content(), absent="no content", default={}),
    "scheduling": Key(
        Obj({"sendRate": Key(Whole(nullable=True), absent="none", quiet=True)}, nullable=True),
        absent="none",
        default={"sendRate": None},
    ),
    "segmentation": Key(Obj({
        "filter": Key(Text(nullable=True), absent="no segment", quiet=True),
        "platforms": Key(ListOf(Whole())),
    })),
})  # fmt: skip
CLUSTER = Obj({"name": Key(Text()), "code": Key(Code()), "cooldown": Key(Whole())})
CAMPAIGN = Obj({
    "code": Key(Code()),
    "name": Key(Text()),
    "description": Key(Text(nullable=True), absent="null"),
})  # fmt: skip
# [decided] the last page's cursor is empty; an absent or null cursor ends the paging too.
CAMPAIGN_PAGE = Obj({
    "campaigns": Key(ListOf(CAMPAIGN)),
    "limit": Key(Whole(nullable=True), absent="unknown", quiet=True),
    "cursor": Key(Text(nullable=True), absent="the last page", default=""),
})  # fmt: skip
GEOZONE = Obj({
    "id": Key(Whole()),
    "name": Key(Text()),
    "lat": Key(Number()),
    "lng": Key(Number()),
    "range": Key(Number()),
    "cooldown": Key(Whole()),
    "content": Key(Anything(), absent="null"),
    "presetCode": Key(Code(nullable=True), absent="null"),
    "cluster": Key(Code(nullable=True), absent="null"),
    "campaign": Key(Code(nullable=True), absent="null"),
    "timetable": Key(Anything(), absent="null"),
})  # fmt: skip


ANSWERS: dict[str, Shape] = {
    # reads
    "getApplications": PAGE,
    "getApplication": Obj({"application": Key(APPLICATION)}),
    "listTags": Obj({"tags": Key(ListOf(TAG))}),
    "listFilters": Obj({"filters": Key(ListOf(FILTER))}),
    "listPresets": Obj({"presets": Key(ListOf(LISTED_PRESET))}),
    "getPreset": Obj({"preset": Key(PRESET)}),
    "listGeoZoneClusters": Obj({"clusters": Key(ListOf(CLUSTER))}),
    "listGeoZones": GeozoneListing(GEOZONE),
    "getCampaigns": CAMPAIGN_PAGE,
    # the writes whose answers pwconf uses
    "createApplication": Obj({"application": Key(Code())}),
    "addGeoZoneCluster": Obj({"GeoZoneCluster": Key(Code())}),
    "addGeoZone": Obj({"GeoZones": Key(GeozoneIds())}),
    "createCampaign": Obj({"campaign": Key(Code())}),
}


def read_answer(method: str, response: Any, known: Mapping[str, Any] | None = None) -> Checked:
    """The `response` of a successful answer of `method`, in the contract's form, with the
    places it differed. `known`: what pwconf knew before the call (its request fields, a listed
    row), used where the answer leaves it out. Raises UnreadableAnswer.

    A method whose answer pwconf never looks into is returned as it is."""
    shape = ANSWERS.get(method)
    if shape is None:
        return Checked(response)
    reading = _Reading(method, known or {})
    return Checked(shape.read(response, "response", reading), tuple(reading.differences))
