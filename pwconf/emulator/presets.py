"""The emulator's filters, presets, campaigns, geozone clusters and geozones (contract §5-§8a)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pwconf.emulator import answer_shapes, segments
from pwconf.emulator.fields import (
    MSG_NO_APPLICATION,
    Call,
    Fields,
    Handlers,
    choice,
    fail,
    integer,
    iso_date,
    json_list,
    json_object,
    localized,
    number,
    platform_ids,
    string,
)
from pwconf.emulator.store import GEOZONE_FIELDS, Account, Application

# A small page, so that a few campaigns already take several getCampaigns calls [decided].
CAMPAIGN_PAGE_SIZE = 2


def _member(code: Any, path: str, app: Application, kind: str) -> str:
    """`code` as one of `app`'s presets, clusters or campaigns (`kind`), else a 210."""
    if string(code, path) not in getattr(app, f"{kind}s"):
        fail(f"Invalid {path}: {kind} {code!r} not found in this application")
    return code


def _checked_geozone(app: Application, raw: Fields) -> dict[str, Any]:
    raw.get("name", string)
    raw.get("lat", number, low=-90, high=90)
    raw.get("lng", number, low=-180, high=180)
    raw.get("cooldown", integer, low=0)
    raw.get("range", number, low=50, high=1000)  # [doc] 50-1000 metres; [decided] else a 210
    if not raw.has("content") and not raw.has("presetCode"):
        fail(f"Missing required field: {raw.prefix}content or {raw.prefix}presetCode")
    raw.get("content", localized, default=None)
    for key, kind in (("presetCode", "preset"), ("cluster", "cluster"), ("campaign", "campaign")):
        raw.get(key, _member, app, kind, default=None)
    raw.get("timetable", json_object, default=None)
    return {key: raw.obj.get(key) for key in GEOZONE_FIELDS}


def _filter_application(call: Call) -> str | None:
    """The code of the application a filter call names, if it names one (suspended or not)."""
    return call.application(suspended_ok=True).code if call.has("application") else None


