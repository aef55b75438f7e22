"""The emulator's applications, tags and events (contract §2-§4)."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pwconf.emulator.fields import (
    DEVICE_TYPE_PROVIDER,
    MSG_APP_NOT_FOUND,
    PAGE_SIZE,
    SDK_ANDROID,
    SDK_IOS,
    Handlers,
    _base64,
    _bool,
    _Call,
    _choice,
    _fail,
    _int,
    _list,
    _object,
    _present,
    _required,
    _string,
)


class ApplicationMethods(Handlers):
    # -- applications (§2) ---------------------------------------------------------------------
    def create_application(self, call: _Call) -> Any:
        self._unrestricted(call)
        req = call.request
        title = _string(_required(req, "title", "title"), "title")
        fields: dict[str, Any] = {"title": title}
        fields.update(self._application_fields(req))
        if _present(req, "authorize_all_tokens"):
            flag = _bool(req["authorize_all_tokens"], "authorize_all_tokens")
            fields["authorize_all_tokens"] = flag
        app = self.store.add_application(call.account, **fields)
        return {"application": app.code}

    @staticmethod
    def _application_fields(req: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if _present(req, "sdk_ios"):
            fields["sdk_ios"] = _choice(req["sdk_ios"], "sdk_ios", SDK_IOS)
        if _present(req, "sdk_android"):
            fields["sdk_android"] = _choice(req["sdk_android"], "sdk_android", SDK_ANDROID)
        if _present(req, "icon"):
            fields["icon"] = _base64(req["icon"], "icon")
        return fields

    def update_application(self, call: _Call) -> Any:
        app = self._application(call, not_found=MSG_APP_NOT_FOUND)
        req = call.request
        fields = self._application_fields(req)
        if _present(req, "title"):
            fields["title"] = _string(req["title"], "title")
        for name, value in fields.items():
            setattr(app, name, value)
        self._changed()
        return None

    def delete_application(self, call: _Call) -> Any:
        app = self._application(call, not_found=MSG_APP_NOT_FOUND, suspended_ok=True)
        self.store.remove_application(app.code)
        return None

    def get_application(self, call: _Call) -> Any:
        app = self._application(call, not_found=MSG_APP_NOT_FOUND, suspended_ok=True)
        icon_url = None
        if app.icon:
            digest = hashlib.sha1(app.icon.encode(), usedforsecurity=False).hexdigest()[:12]
            icon_url = f"https://icons.emulator.invalid/{app.code}/{digest}.png"
        # [decided] plain strings; credentials are never echoed.
        return {
            "application": {
                "code": app.code,
                "title": app.title,
                "sdk_ios": app.sdk_ios,
                "sdk_android": app.sdk_android,
                "icon_url": icon_url,
                "providers": dict(app.providers),
            }
        }

    def get_applications(self, call: _Call) -> Any:
        page = call.request.get("page", 1)
        page = _int(1 if page is None else page, "page", low=1)
        apps = call.account.applications
        total = max(1, math.ceil(len(apps) / PAGE_SIZE))  # [decided] 100 a page, 1-based
        start = (page - 1) * PAGE_SIZE
        codes = list(apps)[start : start + PAGE_SIZE] if start < len(apps) else []
        return {
            "applications": {code: apps[code].title for code in codes},
            "page": page,
            "total": total,
        }

    def configure_application(self, call: _Call) -> Any:
        app = self._application(call, not_found=MSG_APP_NOT_FOUND)
        req = call.request
        device_type = _required(req, "device_type", "device_type")
        if device_type not in DEVICE_TYPE_PROVIDER or isinstance(device_type, bool):
            _fail("Invalid device_type: expected 1 (iOS) or 3 (Android)")
        provider = DEVICE_TYPE_PROVIDER[device_type]
        if provider == "ios":
            credentials = self._ios_credentials(req)
        else:
            account_json = _object(
                _required(req, "android_fcm_service_account", "android_fcm_service_account"),
                "android_fcm_service_account",
            )
            if not account_json:
                _fail("Invalid android_fcm_service_account: must not be empty")
            credentials = {"android_fcm_service_account": account_json}
        app.credentials = {**app.credentials, provider: credentials}
        app.providers = {**app.providers, provider: True}
        self._changed()
        return {"providers": dict(app.providers)}

    @staticmethod
    def _ios_credentials(req: dict[str, Any]) -> dict[str, Any]:
        if _present(req, "ios_key_management_type"):
            _choice(req["ios_key_management_type"], "ios_key_management_type", ("manual",))
        key_file = _base64(_required(req, "ios_key_file", "ios_key_file"), "ios_key_file")
        password = _string(
            _required(req, "ios_key_password", "ios_key_password"), "ios_key_password",
            empty_ok=True,
        )
        gateway = _required(req, "ios_gateway", "ios_gateway")
        if gateway not in (0, 1, "0", "1") or isinstance(gateway, bool):
            _fail("Invalid ios_gateway: expected 0 (sandbox) or 1 (production)")
        credentials = {
            "ios_key_management_type": req.get("ios_key_management_type", "manual"),
            "ios_key_file": key_file,
            "ios_key_password": password,
            "ios_gateway": int(gateway),
        }
        if _present(req, "ios_framework"):
            credentials["ios_framework"] = _string(req["ios_framework"], "ios_framework")
        return credentials

    # -- tags (§3) -----------------------------------------------------------------------------
    def add_tag(self, call: _Call) -> Any:
        self._unrestricted(call)
        tag = _object(_required(call.request, "tag", "tag"), "tag")
        name = _string(_required(tag, "name", "tag.name"), "tag.name")
        type_code = _required(tag, "type", "tag.type")
        if not isinstance(type_code, int) or isinstance(type_code, bool) or not 1 <= type_code <= 7:
            _fail("Invalid tag.type: expected an integer from 1 to 7")
        flags = {}
        for flag in ("application_specific", "user_specific"):
            flags[flag] = _bool(tag[flag], f"tag.{flag}") if _present(tag, flag) else False
        if name in call.account.tags:
            _fail("Tag already exists")  # [decided]
        call.account.tags[name] = {"name": name, "type": type_code, **flags, "default": False}
        self._changed()
        return {"result": True}

    def delete_tag(self, call: _Call) -> Any:
        self._unrestricted(call)
        tag = _object(_required(call.request, "tag", "tag"), "tag")
        name = _string(_required(tag, "name", "tag.name"), "tag.name")
        existing = call.account.tags.get(name)
        if existing is None:
            _fail("Tag not found")  # [decided]
        if existing["default"]:
            _fail("Default tag can not be deleted")  # [decided]
        del call.account.tags[name]
        self._changed()
        return {"result": True}

    def list_tags(self, call: _Call) -> Any:
        # user_specific is stored but not echoed [doc].
        return {"tags": [
            {
                "name": tag["name"],
                "type": tag["type"],
                "isApplicationSpecific": tag["application_specific"],
            }
            for tag in call.account.tags.values()
        ]}

    # -- events (§4) ---------------------------------------------------------------------------
    def create_event(self, call: _Call) -> Any:
        app = self._application(call)
        req = call.request
        name = _string(_required(req, "name", "name"), "name", max_len=32)
        description = None
        if _present(req, "description"):
            description = _string(req["description"], "description", max_len=64, empty_ok=True)
        attributes = self._event_attributes(req.get("eventAttributes"))
        track_revenue = _bool(req["trackRevenue"], "trackRevenue") if _present(
            req, "trackRevenue") else False
        if name in app.events:
            _fail("Event already exists")  # [decided]
        event_id = self.store.new_event_id()
        app.events[name] = {
            "id": event_id, "name": name, "description": description,
            "eventAttributes": attributes, "trackRevenue": track_revenue,
        }
        self._changed()
        return {"event": event_id}

    @staticmethod
    def _event_attributes(raw: Any) -> list[dict[str, Any]]:
        if raw is None:
            return []
        attributes = []
        seen: set[str] = set()
        for index, item in enumerate(_list(raw, "eventAttributes", non_empty=False)):
            path = f"eventAttributes[{index}]"
            _object(item, path)
            name = _string(_required(item, "name", f"{path}.name"), f"{path}.name", max_len=64)
            type_code = _int(_required(item, "type", f"{path}.type"), f"{path}.type", low=1, high=6)
            if name in seen:
                _fail(f"Invalid {path}.name: duplicate attribute {name!r}")
            seen.add(name)
            attributes.append({"name": name, "type": type_code})
        return attributes

    # -- filters (§5) --------------------------------------------------------------------------
