"""Answer shapes: the emulator answering as public sources show Pushwoosh may, rather than as the
wire contract assumes (shared/pushwoosh-api.md §11), so that a client can be tried against each.

Each shape is named; any number can be on at once (``--answer-shapes NAME[,NAME]`` on
``pwconf emulator``, or ``PUT /_emulator/answer-shapes``). With none on, every answer is the
contract's. The stored state never changes shape: only what goes out over the wire does, and a
reshaped answer is always a new object (stored values are never mutated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

GEOZONES_GROUPED = "geozones-grouped"
APPLICATION_WITHOUT_CODE = "application-without-code"
STRINGS_FOR_NUMBERS = "strings-for-numbers"
STRINGS_FOR_BOOLEANS = "strings-for-booleans"
HTTP_210_ERRORS = "http-210-errors"
FILTERS_NEED_APPLICATION = "filters-need-application"
LOWERCASE_OPERATORS = "lowercase-operators"

SHAPES: dict[str, str] = {
    GEOZONES_GROUPED: 'listGeoZones groups geozones under their cluster: {"clusters": [{"name", '
    '"code", "geoZones": [...]}]}, the geozones of no cluster in a group whose name and code are '
    "null [lib]",
    APPLICATION_WITHOUT_CODE: "getApplication as the documented example: no code or title, "
    'ios_sdk/android_sdk hex-encoded ("x7077" for "pw"), credential fields echoed hex-encoded '
    "[doc example]",
    STRINGS_FOR_NUMBERS: "every number pwconf reads sent as a string: ids, lat/lng, range, "
    "cooldown, tag types, platforms, sendRate, page counts [doc: lat/lng strings]",
    STRINGS_FOR_BOOLEANS: 'every boolean pwconf reads sent as "0" or "1": isApplicationSpecific, '
    "providers",
    HTTP_210_ERRORS: "every status-210 error carried in HTTP status 210 as well [lib]",
    FILTERS_NEED_APPLICATION: "listFilters refuses a call without application (210); with it, "
    "lists that application's filters and those bound to none [doc: application required]",
    LOWERCASE_OPERATORS: "listFilters writes segment operators in lower case, "
    'T("Age", gte, 18) [doc example]',
}


def check_shapes(names: Iterable[Any]) -> frozenset[str]:
    """The named shapes; ValueError naming the first unknown one."""
    chosen = []
    for name in names:
        if not isinstance(name, str) or name not in SHAPES:
            raise ValueError(f"unknown answer shape {name!r}; known: {', '.join(SHAPES)}")
        chosen.append(name)
    return frozenset(chosen)


# The call's application: its clusters {code: name} and credentials {provider: {field: value}},
# or None; the core passes them in, this module never reads the store.
AppInfo = tuple[dict[str, str], dict[str, dict[str, Any]]] | None


def reshape(shapes: frozenset[str], method: str, response: Any, app: AppInfo) -> Any:
    """The `response` of a successful `method` as the shapes that are on would send it."""
    if STRINGS_FOR_NUMBERS in shapes:
        response = _numbers_as_strings(method, response)
    if STRINGS_FOR_BOOLEANS in shapes:
        response = _booleans_as_strings(method, response)
    if LOWERCASE_OPERATORS in shapes and method == "listFilters":
        filters = response["filters"]
        response = {"filters": [{**f, "filter_expression": _lower_operators(f)} for f in filters]}
    if GEOZONES_GROUPED in shapes and method == "listGeoZones" and app is not None:
        response = _grouped(response["geoZones"], app[0])
    if APPLICATION_WITHOUT_CODE in shapes and method == "getApplication" and app is not None:
        response = {"application": _documented_application(response["application"], app[1])}
    return response


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _numbers_as_strings(method: str, response: Any) -> Any:
    if method == "getApplications":
        return {**response, "page": _text(response["page"]), "total": _text(response["total"])}
    if method == "listTags":
        return {"tags": [{**tag, "type": _text(tag["type"])} for tag in response["tags"]]}
    if method == "getPreset":
        preset = response["preset"]
        scheduling = {k: _text(v) for k, v in (preset["scheduling"] or {}).items()}
        segmentation = dict(preset["segmentation"])
        segmentation["platforms"] = [_text(p) for p in segmentation.get("platforms") or []]
        return {"preset": {**preset, "scheduling": scheduling, "segmentation": segmentation}}
    if method == "listGeoZoneClusters":
        return {"clusters": [
            {**c, "cooldown": _text(c["cooldown"]), "geozones": _text(c["geozones"])}
            for c in response["clusters"]
        ]}  # fmt: skip
    if method == "listGeoZones":
        numeric = ("id", "lat", "lng", "range", "cooldown")
        return {"geoZones": [
            {**zone, **{key: _text(zone[key]) for key in numeric}} for zone in response["geoZones"]
        ]}  # fmt: skip
    if method == "addGeoZone":
        return {"GeoZones": [_text(i) for i in response["GeoZones"]]}
    return response


def _flag(value: Any) -> Any:
    return ("1" if value else "0") if isinstance(value, bool) else value


def _booleans_as_strings(method: str, response: Any) -> Any:
    if method == "listTags":
        return {"tags": [
            {**tag, "isApplicationSpecific": _flag(tag["isApplicationSpecific"])}
            for tag in response["tags"]
        ]}  # fmt: skip
    if method == "getApplication":
        app = response["application"]
        providers = {k: _flag(v) for k, v in app["providers"].items()}
        return {"application": {**app, "providers": providers}}
    if method == "configureApplication":
        return {"providers": {k: _flag(v) for k, v in response["providers"].items()}}
    return response


_OPERATOR = re.compile(r'("(?:[^"\\]|\\.)*")|\b(EQ|NOTEQ|IN|NOTIN|GTE|LTE|BETWEEN|NOTSET)\b')


def _lower_operators(filter_row: dict[str, Any]) -> str:
    """The expression with its operators (never the text inside quotes) in lower case."""
    return _OPERATOR.sub(
        lambda m: m.group(1) or m.group(2).lower(), filter_row["filter_expression"]
    )


def _grouped(zones: list[dict[str, Any]], cluster_names: dict[str, str]) -> dict[str, Any]:
    groups: dict[str | None, list[dict[str, Any]]] = {code: [] for code in cluster_names}
    for zone in zones:
        rest = {key: value for key, value in zone.items() if key != "cluster"}
        groups.setdefault(zone.get("cluster"), []).append(rest)
    return {"clusters": [
        {"name": cluster_names.get(code) if code else None, "code": code, "geoZones": members}
        for code, members in groups.items()
    ]}  # fmt: skip


def _hex(value: Any) -> str:
    """How the documented example writes a string value: "x" and its bytes in hex."""
    return "" if not value else "x" + str(value).encode().hex()


def _documented_application(
    app: dict[str, Any], credentials: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    ios, android = credentials.get("ios") or {}, credentials.get("android") or {}
    service_account = android.get("android_fcm_service_account") or {}
    return {
        "adm_cid": "",
        "adm_secret": "",
        "android_gcm_api_key": _hex(service_account.get("private_key_id")),
        "android_sdk": _hex(app["sdk_android"]),
        "icon_url": app["icon_url"],
        "ios_key_password": _hex(ios.get("ios_key_password")),
        "ios_sdk": _hex(app["sdk_ios"]),
        "providers": app["providers"],
    }
