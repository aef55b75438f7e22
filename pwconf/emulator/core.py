"""The pure core of the emulator: one Pushwoosh API call in, one answer out, no I/O.

``Emulator(store).handle(method, request) -> (http_status, body, extra_headers)`` implements every
method of the wire contract (``shared/pushwoosh-api.md`` §1-§8). Bodies are always
``{"status_code", "status_message", "response"}``. The clock and the calendar are injected so the
createMessage rate window and filter expiry can be tested without waiting.

Checks run in this order, so the first problem found is the one reported:

1. unknown method (HTTP 404), request not an object (HTTP 400);
2. ``auth`` absent (HTTP 401), empty (210), unknown token (210), token of a deleted account (210);
3. createMessage only: the 600-a-minute window (HTTP 429 with ``Retry-After``);
4. suspended account (210, for writes and for filter methods);
5. the method: its application (missing 210, other app on a restricted token HTTP 403, unknown
   210, suspended 210), then its own fields (210 naming the field).

Restricted tokens [decided]: they read account-wide lists (getApplications, listTags, listFilters
without ``application``) but may not create or delete applications, tags or filters, nor touch an
application outside their list: all of that is HTTP 403 ``Token restrictions forbid this
operation.``

Triggers of the §1 messages (all HTTP 200, body ``status_code`` 210) [decided where the contract
names only the message]:

| message                                          | situation                                     |
|--------------------------------------------------|-----------------------------------------------|
| API token or application or account is not set   | ``auth`` present but empty, blank or not a    |
|                                                  | string (absent ``auth`` is HTTP 401)          |
| Invalid API Token: Account not found             | ``auth`` is no known token                    |
| Account not found                                | the token's account was deleted               |
|                                                  | (``store.delete_account``)                    |
| Account has been suspended                       | a write (create*, update*, delete*, add*,     |
|                                                  | configureApplication, createMessage) by a     |
|                                                  | suspended account                             |
| Suspended account can not use device filtration  | createFilter or listFilters by a suspended    |
|                                                  | account                                       |
| API token or application is not set              | a method that needs ``application``           |
|                                                  | (``applicationCode`` for createPreset) called |
|                                                  | without it                                    |
| No application or group code given               | createMessage with neither ``application``    |
|                                                  | nor ``applications_group``                    |
| Application not found                            | get/update/delete/configureApplication naming |
|                                                  | a code that is not one of the account's       |
| Access denied or application not found           | any other method naming an application that   |
|                                                  | is not one of the account's (createEvent,     |
|                                                  | createFilter, listFilters, listPresets,       |
|                                                  | addGeoZone, createMessage...)                 |
| Application suspended                            | any method on a suspended application except  |
|                                                  | getApplication(s), deleteApplication and the  |
|                                                  | filter methods                                |
| Please select at least one platform              | createPreset whose ``segmentation.platforms`` |
|                                                  | is missing or empty                           |

Other 210 messages: ``Missing required field: <path>``, ``Invalid <path>: <why>``,
``Tag already exists``, ``Tag not found``, ``Default tag can not be deleted``,
``Event already exists``, ``Filter already exists``, ``Filter not found``,
``Invalid filter_expression at position N: <problem>``, ``Preset already exists``,
``Preset not found``, ``Cluster already exists``, ``Cluster not found``,
``Geozone already exists``, ``Geozone not found``.

With answer shapes on (``answer_shapes``), a successful answer goes out reshaped as that module
describes, listFilters may refuse a call without ``application``, and a 210 error may carry HTTP
status 210 too; with none on, every answer is the contract's.

Successful answers of an over-plan account say ``Warnings: You have exceeded the number of active
devices allowed on your current subscription plan.``; its createMessage says the subscriber-limit
warning instead.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from pwconf.emulator import answer_shapes, segments
from pwconf.emulator.store import GEOZONE_FIELDS, Account, Application, Store, Token

Body = dict[str, Any]
Result = tuple[int, Body, dict[str, str]]

OK = "OK"
OVER_PLAN_WARNING = (
    "Warnings: You have exceeded the number of active devices allowed on your current "
    "subscription plan."
)
SUBSCRIBER_LIMIT_WARNING = (
    "Warnings: You have reached the subscriber limit. Push Message will be sent to 1 random "
    "device only"
)
TOKEN_RESTRICTED = "Token restrictions forbid this operation."
MSG_NO_AUTH_VALUE = "API token or application or account is not set"
MSG_INVALID_TOKEN = "Invalid API Token: Account not found"
MSG_ACCOUNT_NOT_FOUND = "Account not found"
MSG_ACCOUNT_SUSPENDED = "Account has been suspended"
MSG_NO_FILTRATION = "Suspended account can not use device filtration"
MSG_NO_APPLICATION = "API token or application is not set"
MSG_NO_APP_OR_GROUP = "No application or group code given"
MSG_APP_NOT_FOUND = "Application not found"
MSG_ACCESS_DENIED = "Access denied or application not found"
MSG_APP_SUSPENDED = "Application suspended"
MSG_NO_PLATFORM = "Please select at least one platform"

MESSAGES_PER_MINUTE = 600  # createMessage limit [doc]
PAGE_SIZE = 100  # getApplications [decided]
SDK_IOS = ("pw", "corona")
SDK_ANDROID = ("pw", "corona", "phonegap")
PLATFORM_IDS = frozenset({1, 3, 7, 8, 9, 10, 11, 12})
ACTION_TYPES = ("url", "deepLink", "richMedia", "openApp")
DEVICE_TYPE_PROVIDER = {1: "ios", 3: "android"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEND_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


class ApiError(Exception):
    """An answer other than success: a 210 by default, or an HTTP-level error."""

    def __init__(
        self, message: str, *, status_code: int = 210, http_status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.http_status = http_status
        self.headers = headers or {}

    def result(self) -> Result:
        return self.http_status, _body(self.status_code, self.message, None), self.headers


def to_json(body: Any) -> str:
    """The answer as compact JSON text."""
    return json.dumps(body, separators=(",", ":"))


def _listed_geozone(geozone: dict[str, Any]) -> dict[str, Any]:
    return {key: geozone[key] for key in ("id", *GEOZONE_FIELDS)}


def http_error(http_status: int, message: str, headers: dict[str, str] | None = None) -> Result:
    """An HTTP-level error answer; its body carries the HTTP status as ``status_code``."""
    return ApiError(
        message, status_code=http_status, http_status=http_status, headers=headers
    ).result()


def _body(status_code: int, message: str, response: Any) -> Body:
    return {"status_code": status_code, "status_message": message, "response": response}


def _fail(message: str) -> NoReturn:
    raise ApiError(message)


def _forbidden() -> NoReturn:
    raise ApiError(TOKEN_RESTRICTED, status_code=403, http_status=403)


# -- field validation ----------------------------------------------------------------------------
def _present(obj: dict[str, Any], key: str) -> bool:
    return obj.get(key) is not None


def _required(obj: dict[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is None:
        _fail(f"Missing required field: {path}")
    return value


def _string(value: Any, path: str, *, max_len: int | None = None, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        _fail(f"Invalid {path}: expected a string")
    if not empty_ok and not value.strip():
        _fail(f"Invalid {path}: must not be empty")
    if max_len is not None and len(value) > max_len:
        _fail(f"Invalid {path}: longer than {max_len} characters")
    return value


def _int(value: Any, path: str, *, low: int | None = None, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(f"Invalid {path}: expected an integer")
    _check_range(value, path, low, high)
    return value


def _number(value: Any, path: str, *, low: float | None = None, high: float | None = None) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        _fail(f"Invalid {path}: expected a number")
    _check_range(value, path, low, high)
    return value


def _check_range(value: float, path: str, low: float | None, high: float | None) -> None:
    if high is not None and low is not None:
        if not low <= value <= high:
            _fail(f"Invalid {path}: must be between {low} and {high}")
    elif low is not None and value < low:
        _fail(f"Invalid {path}: must be at least {low}")


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(f"Invalid {path}: expected true or false")
    return value


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(f"Invalid {path}: expected an object")
    return value


def _list(value: Any, path: str, *, non_empty: bool = True) -> list[Any]:
    if not isinstance(value, list):
        _fail(f"Invalid {path}: expected a list")
    if non_empty and not value:
        _fail(f"Invalid {path}: must not be empty")
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        _fail(f"Invalid {path}: expected one of {', '.join(choices)}")
    return value


def _localized_text(value: Any, path: str) -> str | dict[str, str]:
    """A string, or {language: text} (contract: message, content)."""
    if isinstance(value, dict):
        if not value:
            _fail(f"Invalid {path}: must not be empty")
        for language, text in value.items():
            _string(text, f"{path}.{language}")
        return value
    return _string(value, path)


def _base64(value: Any, path: str) -> str:
    _string(value, path)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        _fail(f"Invalid {path}: not base64")
    return value


def _date(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        _fail(f"Invalid {path}: expected YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"Invalid {path}: not a calendar date")
    return value


# -- method table ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Call:
    """One authenticated call: its request, account and token."""

    request: dict[str, Any]
    account: Account
    token: Token


@dataclass(frozen=True)
class _Method:
    handler: Callable[[Emulator, _Call], Any]
    writes: bool = False
    filtration: bool = False  # refused to suspended accounts with its own message


class Emulator:
    """Answers API calls over a :class:`Store`. Thread-safe: each call holds ``store.lock``."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = dt.date.today,
        expire_filters: bool = True,
        shapes: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.clock = clock
        self.today = today
        self.expire_filters = expire_filters
        self.shapes = answer_shapes.check_shapes(shapes)  # see answer_shapes
        self._message_times: dict[str, deque[float]] = {}

    def reset_rate_limits(self) -> None:
        with self.store.lock:
            self._message_times.clear()

    def handle(self, method: str, request: Any) -> Result:
        """Answer one call: ``(http_status, body, extra_headers)``."""
        spec = METHODS.get(method)
        if spec is None:
            return http_error(404, f"Unknown method: {method}")
        if not isinstance(request, dict):
            return http_error(400, "Malformed request: 'request' must be a JSON object")
        try:
            with self.store.lock:
                call = self._authenticate(request)
                if method == "createMessage":
                    self._count_message_call(call.account)
                self._check_account_state(call.account, spec)
                response = spec.handler(self, call)
                shapes = self.shapes
                if shapes:
                    response = answer_shapes.reshape(
                        shapes, method, call.request, response, self._shape_lookup(call)
                    )
        except ApiError as error:
            status, body, headers = error.result()
            if answer_shapes.HTTP_210_ERRORS in self.shapes and error.status_code == 210:
                status = 210
            return status, body, headers
        message = OK
        if call.account.over_plan:
            message = SUBSCRIBER_LIMIT_WARNING if method == "createMessage" else OVER_PLAN_WARNING
        return 200, _body(200, message, response), {}

    def _shape_lookup(self, call: _Call) -> answer_shapes.Lookup:
        """An application's cluster names and credentials, for the answer shapes."""

        def lookup(code: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]] | None:
            app = self.store.applications.get(code)
            if app is None or app.account_id != call.account.id:
                return None
            return {c: cluster["name"] for c, cluster in app.clusters.items()}, app.credentials

        return lookup

    # -- common checks -------------------------------------------------------------------------
    def _authenticate(self, request: dict[str, Any]) -> _Call:
        if "auth" not in request:
            raise ApiError(
                "Authentication failed: request.auth (the server API token) is missing",
                status_code=401, http_status=401,
            )
        auth = request["auth"]
        if not isinstance(auth, str) or not auth.strip():
            _fail(MSG_NO_AUTH_VALUE)
        token = self.store.tokens.get(auth)
        if token is None:
            _fail(MSG_INVALID_TOKEN)
        account = self.store.accounts.get(token.account_id)
        if account is None:
            _fail(MSG_ACCOUNT_NOT_FOUND)
        return _Call(request, account, token)

    @staticmethod
    def _check_account_state(account: Account, spec: _Method) -> None:
        if not account.suspended:
            return
        if spec.filtration:
            _fail(MSG_NO_FILTRATION)
        if spec.writes:
            _fail(MSG_ACCOUNT_SUSPENDED)

    def _count_message_call(self, account: Account) -> None:
        """Sliding one-minute window of createMessage calls per account [doc: 600 a minute]."""
        now = self.clock()
        times = self._message_times.setdefault(account.id, deque())
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= MESSAGES_PER_MINUTE:
            retry_after = max(1, math.ceil(times[0] + 60 - now))
            # [decided] past the limit: HTTP 429 with Retry-After in whole seconds.
            raise ApiError(
                f"Too many requests: createMessage is limited to {MESSAGES_PER_MINUTE} a minute",
                status_code=429, http_status=429, headers={"Retry-After": str(retry_after)},
            )
        times.append(now)

    def _application(
        self, call: _Call, field: str = "application", *,
        not_found: str = MSG_ACCESS_DENIED, suspended_ok: bool = False,
        missing: str = MSG_NO_APPLICATION,
    ) -> Application:
        code = call.request.get(field)
        if code is None or code == "":
            _fail(missing)
        if not isinstance(code, str):
            _fail(f"Invalid {field}: expected an application code")
        return self._application_by_code(call, code, not_found=not_found, suspended_ok=suspended_ok)

    def _application_by_code(
        self, call: _Call, code: str, *, not_found: str = MSG_ACCESS_DENIED,
        suspended_ok: bool = False,
    ) -> Application:
        if not call.token.allows(code):
            _forbidden()
        app = self.store.applications.get(code)
        if app is None or app.account_id != call.account.id:
            _fail(not_found)
        if app.suspended and not suspended_ok:
            _fail(MSG_APP_SUSPENDED)
        return app

    @staticmethod
    def _unrestricted(call: _Call) -> None:
        if call.token.applications is not None:
            _forbidden()

    def _changed(self) -> None:
        self.store.mark_changed()

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
            campaign = _string(req["campaignCode"], "campaignCode")
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
            _string(geozone["campaign"], f"{prefix}campaign")
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

    # -- messages (§1) -------------------------------------------------------------------------
    def create_message(self, call: _Call) -> Any:
        req = call.request
        if _present(req, "application"):
            self._application(call)
        elif _present(req, "applications_group"):
            # Groups are not modelled: a restricted token can not be checked against one.
            _string(req["applications_group"], "applications_group")
            self._unrestricted(call)
        else:
            _fail(MSG_NO_APP_OR_GROUP)
        notifications = _list(_required(req, "notifications", "notifications"), "notifications")
        for index, notification in enumerate(notifications):
            self._check_notification(_object(notification, f"notifications[{index}]"),
                                     f"notifications[{index}]")
        return {"Messages": [self.store.new_message_code() for _ in notifications]}

    @staticmethod
    def _check_notification(notification: dict[str, Any], path: str) -> None:
        send_date = _required(notification, "send_date", f"{path}.send_date")
        if send_date != "now":
            if not isinstance(send_date, str) or not _SEND_DATE.match(send_date):
                _fail(f"Invalid {path}.send_date: expected now or YYYY-MM-DD HH:mm")
            try:
                dt.datetime.strptime(send_date, "%Y-%m-%d %H:%M")
            except ValueError:
                _fail(f"Invalid {path}.send_date: not a calendar date and time")
        _localized_text(_required(notification, "content", f"{path}.content"), f"{path}.content")
        if _present(notification, "platforms"):
            for index, platform in enumerate(_list(notification["platforms"], f"{path}.platforms")):
                if isinstance(platform, bool) or platform not in PLATFORM_IDS:
                    _fail(f"Invalid {path}.platforms[{index}]: unknown platform id {platform!r}")


