"""The emulator's filters and presets (contract §5-§6)."""

from __future__ import annotations

from typing import Any

from pwconf.emulator import answer_shapes, segments
from pwconf.emulator.campaigns import campaign_of
from pwconf.emulator.fields import (
    MSG_NO_APPLICATION,
    Call,
    Handlers,
    choice,
    fail,
    integer,
    iso_date,
    json_object,
    localized,
    platform_ids,
    string,
)
from pwconf.emulator.store import Account, Application


def _filters_in_use(account: Account) -> set[str]:
    return {
        preset["segmentation"].get("filter")
        for app in account.applications.values()
        for preset in app.presets.values()
    }


class FilterPresetMethods(Handlers):
    def create_filter(self, call: Call) -> Any:
        self._unrestricted(call)
        name = call.get("name", string)
        expression = call.get("filter_expression", string)
        application = None
        if call.has("application"):
            application = self._application(call, suspended_ok=True).code
        expiration = call.get("expiration_date", iso_date, default=None)
        if expiration and self.expire_filters and expiration < self.today().isoformat():
            fail("Invalid expiration_date: must not be in the past")
        self._parse_expression(call.account, expression)
        if self._live_filter(call.account, name) is not None:
            fail("Filter already exists")
        call.account.filters[name] = {
            "code": self.store.new_code(), "name": name, "filter_expression": expression,
            "expiration_date": expiration, "application": application,
        }
        self.store.mark_changed()
        return {"name": name}

    def _parse_expression(self, account: Account, expression: str) -> None:
        def application_exists(code: str) -> bool:
            app = self.store.applications.get(code)
            return app is not None and app.account_id == account.id

        def tag_type(name: str) -> int | None:
            tag = account.tags.get(name)
            return None if tag is None else tag["type"]

        try:
            segments.parse(expression, segments.Resolver(application_exists, tag_type))
        except segments.SegmentError as error:
            fail(str(error))

    def _expired(self, found: dict[str, Any], account: Account) -> bool:
        # [decided, emulator] a filter lives through its expiration date, gone the day after,
        # unless a preset uses it.
        expiration = found["expiration_date"]
        if not self.expire_filters or not expiration or expiration >= self.today().isoformat():
            return False
        return found["name"] not in _filters_in_use(account)

    def _live_filter(self, account: Account, name: str) -> dict[str, Any] | None:
        """The filter, unless it expired (then it is removed, as the service does [doc])."""
        found = account.filters.get(name)
        if found is not None and self._expired(found, account):
            del account.filters[name]
            self.store.mark_changed()
            return None
        return found

    def list_filters(self, call: Call) -> Any:
        need_application = answer_shapes.FILTERS_NEED_APPLICATION in self.shapes
        if need_application and not call.has("application"):
            fail(MSG_NO_APPLICATION)
        application = None
        if call.has("application"):
            application = self._application(call, suspended_ok=True).code
        listed = []
        for name in list(call.account.filters):
            found = self._live_filter(call.account, name)
            if found is None:
                continue
            if application in (None, found["application"]) or (
                need_application and found["application"] is None
            ):  # with the shape, a filter of no application serves every one
                listed.append(dict(found))
        return {"filters": listed}

    def delete_filter(self, call: Call) -> Any:
        self._unrestricted(call)
        name = call.get("name", string)
        if self._live_filter(call.account, name) is None:
            fail("Filter not found")
        del call.account.filters[name]
        self.store.mark_changed()

    # -- presets (§6) --------------------------------------------------------------------------
    def create_preset(self, call: Call) -> Any:
        app = self._application(call, "applicationCode")
        name = call.get("name", string)
        campaign = call.get("campaignCode", campaign_of, app, default=None)
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
        if name in app.preset_codes_by_name:
            fail("Preset already exists")  # [decided] names unique within an application
        code = self.store.new_code()
        app.presets[code] = {
            "code": code, "name": name, "campaignCode": campaign, "content": content.obj,
            "scheduling": scheduling, "segmentation": segmentation,
        }
        self.store.mark_changed()
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

    def list_presets(self, call: Call) -> Any:
        app = self._application(call)
        return {"presets": [{"code": p["code"], "name": p["name"]} for p in app.presets.values()]}

    def _preset(self, call: Call) -> tuple[Application, dict[str, Any]]:
        code = call.get("preset_code", string)
        for app in call.account.applications.values():
            if code in app.presets:
                return self._application_by_code(call, app.code), app.presets[code]
        fail("Preset not found")

    def get_preset(self, call: Call) -> Any:
        app, preset = self._preset(call)
        return {"preset": {
            "code": preset["code"], "name": preset["name"], "applicationCode": app.code, **preset
        }}

    def delete_preset(self, call: Call) -> Any:
        app, preset = self._preset(call)
        del app.presets[preset["code"]]
        self.store.mark_changed()
