"""Where pwconf finds the Pushwoosh API: the base URL and the server API token.

The token comes from the environment (PUSHWOOSH_API_TOKEN) or from a file (--token-file),
never from a command-line value, and it is masked in every repr.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pwconf.errors import UsageError

DEFAULT_API_URL = "https://api.pushwoosh.com/json/1.3"
URL_ENV = "PUSHWOOSH_API_URL"
TOKEN_ENV = "PUSHWOOSH_API_TOKEN"
MASK = "***"


@dataclass(frozen=True)
class ApiSettings:
    """A validated base URL (no trailing slash) and the token to send as `request.auth`."""

    base_url: str
    token: str

    def __repr__(self) -> str:
        return f"ApiSettings(base_url={self.base_url!r}, token={MASK!r})"

    __str__ = __repr__


def resolve_settings(
    api_url: str | None,
    token_file: str | None,
    env: Mapping[str, str] = os.environ,
) -> ApiSettings:
    """Resolve the base URL and the token, or raise UsageError saying what to fix."""
    base_url = validate_base_url(api_url or env.get(URL_ENV) or DEFAULT_API_URL)
    return ApiSettings(base_url=base_url, token=resolve_token(token_file, env))


def validate_base_url(url: str) -> str:
    """Return the URL without its trailing slash; refuse plain http except on loopback."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise UsageError(
            f"the API URL must be an https:// URL with a host, got scheme {parts.scheme!r}",
            hint=f"set --api-url or {URL_ENV}, e.g. {DEFAULT_API_URL}",
        )
    if parts.username or parts.password:
        raise UsageError(
            "the API URL must not contain credentials",
            hint=f"pass the token in {TOKEN_ENV} or a --token-file",
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"refusing plain http to {host}: the Pushwoosh API requires https",
            hint="plain http is only allowed for a loopback host (the emulator)",
        )
    return url.strip().rstrip("/")


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(token_file: str | None, env: Mapping[str, str]) -> str:
    """PUSHWOOSH_API_TOKEN if set and not blank, else the stripped content of the token file."""
    token = (env.get(TOKEN_ENV) or "").strip()
    if token:
        return token
    if token_file:
        return read_token_file(token_file)
    raise UsageError(
        "no Pushwoosh API token given",
        hint=f"set {TOKEN_ENV} or pass --token-file PATH (a token is never accepted as an option)",
    )


def read_token_file(path: str) -> str:
    """The file's content, stripped; a missing, unreadable or empty file is a UsageError."""
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UsageError(
            f"cannot read the token file {path}: {reason}",
            hint=f"check the path, or set {TOKEN_ENV}",
        ) from None
    if not token:
        raise UsageError(
            f"the token file {path} is empty",
            hint=f"put the server API token in it, or set {TOKEN_ENV}",
        )
    return token