METHODS: dict[str, _Method] = {
    "createApplication": _Method(Emulator.create_application, writes=True),
    "updateApplication": _Method(Emulator.update_application, writes=True),
    "deleteApplication": _Method(Emulator.delete_application, writes=True),
    "getApplication": _Method(Emulator.get_application),
    "getApplications": _Method(Emulator.get_applications),
    "configureApplication": _Method(Emulator.configure_application, writes=True),
    "addTag": _Method(Emulator.add_tag, writes=True),
    "deleteTag": _Method(Emulator.delete_tag, writes=True),
    "listTags": _Method(Emulator.list_tags),
    "createEvent": _Method(Emulator.create_event, writes=True),
    "createFilter": _Method(Emulator.create_filter, writes=True, filtration=True),
    "listFilters": _Method(Emulator.list_filters, filtration=True),
    "deleteFilter": _Method(Emulator.delete_filter, writes=True),
    "createPreset": _Method(Emulator.create_preset, writes=True),
    "listPresets": _Method(Emulator.list_presets),
    "getPreset": _Method(Emulator.get_preset),
    "deletePreset": _Method(Emulator.delete_preset, writes=True),
    "addGeoZoneCluster": _Method(Emulator.add_geozone_cluster, writes=True),
    "listGeoZoneClusters": _Method(Emulator.list_geozone_clusters),
    "deleteGeoZoneCluster": _Method(Emulator.delete_geozone_cluster, writes=True),
    "addGeoZone": _Method(Emulator.add_geozone, writes=True),
    "updateGeoZone": _Method(Emulator.update_geozone, writes=True),
    "deleteGeoZone": _Method(Emulator.delete_geozone, writes=True),
    "listGeoZones": _Method(Emulator.list_geozones),
    "createMessage": _Method(Emulator.create_message, writes=True),
}