class PresetMethods(Handlers):
    # -- filters (§5) --------------------------------------------------------------------------
    def create_filter(self, call: Call) -> Any:
        call.unrestricted()
        name = call.get("name", string)
        expression = call.get("filter_expression", string)
        application = _filter_application(call)
        expiration = call.get("expiration_date", iso_date, default=None)
        if expiration and expiration < self.today().isoformat():
            fail("Invalid expiration_date: must not be in the past")
        tags = call.account.tags

        def tag_type(tag: str) -> int | None:  # looked up only for the tags the expression names
            return tags[tag]["type"] if tag in tags else None

        segments.check(expression, call.account.applications, tag_type)
        if self._live_filter(call.account, name) is not None:
            fail("Filter already exists")
        call.account.filters[name] = {
            "code": self.store.new_code(), "name": name, "filter_expression": expression,
            "expiration_date": expiration, "application": application,
        }
        return {"name": name}

    def _live_filter(self, account: Account, name: str) -> dict[str, Any] | None:
        """The filter, unless it expired (then it is removed, as the service does [doc])."""
        found = account.filters.get(name)
        # [decided, emulator] a filter lives through its expiration date, gone the day after,
        # unless a preset uses it.
        expiration = found["expiration_date"] if found else None
        if not expiration or expiration >= self.today().isoformat() or any(
            preset["segmentation"].get("filter") == name
            for app in account.applications.values() for preset in app.presets.values()
        ):
            return found
        del account.filters[name]
        self.store.mark_changed()  # a read may remove an expired filter
        return None

    def list_filters(self, call: Call) -> Any:
        need_application = answer_shapes.FILTERS_NEED_APPLICATION in self.shapes
        if need_application and not call.has("application"):
            fail(MSG_NO_APPLICATION)
        application = _filter_application(call)
        # With the shape, a filter bound to no application serves every one.
        shown = {application, None} if need_application else {application}
        live = [self._live_filter(call.account, name) for name in list(call.account.filters)]
        return {"filters": [dict(found) for found in live if found is not None
                            and (application is None or found["application"] in shown)]}

    def delete_filter(self, call: Call) -> Any:
        call.unrestricted()
        name = call.get("name", string)
        if self._live_filter(call.account, name) is None:
            fail("Filter not found")
        del call.account.filters[name]

    # -- presets (§6) --------------------------------------------------------------------------
    def create_preset(self, call: Call) -> Any:
        app = call.application("applicationCode")
        name = call.get("name", string)
        campaign = call.get("campaignCode", _member, app, "campaign", default=None)
        content = call.nested("content")
        content.get("message", localized)
        for key in ("title", "subtitle"):
            content.get(key, localized, default=None)
        if content.has("action"):
            action = content.nested("action")
            action.get("type", choice, ("url", "deepLink", "richMedia", "openApp"))
            action.get("options", json_object, default=None)
        for key in ("userData", "properties"):
            content.get(key, json_object, default=None)
        scheduling = json_object(call.request.get("scheduling") or {}, "scheduling")
        if "sendRate" in scheduling:
            integer(scheduling["sendRate"], "scheduling.sendRate", low=100, high=1000)
        segmentation = self._preset_segmentation(call, app)
        self._add_named(
            app.presets, "Preset", name=name, campaignCode=campaign, content=content.obj,
            scheduling=scheduling, segmentation=segmentation,
        )
        return None  # [doc] no code is returned

    def _preset_segmentation(self, call: Call, app: Application) -> dict[str, Any]:
        segmentation = call.nested("segmentation")
        if segmentation.obj.get("platforms") in (None, []):
            fail("Please select at least one platform")  # [doc message, decided trigger]
        segmentation.get("platforms", platform_ids)
        if segmentation.has("filter"):
            filter_name = segmentation.get("filter", string)
            found = self._live_filter(call.account, filter_name)
            if found is None:
                fail(f"Invalid segmentation.filter: filter {filter_name!r} not found")
            if found["application"] not in (None, app.code):
                fail(f"Invalid segmentation.filter: filter {filter_name!r} is bound to "
                     "another application")
        return segmentation.obj

    def _add_named(self, stored: dict[str, dict[str, Any]], what: str, **fields: Any) -> str:
        """Store a new preset, campaign or cluster under a new code; return the code."""
        if any(leaf["name"] == fields["name"] for leaf in stored.values()):
            fail(f"{what} already exists")  # [decided] names unique within an application
        code = self.store.new_code()
        stored[code] = {"code": code, **fields}
        return code

    def list_presets(self, call: Call) -> Any:
        app = call.application()
        return {"presets": [{"code": p["code"], "name": p["name"]} for p in app.presets.values()]}

    def _preset(self, call: Call) -> tuple[Application, dict[str, Any]]:
        code = call.get("preset_code", string)
        app = call.owner("presets", code, "Preset not found")
        return app, app.presets[code]

    def get_preset(self, call: Call) -> Any:
        app, preset = self._preset(call)
        return {"preset": {  # the keys of contract §6, not whatever the store keeps
            "code": preset["code"], "name": preset["name"], "applicationCode": app.code,
            "campaignCode": preset["campaignCode"], "content": preset["content"],
            "scheduling": preset["scheduling"], "segmentation": preset["segmentation"],
        }}  # fmt: skip

    def delete_preset(self, call: Call) -> Any:
        app, preset = self._preset(call)
        del app.presets[preset["code"]]

    # -- campaigns (§8a) -----------------------------------------------------------------------
    def create_campaign(self, call: Call) -> Any:
        app = call.application()
        name = call.get("name", string)
        description = call.get("description", string, empty_ok=True, default=None)
        return {"campaign": self._add_named(
            app.campaigns, "Campaign", name=name, description=description
        )}

    def get_campaigns(self, call: Call) -> Any:
        """One page; the cursor is the offset of the next page, empty on the last [decided]."""
        app = call.application()
        limit = min(
            CAMPAIGN_PAGE_SIZE, call.get("limit", integer, low=1, default=CAMPAIGN_PAGE_SIZE)
        )
        start = 0
        if call.request.get("cursor"):
            cursor = call.get("cursor", string)
            if not cursor.isdigit():
                fail("Invalid cursor: not a cursor of getCampaigns")
            start = int(cursor)
        campaigns = list(app.campaigns.values())
        page = campaigns[start : start + limit]
        after = start + len(page)
        return {
            "campaigns": [dict(c) for c in page],
            "limit": limit,
            "cursor": str(after) if after < len(campaigns) else "",
        }

    def delete_campaign(self, call: Call) -> Any:
        code = call.get("campaign", string)
        call.owner("campaigns", code, "Campaign not found").drop_campaign(code)

    # -- geozone clusters (§7) -----------------------------------------------------------------
    def add_geo_zone_cluster(self, call: Call) -> Any:
        app = call.application()
        name = call.get("name", string)
        cooldown = call.get("cooldown", integer, low=0)
        return {"GeoZoneCluster": self._add_named(
            app.clusters, "Cluster", name=name, cooldown=cooldown
        )}

    def list_geo_zone_clusters(self, call: Call) -> Any:
        app = call.application()
        counts = Counter(geozone["cluster"] for geozone in app.geozones.values())
        return {"clusters": [
            {"name": c["name"], "code": c["code"], "cooldown": c["cooldown"],
             "geozones": counts[c["code"]]}
            for c in app.clusters.values()
        ]}

    def delete_geo_zone_cluster(self, call: Call) -> Any:
        app = call.application()
        code = call.get("geoZoneCluster", string)
        if code not in app.clusters:
            fail("Cluster not found")
        app.drop_cluster(code)

    # -- geozones (§8) -------------------------------------------------------------------------
    def add_geo_zone(self, call: Call) -> Any:
        app = call.application()
        checked: dict[str, dict[str, Any]] = {}
        taken = app.geozone_ids_by_name()
        for index, raw in enumerate(call.get("geozones", json_list)):
            path = f"geozones[{index}]"
            geozone = _checked_geozone(app, Fields(json_object(raw, path), f"{path}."))
            if geozone["name"] in taken or geozone["name"] in checked:
                fail(f"Geozone already exists: {path}.name {geozone['name']!r}")
            checked[geozone["name"]] = geozone
        for geozone in checked.values():  # all validated first: all-or-nothing
            geozone["id"] = self.store.new_id("geozone")
            app.geozones[geozone["id"]] = geozone
        return {"GeoZones": [geozone["id"] for geozone in checked.values()]}

    def update_geo_zone(self, call: Call) -> Any:
        app = call.application()
        geozone_id = call.get("geoZoneId", integer)
        current = app.geozones.get(geozone_id)
        if current is None:
            fail("Geozone not found")
        # [decided] an omitted field stays; null unbinds cluster or campaign (or clears others).
        merged = {**current, **{key: call.request[key] for key in GEOZONE_FIELDS
                                if key in call.request}}
        geozone = _checked_geozone(app, Fields(merged))
        if app.geozone_ids_by_name().get(geozone["name"], geozone_id) != geozone_id:
            fail(f"Geozone already exists: name {geozone['name']!r}")
        geozone["id"] = geozone_id
        app.geozones[geozone_id] = geozone

    def delete_geo_zone(self, call: Call) -> Any:
        app = call.application()
        ids = call.get("geozones", json_list)
        for index, geozone_id in enumerate(ids):
            integer(geozone_id, f"geozones[{index}]")
            if geozone_id not in app.geozones:
                fail("Geozone not found")
        for geozone_id in set(ids):
            del app.geozones[geozone_id]

    def list_geo_zones(self, call: Call) -> Any:
        app = call.application()
        keys = ("id", *GEOZONE_FIELDS)
        return {"geoZones": [{key: zone[key] for key in keys} for zone in app.geozones.values()]}
