"""The emulator's filters and presets (contract §5-§6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pwconf.emulator import answer_shapes, segments
from pwconf.emulator.campaigns import campaign_of
from pwconf.emulator.fields import (
    ACTION_TYPES,
    MSG_NO_APPLICATION,
    MSG_NO_PLATFORM,
    PLATFORM_IDS,
    Handlers,
    _Call,
    _choice,
    _date,
    _fail,
    _int,
    _list,
    _localized_text,
    _object,
    _present,
    _required,
    _string,
)
from pwconf.emulator.store import Account, Application


class FilterPresetMethods(Handlers):
    def create_filter(self, call: _Call) -> Any:
        self._unrestricted(call)
        req = call.request
        name = _string(_required(req, "name", "name"), "name")
        expression = _string(
            _required(req, "filter_expression", "filter_expression"), "filter_expression"
        )
        application = None
        if _present(req, "application"):
            application = self._application(call, suspended_ok=True).code
        expiration = None
        if _present(req, "expiration_date"):
            expiration = _date(req["expiration_date"], "expiration_date")
            if self.expire_filters and expiration < self.today().isoformat():
                _fail("Invalid expiration_date: must not be in the past")
        self._parse_expression(call.account, expression)
        if self._live_filter(call.account, name) is not None:
            _fail("Filter already exists")
        call.account.filters[name] = {
            "code": self.store.new_code(), "name": name, "filter_expression": expression,
            "expiration_date": expiration, "application": application,
        }
        self._changed()
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
            _fail(str(error))

    def _live_filter(self, account: Account, name: str) -> dict[str, Any] | None:
        """The filter, unless it expired (then it is removed, as the service does [doc])."""
        found = account.filters.get(name)
        if found is not None and self._expired(found, lambda: self._filters_in_use(account)):
            del account.filters[name]
            self._changed()
            return None
        return found

    def _expired(self, found: dict[str, Any], in_use: Callable[[], set[str]]) -> bool:
        # [decided, emulator] a filter lives through its expiration date, gone the day after,
        # unless a preset uses it.
        expiration = found["expiration_date"]
        if not self.expire_filters or not expiration or expiration >= self.today().isoformat():
            return False
        return found["name"] not in in_use()

    @staticmethod
    def _filters_in_use(account: Account) -> set[str]:
        return {
            preset["segmentation"].get("filter")
            for app in account.applications.values()
            for preset in app.presets.values()
        }

    def list_filters(self, call: _Call) -> Any:
        application = None
        need_application = answer_shapes.FILTERS_NEED_APPLICATION in self.shapes
        if need_application and not _present(call.request, "application"):
            _fail(MSG_NO_APPLICATION)
        if _present(call.request, "application"):
            application = self._application(call, suspended_ok=True).code
        in_use_cache: list[set[str]] = []

        def in_use() -> set[str]:
            if not in_use_cache:
                in_use_cache.append(self._filters_in_use(call.account))
            return in_use_cache[0]

        listed = []
        for name, found in list(call.account.filters.items()):
            if self._expired(found, in_use):
                del call.account.filters[name]
                self._changed()
            elif application is None or found["application"] == application:
                listed.append(dict(found))
            elif need_application and found["application"] is None:
                listed.append(dict(found))  # a filter of no application serves every one
        return {"filters": listed}

    def delete_filter(self, call: _Call) -> Any:
        self._unrestricted(call)
        name = _string(_required(call.request, "name", "name"), "name")
        if self._live_filter(call.account, name) is None:
            _fail("Filter not found")
        del call.account.filters[name]
        self._changed()
        return None

    # -- presets (§6) --------------------------------------------------------------------------
    def create_preset(self, call: _Call) -> Any:
        req = call.request
        app = self._application(call, "applicationCode")
        name = _string(_required(req, "name", "name"), "name")
        campaign = None
        if _present(req, "campaignCode"):
            campaign = campaign_of(app, req["campaignCode"], "campaignCode")
        content = self._preset_content(_required(req, "content", "content"))
        scheduling = _object(req.get("scheduling") or {}, "scheduling")
        if "sendRate" in scheduling:
            _int(scheduling["sendRate"], "scheduling.sendRate", low=100, high=1000)
        segmentation = self._preset_segmentation(call, app, req)
        if name in app.preset_codes_by_name:
            _fail("Preset already exists")  # [decided] names unique within an application
        self.store.put_preset(app, {
            "code": self.store.new_code(), "name": name, "campaignCode": campaign,
            "content": content, "scheduling": scheduling, "segmentation": segmentation,
        })
        return None  # [doc] no code is returned

    @staticmethod
    def _preset_content(raw: Any) -> dict[str, Any]:
        content = _object(raw, "content")
        _localized_text(_required(content, "message", "content.message"), "content.message")
        for key in ("title", "subtitle"):
            if _present(content, key):
                _localized_text(content[key], f"content.{key}")
        if _present(content, "action"):
            action = _object(content["action"], "content.action")
            _choice(_required(action, "type", "content.action.type"), "content.action.type",
                    ACTION_TYPES)
            if _present(action, "options"):
                _object(action["options"], "content.action.options")
        for key in ("userData", "properties"):
            if _present(content, key):
                _object(content[key], f"content.{key}")
        return content

    def _preset_segmentation(
        self, call: _Call, app: Application, req: dict[str, Any]
    ) -> dict[str, Any]:
        segmentation = _object(_required(req, "segmentation", "segmentation"), "segmentation")
        platforms = segmentation.get("platforms")
        if platforms is None or platforms == []:
            _fail(MSG_NO_PLATFORM)  # [doc message, decided trigger]
        for index, platform in enumerate(_list(platforms, "segmentation.platforms")):
            if isinstance(platform, bool) or platform not in PLATFORM_IDS:
                _fail(f"Invalid segmentation.platforms[{index}]: unknown platform id {platform!r}")
        if _present(segmentation, "filter"):
            filter_name = _string(segmentation["filter"], "segmentation.filter")
            found = self._live_filter(call.account, filter_name)
            if found is None:
                _fail(f"Invalid segmentation.filter: filter {filter_name!r} not found")
            if found["application"] not in (None, app.code):
                _fail(f"Invalid segmentation.filter: filter {filter_name!r} is bound to "
                      "another application")
        return segmentation

    def list_presets(self, call: _Call) -> Any:
        app = self._application(call)
        return {"presets": [{"code": p["code"], "name": p["name"]} for p in app.presets.values()]}

    def _preset(self, call: _Call) -> tuple[Application, dict[str, Any]]:
        code = _string(_required(call.request, "preset_code", "preset_code"), "preset_code")
        app = self.store.preset_index.get(code)
        if app is None or app.account_id != call.account.id:
            _fail("Preset not found")
        self._application_by_code(call, app.code)
        return app, app.presets[code]

    def get_preset(self, call: _Call) -> Any:
        app, preset = self._preset(call)
        return {"preset": {
            "code": preset["code"], "name": preset["name"], "applicationCode": app.code,
            "campaignCode": preset["campaignCode"], "content": preset["content"],
            "scheduling": preset["scheduling"], "segmentation": preset["segmentation"],
        }}

    def delete_preset(self, call: _Call) -> Any:
        app, preset = self._preset(call)
        self.store.drop_preset(app, preset["code"])
        return None
