"""What every emulator method shares: the §1 messages, the error answer, the field checks, the
call with the checks of its application, and `Handlers`, what the domain modules use of the
emulator."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any, NoReturn

from pwconf.emulator.store import Account, Application, Store, Token

Result = tuple[int, Any, dict[str, str]]  # HTTP status, body, extra headers

MSG_NO_APPLICATION = "API token or application is not set"
MSG_APP_NOT_FOUND = "Application not found"
MSG_ACCESS_DENIED = "Access denied or application not found"

PLATFORM_IDS = frozenset({1, 3, 7, 8, 9, 10, 11, 12})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ApiError(Exception):
    """An answer other than success: a 210 by default, or an HTTP-level error (its body's
    ``status_code`` is the HTTP status then)."""

    def __init__(
        self, message: str, http_status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = 210 if http_status == 200 else http_status
        self.headers = headers or {}

    def result(self) -> Result:
        return self.http_status, body(self.status_code, str(self), None), self.headers


def http_error(http_status: int, message: str, headers: dict[str, str] | None = None) -> Result:
    return ApiError(message, http_status, headers).result()


def body(status_code: int, message: str, response: Any) -> dict[str, Any]:
    return {"status_code": status_code, "status_message": message, "response": response}


def fail(message: str) -> NoReturn:
    raise ApiError(message)


def forbidden() -> NoReturn:
    raise ApiError("Token restrictions forbid this operation.", 403)


# -- field checks: each takes a value and its path in the request, and answers 210 if it is wrong
def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def string(value: Any, path: str, *, max_len: int | None = None, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        fail(f"Invalid {path}: expected a string")
    if not empty_ok and not value.strip():
        fail(f"Invalid {path}: must not be empty")
    if max_len is not None and len(value) > max_len:
        fail(f"Invalid {path}: longer than {max_len} characters")
    return value


def integer(value: Any, path: str, *, low: int | None = None, high: int | None = None) -> int:
    if not is_whole(value):
        fail(f"Invalid {path}: expected an integer")
    _check_range(value, path, low, high)
    return value


def number(value: Any, path: str, *, low: float, high: float) -> float:
    if not is_number(value) or not math.isfinite(value):
        fail(f"Invalid {path}: expected a number")
    _check_range(value, path, low, high)
    return value


def _check_range(value: float, path: str, low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low <= value <= high:
        fail(f"Invalid {path}: must be between {low} and {high}")
    if low is not None and value < low:
        fail(f"Invalid {path}: must be at least {low}")


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        fail(f"Invalid {path}: expected true or false")
    return value


def json_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(f"Invalid {path}: expected an object")
    return value


def json_list(value: Any, path: str, *, non_empty: bool = True) -> list[Any]:
    if not isinstance(value, list):
        fail(f"Invalid {path}: expected a list")
    if non_empty and not value:
        fail(f"Invalid {path}: must not be empty")
    return value


def choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        fail(f"Invalid {path}: expected one of {', '.join(choices)}")
    return value


def localized(value: Any, path: str) -> str | dict[str, str]:
    """A string, or {language: text} (contract: message, content)."""
    if isinstance(value, dict):
        if not value:
            fail(f"Invalid {path}: must not be empty")
        for language, text in value.items():
            string(text, f"{path}.{language}")
        return value
    return string(value, path)


def base64_data(value: Any, path: str) -> str:
    string(value, path)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        fail(f"Invalid {path}: not base64")
    return value


def iso_date(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        fail(f"Invalid {path}: expected YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        fail(f"Invalid {path}: not a calendar date")
    return value


def platform_ids(value: Any, path: str) -> list[int]:
    for index, platform in enumerate(json_list(value, path)):
        if isinstance(platform, bool) or platform not in PLATFORM_IDS:
            fail(f"Invalid {path}[{index}]: unknown platform id {platform!r}")
    return value


_REQUIRED: Any = object()


class Fields:
    """An object of the request whose fields are checked as they are read."""

    def __init__(self, obj: dict[str, Any], prefix: str = "") -> None:
        self.obj = obj
        self.prefix = prefix  # the object's path in the request, for messages

    def has(self, key: str) -> bool:
        return self.obj.get(key) is not None

    def get(
        self, key: str, check: Callable[..., Any] | None = None, *args: Any,
        default: Any = _REQUIRED, **options: Any,
    ) -> Any:
        """The value of ``key`` passed through ``check``; ``default`` if absent, else a 210."""
        value = self.obj.get(key)
        if value is None:
            if default is _REQUIRED:
                fail(f"Missing required field: {self.prefix}{key}")
            return default
        return value if check is None else check(value, self.prefix + key, *args, **options)

    def nested(self, key: str) -> Fields:
        return Fields(self.get(key, json_object), f"{self.prefix}{key}.")


class Call(Fields):
    """One authenticated call: its request, account and token, and the checks of the application
    it names."""

    def __init__(self, request: dict[str, Any], account: Account, token: Token) -> None:
        super().__init__(request)
        self.account = account
        self.token = token

    @property
    def request(self) -> dict[str, Any]:
        return self.obj

    def application(
        self, field: str = "application", *, not_found: str = MSG_ACCESS_DENIED,
        suspended_ok: bool = False,
    ) -> Application:
        code = self.request.get(field)
        if code is None or code == "":
            fail(MSG_NO_APPLICATION)
        if not isinstance(code, str):
            fail(f"Invalid {field}: expected an application code")
        return self._allowed(code, not_found, suspended_ok)

    def owner(self, kind: str, code: str, not_found: str) -> Application:
        """The application of the account whose ``kind`` (presets, campaigns) holds ``code``."""
        for app in self.account.applications.values():
            if code in getattr(app, kind):
                return self._allowed(app.code, MSG_ACCESS_DENIED, suspended_ok=False)
        fail(not_found)

    def _allowed(self, code: str, not_found: str, suspended_ok: bool) -> Application:
        if not self.token.allows(code):
            forbidden()
        app = self.account.applications.get(code)
        if app is None:
            fail(not_found)
        if app.suspended and not suspended_ok:
            fail("Application suspended")
        return app

    def unrestricted(self) -> None:
        if self.token.applications is not None:
            forbidden()


class Handlers:
    """What the methods of the domain modules use of the :class:`Emulator`."""

    store: Store
    shapes: frozenset[str]
    today: Callable[[], dt.date]
