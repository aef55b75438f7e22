"""The emulator's geozone clusters and geozones (contract §7-§8)."""

from __future__ import annotations

from typing import Any

from pwconf.emulator.campaigns import campaign_of
from pwconf.emulator.fields import (
    Handlers,
    _Call,
    _fail,
    _int,
    _list,
    _localized_text,
    _number,
    _object,
    _required,
    _string,
)
from pwconf.emulator.store import GEOZONE_FIELDS, Application


def _listed_geozone(geozone: dict[str, Any]) -> dict[str, Any]:
    return {key: geozone[key] for key in ("id", *GEOZONE_FIELDS)}


class GeoMethods(Handlers):
    # -- geozone clusters (§7) -----------------------------------------------------------------
    def add_geozone_cluster(self, call: _Call) -> Any:
        app = self._application(call)
        name = _string(_required(call.request, "name", "name"), "name")
        cooldown = _int(_required(call.request, "cooldown", "cooldown"), "cooldown", low=0)
        if name in app.cluster_codes_by_name:
            _fail("Cluster already exists")  # [decided] names unique within an application
        code = self.store.new_code()
        app.put_cluster({"code": code, "name": name, "cooldown": cooldown})
        self._changed()
        return {"GeoZoneCluster": code}

    def list_geozone_clusters(self, call: _Call) -> Any:
        app = self._application(call)
        counts: dict[str, int] = {}
        for geozone in app.geozones.values():
            if geozone["cluster"] is not None:
                counts[geozone["cluster"]] = counts.get(geozone["cluster"], 0) + 1
        return {"clusters": [
            {"name": c["name"], "code": c["code"], "cooldown": c["cooldown"],
             "geozones": counts.get(c["code"], 0)}
            for c in app.clusters.values()
        ]}

    def delete_geozone_cluster(self, call: _Call) -> Any:
        app = self._application(call)
        code = _string(_required(call.request, "geoZoneCluster", "geoZoneCluster"),
                       "geoZoneCluster")
        if code not in app.clusters:
            _fail("Cluster not found")
        app.drop_cluster(code)
        self._changed()
        return None

    # -- geozones (§8) -------------------------------------------------------------------------
    def add_geozone(self, call: _Call) -> Any:
        app = self._application(call)
        raw_list = _list(_required(call.request, "geozones", "geozones"), "geozones")
        checked: list[dict[str, Any]] = []
        batch_names: set[str] = set()
        for index, raw in enumerate(raw_list):
            geozone = self._checked_geozone(app, _object(raw, f"geozones[{index}]"),
                                            f"geozones[{index}].")
            if geozone["name"] in app.geozone_ids_by_name or geozone["name"] in batch_names:
                _fail(f"Geozone already exists: geozones[{index}].name {geozone['name']!r}")
            batch_names.add(geozone["name"])
            checked.append(geozone)
        ids = []
        for geozone in checked:  # all validated first: all-or-nothing
            geozone["id"] = self.store.new_geozone_id()
            app.put_geozone(geozone)
            ids.append(geozone["id"])
        self._changed()
        return {"GeoZones": ids}

    def _checked_geozone(
        self, app: Application, raw: dict[str, Any], prefix: str
    ) -> dict[str, Any]:
        geozone = {key: raw.get(key) for key in GEOZONE_FIELDS}
        geozone["name"] = _string(_required(raw, "name", f"{prefix}name"), f"{prefix}name")
        geozone["lat"] = _number(_required(raw, "lat", f"{prefix}lat"), f"{prefix}lat",
                                 low=-90, high=90)
        geozone["lng"] = _number(_required(raw, "lng", f"{prefix}lng"), f"{prefix}lng",
                                 low=-180, high=180)
        geozone["cooldown"] = _int(_required(raw, "cooldown", f"{prefix}cooldown"),
                                   f"{prefix}cooldown", low=0)
        # [doc] range 50-1000 metres; [decided] outside it is a 210.
        geozone["range"] = _number(_required(raw, "range", f"{prefix}range"), f"{prefix}range",
                                   low=50, high=1000)
        if geozone["content"] is None and geozone["presetCode"] is None:
            _fail(f"Missing required field: {prefix}content or {prefix}presetCode")
        if geozone["content"] is not None:
            _localized_text(geozone["content"], f"{prefix}content")
        if geozone["presetCode"] is not None and geozone["presetCode"] not in app.presets:
            _fail(f"Invalid {prefix}presetCode: preset {geozone['presetCode']!r} not found "
                  "in this application")
        if geozone["cluster"] is not None and geozone["cluster"] not in app.clusters:
            _fail(f"Invalid {prefix}cluster: cluster {geozone['cluster']!r} not found "
                  "in this application")
        if geozone["campaign"] is not None:
            campaign_of(app, geozone["campaign"], f"{prefix}campaign")
        if geozone["timetable"] is not None:
            _object(geozone["timetable"], f"{prefix}timetable")
        return geozone

    def update_geozone(self, call: _Call) -> Any:
        app = self._application(call)
        geozone_id = _int(_required(call.request, "geoZoneId", "geoZoneId"), "geoZoneId")
        current = app.geozones.get(geozone_id)
        if current is None:
            _fail("Geozone not found")
        # [decided] an omitted field stays; null unbinds cluster or campaign (or clears others).
        merged = dict(current)
        for key in GEOZONE_FIELDS:
            if key in call.request:
                merged[key] = call.request[key]
        geozone = self._checked_geozone(app, merged, "")
        owner = app.geozone_ids_by_name.get(geozone["name"])
        if owner is not None and owner != geozone_id:
            _fail(f"Geozone already exists: name {geozone['name']!r}")
        geozone["id"] = geozone_id
        app.put_geozone(geozone)
        self._changed()
        return None

    def delete_geozone(self, call: _Call) -> Any:
        app = self._application(call)
        ids = _list(_required(call.request, "geozones", "geozones"), "geozones")
        for index, geozone_id in enumerate(ids):
            _int(geozone_id, f"geozones[{index}]")
            if geozone_id not in app.geozones:
                _fail("Geozone not found")
        for geozone_id in set(ids):
            app.drop_geozone(geozone_id)
        self._changed()
        return None

    def list_geozones(self, call: _Call) -> Any:
        app = self._application(call)
        return {"geoZones": [_listed_geozone(g) for g in app.geozones.values()]}
