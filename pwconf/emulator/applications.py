"""The emulator's applications, tags and events (contract §2-§4)."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pwconf.emulator.fields import (
    MSG_APP_NOT_FOUND,
    Call,
    Fields,
    Handlers,
    base64_data,
    boolean,
    choice,
    fail,
    integer,
    is_whole,
    json_list,
    json_object,
    string,
)

PAGE_SIZE = 100  # getApplications [decided]
DEVICE_TYPE_PROVIDER = {1: "ios", 3: "android"}


def _application_fields(req: Fields) -> dict[str, Any]:
    fields = {
        "sdk_ios": req.get("sdk_ios", choice, ("pw", "corona"), default=None),
        "sdk_android": req.get("sdk_android", choice, ("pw", "corona", "phonegap"), default=None),
        "icon": req.get("icon", base64_data, default=None),
    }
    return {name: value for name, value in fields.items() if value is not None}


class ApplicationMethods(Handlers):
    # -- applications (§2) ---------------------------------------------------------------------
    def create_application(self, call: Call) -> Any:
        call.unrestricted()
        app = self.store.add_application(
            call.account, call.get("title", string), **_application_fields(call),
            authorize_all_tokens=call.get("authorize_all_tokens", boolean, default=False),
        )
        return {"application": app.code}

    def update_application(self, call: Call) -> Any:
        app = call.application(not_found=MSG_APP_NOT_FOUND)
        fields = _application_fields(call)
        fields["title"] = call.get("title", string, default=app.title)
        for name, value in fields.items():
            setattr(app, name, value)

    def delete_application(self, call: Call) -> Any:
        app = call.application(not_found=MSG_APP_NOT_FOUND, suspended_ok=True)
        call.account.drop_application(app.code)

    def get_application(self, call: Call) -> Any:
        app = call.application(not_found=MSG_APP_NOT_FOUND, suspended_ok=True)
        icon_url = None
        if app.icon:
            digest = hashlib.sha1(app.icon.encode(), usedforsecurity=False).hexdigest()[:12]
            icon_url = f"https://icons.emulator.invalid/{app.code}/{digest}.png"
        # [decided] plain strings; credentials are never echoed.
        return {"application": {
            "code": app.code, "title": app.title, "sdk_ios": app.sdk_ios,
            "sdk_android": app.sdk_android, "icon_url": icon_url, "providers": dict(app.providers),
        }}

    def get_applications(self, call: Call) -> Any:
        page = call.get("page", integer, low=1, default=1)
        apps = call.account.applications
        start = (page - 1) * PAGE_SIZE
        codes = list(apps)[start : start + PAGE_SIZE]
        return {
            "applications": {code: apps[code].title for code in codes},
            "page": page,
            "total": max(1, math.ceil(len(apps) / PAGE_SIZE)),  # [decided] 100 a page, 1-based
        }

    def configure_application(self, call: Call) -> Any:
        app = call.application(not_found=MSG_APP_NOT_FOUND)
        device_type = call.get("device_type")
        if device_type not in DEVICE_TYPE_PROVIDER or isinstance(device_type, bool):
            fail("Invalid device_type: expected 1 (iOS) or 3 (Android)")
        provider = DEVICE_TYPE_PROVIDER[device_type]
        if provider == "ios":
            credentials = _ios_credentials(call)
        else:
            service_account = call.get("android_fcm_service_account", json_object)
            if not service_account:
                fail("Invalid android_fcm_service_account: must not be empty")
            credentials = {"android_fcm_service_account": service_account}
        app.credentials = {**app.credentials, provider: credentials}
        app.providers = {**app.providers, provider: True}
        return {"providers": dict(app.providers)}

    # -- tags (§3) -----------------------------------------------------------------------------
    def add_tag(self, call: Call) -> Any:
        call.unrestricted()
        tag = call.nested("tag")
        name = tag.get("name", string)
        type_code = tag.get("type")
        if not is_whole(type_code) or not 1 <= type_code <= 7:
            fail("Invalid tag.type: expected an integer from 1 to 7")
        flags = {flag: tag.get(flag, boolean, default=False)
                 for flag in ("application_specific", "user_specific")}
        if name in call.account.tags:
            fail("Tag already exists")  # [decided]
        call.account.tags[name] = {"name": name, "type": type_code, **flags, "default": False}
        return {"result": True}

    def delete_tag(self, call: Call) -> Any:
        call.unrestricted()
        name = call.nested("tag").get("name", string)
        existing = call.account.tags.get(name)
        if existing is None:
            fail("Tag not found")  # [decided]
        if existing["default"]:
            fail("Default tag can not be deleted")  # [decided]
        del call.account.tags[name]
        return {"result": True}

    def list_tags(self, call: Call) -> Any:
        # user_specific is stored but not echoed [doc].
        return {"tags": [
            {"name": tag["name"], "type": tag["type"],
             "isApplicationSpecific": tag["application_specific"]}
            for tag in call.account.tags.values()
        ]}

    # -- events (§4) ---------------------------------------------------------------------------
    def create_event(self, call: Call) -> Any:
        app = call.application()
        name = call.get("name", string, max_len=32)
        description = call.get("description", string, max_len=64, empty_ok=True, default=None)
        attributes = _event_attributes(call.get("eventAttributes", json_list, non_empty=False,
                                                default=[]))
        track_revenue = call.get("trackRevenue", boolean, default=False)
        if name in app.events:
            fail("Event already exists")  # [decided]
        event_id = self.store.new_id("event")
        app.events[name] = {
            "id": event_id, "name": name, "description": description,
            "eventAttributes": attributes, "trackRevenue": track_revenue,
        }
        return {"event": event_id}


def _ios_credentials(req: Fields) -> dict[str, Any]:
    credentials = {
        "ios_key_management_type": req.get("ios_key_management_type", choice, ("manual",),
                                           default="manual"),
        "ios_key_file": req.get("ios_key_file", base64_data),
        "ios_key_password": req.get("ios_key_password", string, empty_ok=True),
    }
    gateway = req.get("ios_gateway")
    if gateway not in (0, 1, "0", "1") or isinstance(gateway, bool):
        fail("Invalid ios_gateway: expected 0 (sandbox) or 1 (production)")
    credentials["ios_gateway"] = int(gateway)
    if req.has("ios_framework"):
        credentials["ios_framework"] = req.get("ios_framework", string)
    return credentials


def _event_attributes(raw: list[Any]) -> list[dict[str, Any]]:
    attributes: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(raw):
        attribute = Fields(json_object(item, f"eventAttributes[{index}]"),
                           f"eventAttributes[{index}].")
        name = attribute.get("name", string, max_len=64)
        type_code = attribute.get("type", integer, low=1, high=6)
        if name in attributes:
            fail(f"Invalid eventAttributes[{index}].name: duplicate attribute {name!r}")
        attributes[name] = {"name": name, "type": type_code}
    return list(attributes.values())
