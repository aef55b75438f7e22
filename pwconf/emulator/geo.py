"""The emulator's geozone clusters and geozones (contract §7-§8)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pwconf.emulator.campaigns import campaign_of
from pwconf.emulator.fields import (
    Call,
    Fields,
    Handlers,
    fail,
    integer,
    json_list,
    json_object,
    localized,
    number,
    string,
)
from pwconf.emulator.store import GEOZONE_FIELDS, Application


def _checked_geozone(app: Application, raw: Fields) -> dict[str, Any]:
    geozone = {key: raw.obj.get(key) for key in GEOZONE_FIELDS}
    geozone["name"] = raw.get("name", string)
    geozone["lat"] = raw.get("lat", number, low=-90, high=90)
    geozone["lng"] = raw.get("lng", number, low=-180, high=180)
    geozone["cooldown"] = raw.get("cooldown", integer, low=0)
    # [doc] range 50-1000 metres; [decided] outside it is a 210.
    geozone["range"] = raw.get("range", number, low=50, high=1000)
    prefix = raw.prefix
    if geozone["content"] is None and geozone["presetCode"] is None:
        fail(f"Missing required field: {prefix}content or {prefix}presetCode")
    raw.get("content", localized, default=None)
    if geozone["presetCode"] is not None and geozone["presetCode"] not in app.presets:
        fail(f"Invalid {prefix}presetCode: preset {geozone['presetCode']!r} not found "
             "in this application")
    if geozone["cluster"] is not None and geozone["cluster"] not in app.clusters:
        fail(f"Invalid {prefix}cluster: cluster {geozone['cluster']!r} not found "
             "in this application")
    raw.get("campaign", campaign_of, app, default=None)
    raw.get("timetable", json_object, default=None)
    return geozone


class GeoMethods(Handlers):
    # -- geozone clusters (§7) -----------------------------------------------------------------
    def add_geo_zone_cluster(self, call: Call) -> Any:
        app = self._application(call)
        name = call.get("name", string)
        cooldown = call.get("cooldown", integer, low=0)
        if name in app.cluster_codes_by_name:
            fail("Cluster already exists")  # [decided] names unique within an application
        code = self.store.new_code()
        app.clusters[code] = {"code": code, "name": name, "cooldown": cooldown}
        self.store.mark_changed()
        return {"GeoZoneCluster": code}

    def list_geo_zone_clusters(self, call: Call) -> Any:
        app = self._application(call)
        counts = Counter(geozone["cluster"] for geozone in app.geozones.values())
        return {"clusters": [
            {"name": c["name"], "code": c["code"], "cooldown": c["cooldown"],
             "geozones": counts[c["code"]]}
            for c in app.clusters.values()
        ]}

    def delete_geo_zone_cluster(self, call: Call) -> Any:
        app = self._application(call)
        code = call.get("geoZoneCluster", string)
        if code not in app.clusters:
            fail("Cluster not found")
        app.drop_cluster(code)
        self.store.mark_changed()

    # -- geozones (§8) -------------------------------------------------------------------------
    def add_geo_zone(self, call: Call) -> Any:
        app = self._application(call)
        checked: dict[str, dict[str, Any]] = {}
        for index, raw in enumerate(call.get("geozones", json_list)):
            path = f"geozones[{index}]"
            geozone = _checked_geozone(app, Fields(json_object(raw, path), f"{path}."))
            if geozone["name"] in app.geozone_ids_by_name or geozone["name"] in checked:
                fail(f"Geozone already exists: {path}.name {geozone['name']!r}")
            checked[geozone["name"]] = geozone
        for geozone in checked.values():  # all validated first: all-or-nothing
            geozone["id"] = self.store.new_id("geozone")
            app.geozones[geozone["id"]] = geozone
        self.store.mark_changed()
        return {"GeoZones": [geozone["id"] for geozone in checked.values()]}

    def update_geo_zone(self, call: Call) -> Any:
        app = self._application(call)
        geozone_id = call.get("geoZoneId", integer)
        current = app.geozones.get(geozone_id)
        if current is None:
            fail("Geozone not found")
        # [decided] an omitted field stays; null unbinds cluster or campaign (or clears others).
        merged = {**current, **{key: call.request[key] for key in GEOZONE_FIELDS
                                if key in call.request}}
        geozone = _checked_geozone(app, Fields(merged))
        owner = app.geozone_ids_by_name.get(geozone["name"])
        if owner is not None and owner != geozone_id:
            fail(f"Geozone already exists: name {geozone['name']!r}")
        geozone["id"] = geozone_id
        app.geozones[geozone_id] = geozone
        self.store.mark_changed()

    def delete_geo_zone(self, call: Call) -> Any:
        app = self._application(call)
        ids = call.get("geozones", json_list)
        for index, geozone_id in enumerate(ids):
            integer(geozone_id, f"geozones[{index}]")
            if geozone_id not in app.geozones:
                fail("Geozone not found")
        for geozone_id in set(ids):
            del app.geozones[geozone_id]
        self.store.mark_changed()

    def list_geo_zones(self, call: Call) -> Any:
        app = self._application(call)
        keys = ("id", *GEOZONE_FIELDS)
        return {"geoZones": [{key: zone[key] for key in keys} for zone in app.geozones.values()]}
