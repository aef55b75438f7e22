"""Where pwconf finds the Pushwoosh API: the base URL, the proxy and trust store, and the token
(from PUSHWOOSH_API_TOKEN or --token-file, never a command-line value; masked in every repr)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import requests.utils

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


def resolve_settings(
    api_url: str | None, token_file: str | None, env: Mapping[str, str] = os.environ
) -> ApiSettings:
    """Resolve the base URL and the token, or raise UsageError saying what to fix."""
    base_url = validate_base_url(api_url or env.get(URL_ENV) or DEFAULT_API_URL)
    return ApiSettings(base_url, resolve_token(token_file, env))


def validate_base_url(url: str) -> str:
    """Return the URL without its trailing slash; refuse plain http except on loopback."""
    parts = _http_url(
        url.strip(), "the API URL", "an https://", f"--api-url or {URL_ENV}",
        hint=f"set --api-url or {URL_ENV}, e.g. {DEFAULT_API_URL}",
    )  # fmt: skip
    if parts.username or parts.password:
        raise UsageError(
            "the API URL must not contain credentials",
            hint=f"pass the token in {TOKEN_ENV} or a --token-file",
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise UsageError(
            f"refusing plain http to {parts.hostname}: the Pushwoosh API requires https",
            hint="plain http is only allowed for a loopback host (the emulator)",
        )
    return url.strip().rstrip("/")


def _http_url(url: str, what: str, must_be: str, where: str, hint: str) -> SplitResult:
    """The parts of an http(s) URL with a host and a valid port, or a UsageError."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it
    except ValueError as exc:
        raise UsageError(f"{what} is not a valid URL: {exc}", hint=f"check {where}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(
            f"{what} must be {must_be} URL with a host, got scheme {parts.scheme!r}", hint=hint
        )
    return parts


@dataclass(frozen=True)
class Network:
    """How to reach the API: the proxy for its URL (none for loopback) and what TLS trusts
    (`True`: requests' own bundle, or the path of a bundle file or a certificate folder)."""

    proxies: dict[str, str] = field(default_factory=dict)
    verify: bool | str = True

    def __repr__(self) -> str:  # a proxy URL may carry credentials
        return f"Network(proxy={bool(self.proxies)}, verify={self.verify!r})"


# Trust-store settings in the order they are honoured: requests' own, then OpenSSL's.
CA_SETTINGS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def resolve_network(base_url: str, env: Mapping[str, str] = os.environ) -> Network:
    """The proxy and trust store for `base_url` from the environment; a UsageError names a
    setting that cannot be used: a mistyped private CA must never quietly become public trust."""
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        return Network()  # plain http is only allowed to loopback, where no proxy applies
    return Network(proxies=_proxies(base_url, parts.hostname or "", env), verify=_verify(env))


def _proxies(url: str, host: str, env: Mapping[str, str]) -> dict[str, str]:
    lowered = {name.lower(): value for name, value in env.items() if value}
    proxy = lowered.get("https_proxy") or lowered.get("all_proxy")
    no_proxy = lowered.get("no_proxy", "")
    if is_loopback(host) or not proxy or requests.utils.should_bypass_proxies(url, no_proxy):
        return {}
    parts = _http_url(
        proxy if "://" in proxy else f"http://{proxy}", "HTTPS_PROXY", "an http:// or https://",
        "HTTPS_PROXY",
        hint="e.g. HTTPS_PROXY=http://proxy.example:3128 (TLS to Pushwoosh stays end to end)",
    )  # fmt: skip
    return {"https": parts.geturl()}


def _verify(env: Mapping[str, str]) -> bool | str:
    """The first trust-store setting that is set; every one that is set must exist."""
    given = [(name, env[name]) for name in CA_SETTINGS if env.get(name)]
    for name, path in reversed(given):
        folder = name == "SSL_CERT_DIR"
        if not (Path(path).is_dir() if folder else Path(path).is_file()):
            raise UsageError(
                f"{name} names {path}, which is not a {'folder' if folder else 'file'}",
                hint=f"fix or unset {name}; pwconf never falls back to another trust store",
            )
    return given[0][1] if given else True


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(token_file: str | None, env: Mapping[str, str]) -> str:
    """PUSHWOOSH_API_TOKEN if set and not blank, else the stripped content of the token file;
    a missing, unreadable or empty file is a UsageError."""
    if token := (env.get(TOKEN_ENV) or "").strip():
        return token
    if not token_file:
        raise UsageError(
            "no Pushwoosh API token given",
            hint=f"set {TOKEN_ENV} or pass --token-file PATH "
            "(a token is never accepted as an option)",
        )
    try:
        token = Path(token_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UsageError(
            f"cannot read the token file {token_file}: {reason}",
            hint=f"check the path, or set {TOKEN_ENV}",
        ) from None
    if not token:
        raise UsageError(
            f"the token file {token_file} is empty",
            hint=f"put the server API token in it, or set {TOKEN_ENV}",
        )
    return token
