"""Answer shapes: the emulator answering as public sources show Pushwoosh may, rather than as the
wire contract assumes (shared/pushwoosh-api.md §11), so that a client can be tried against each.

Each shape is named; any number can be on at once (``--answer-shapes NAME[,NAME]`` on
``pwconf emulator``, or ``PUT /_emulator/answer-shapes``). With none on, every answer is the
contract's. The stored state never changes shape: only what goes out over the wire does, and a
reshaped answer is always a new object (stored values are never mutated).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pwconf.emulator.segments import ALL_OPERATORS
from pwconf.emulator.store import Application

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
    names = list(names)
    for name in names:
        if not isinstance(name, str) or name not in SHAPES:
            raise ValueError(f"unknown answer shape {name!r}; known: {', '.join(SHAPES)}")
    return frozenset(names)


def reshape(shapes: frozenset[str], method: str, response: Any, app: Application | None) -> Any:
    """The `response` of a successful `method` (on `app`, the call's application, if it names
    one) as the shapes that are on would send it."""
    for shape, (change, paths) in _VALUE_CHANGES.items():
        if shape in shapes:
            for path in paths.get(method, ()):
                response = _changed(response, path.split("."), change)
    if GEOZONES_GROUPED in shapes and method == "listGeoZones" and app is not None:
        response = _grouped(response["geoZones"], app.clusters)
    if APPLICATION_WITHOUT_CODE in shapes and method == "getApplication" and app is not None:
        documented = _documented_application(response["application"], app.credentials)
        response = {"application": documented}
    return response


def _changed(value: Any, path: list[str], change: Callable[[Any], Any]) -> Any:
    """A copy of `value` with `change` applied at `path` ("*": every item or value)."""
    if not path:
        return change(value)
    key, rest = path[0], path[1:]
    if key == "*" and isinstance(value, list):
        return [_changed(item, rest, change) for item in value]
    if key == "*" and isinstance(value, dict):
        return {k: _changed(item, rest, change) for k, item in value.items()}
    if not isinstance(value, dict) or key not in value:
        return value
    return {**value, key: _changed(value[key], rest, change)}


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _flag(value: Any) -> Any:
    return ("1" if value else "0") if isinstance(value, bool) else value


_OPERATOR = re.compile(r'("(?:[^"\\]|\\.)*")|\b(' + "|".join(sorted(ALL_OPERATORS)) + r")\b")


def _lower_operators(expression: str) -> str:
    """The expression with its operators (never the text inside quotes) in lower case."""
    return _OPERATOR.sub(lambda m: m.group(1) or m.group(2).lower(), expression)


# The shapes that change single values: how, and where in each method's answer.
_VALUE_CHANGES: dict[str, tuple[Callable[[Any], Any], dict[str, tuple[str, ...]]]] = {
    STRINGS_FOR_NUMBERS: (_text, {
        "getApplications": ("page", "total"),
        "listTags": ("tags.*.type",),
        "getPreset": ("preset.scheduling.*", "preset.segmentation.platforms.*"),
        "listGeoZoneClusters": ("clusters.*.cooldown", "clusters.*.geozones"),
        "listGeoZones": ("geoZones.*.id", "geoZones.*.lat", "geoZones.*.lng",
                         "geoZones.*.range", "geoZones.*.cooldown"),
        "addGeoZone": ("GeoZones.*",),
    }),
    STRINGS_FOR_BOOLEANS: (_flag, {
        "listTags": ("tags.*.isApplicationSpecific",),
        "getApplication": ("application.providers.*",),
        "configureApplication": ("providers.*",),
    }),
    LOWERCASE_OPERATORS: (_lower_operators, {"listFilters": ("filters.*.filter_expression",)}),
}


def _grouped(zones: list[dict[str, Any]], clusters: dict[str, dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str | None, list[dict[str, Any]]] = {code: [] for code in clusters}
    for zone in zones:
        rest = {key: value for key, value in zone.items() if key != "cluster"}
        groups.setdefault(zone.get("cluster"), []).append(rest)
    return {"clusters": [
        {"name": clusters.get(code, {}).get("name"), "code": code, "geoZones": members}
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
