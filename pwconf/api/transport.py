"""HTTP for the API client: pooled keep-alive connections over the standard library's http.client.

requests cost about 0.9 ms of CPU per call here (session merging, hooks, cookie handling), four
times what a bare http.client round trip costs; at 10,000 calls and 32 workers that overhead, not
the API's latency, bounded a plan (bench/README.md). Every Pushwoosh call is the same POST of a
small JSON body to one host, so the little that requests added is done here:

- one keep-alive connection per concurrent call, reused; one that the server closed while idle
  is replaced before sending, so no request is lost to a stale socket;
- a (connect, read) timeout;
- HTTPS with the system's trust store (`SSL_CERT_FILE` / `SSL_CERT_DIR` are honoured), or
  certifi's where the system has none;
- `HTTPS_PROXY` / `NO_PROXY` from the environment (never for a loopback host), through a
  CONNECT tunnel, with basic proxy credentials taken from the proxy URL;
- gzip-encoded answers.

Failures without an HTTP answer raise TransportFailure, which says whether the request may have
reached the server: the retry policy (client.py) depends on it.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.client
import os
import select
import ssl
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pwconf.api.settings import is_loopback
from pwconf.errors import UsageError


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer, read in full."""

    status: int
    reason: str
    body: bytes
    retry_after: str | None


class TransportFailure(Exception):
    """No HTTP answer. `sent`: the request may have reached the server; `final`: retrying
    cannot help (a certificate the system does not trust)."""

    def __init__(self, description: str, *, sent: bool, final: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.sent = sent
        self.final = final


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    headers: dict[str, str]  # Proxy-Authorization, when the proxy URL carries credentials

    def __repr__(self) -> str:  # credentials never printed
        return f"Proxy(host={self.host!r}, port={self.port})"


class _OneWriteMixin:
    """Headers and a bytes body leave in one write: http.client sends them in two, which costs a
    system call and an extra wake-up of the server on every call. Relies on http.client's
    `_buffer` of header lines (stable since Python 3.1); anything else takes the stock path."""

    _buffer: list[bytes]

    def _send_output(self, message_body: object = None, encode_chunked: bool = False) -> None:
        if isinstance(message_body, bytes) and isinstance(getattr(self, "_buffer", None), list):
            self._buffer.extend((b"", message_body))
            request = b"\r\n".join(self._buffer)
            del self._buffer[:]
            self.send(request)  # type: ignore[attr-defined]
            return
        super()._send_output(message_body, encode_chunked)  # type: ignore[misc]


class _HTTPConnection(_OneWriteMixin, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_OneWriteMixin, http.client.HTTPSConnection):
    pass


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send: shared by the threaded Transport and AsyncConnection."""

    host: str
    port: int
    https: bool
    path: str  # the base path, e.g. /json/1.3
    headers: dict[str, str]
    connect_timeout: float
    read_timeout: float
    proxy: Proxy | None
    context: ssl.SSLContext | None

    @classmethod
    def from_url(
        cls,
        base_url: str,
        *,
        headers: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> Endpoint:
        parts = urlsplit(base_url)
        https = parts.scheme == "https"
        host = parts.hostname or ""
        return cls(
            host=host,
            port=parts.port or (443 if https else 80),
            https=https,
            path=parts.path.rstrip("/"),
            headers={"Content-Type": "application/json", "Accept-Encoding": "gzip", **headers},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            proxy=proxy_for(host, https, os.environ if env is None else env),
            context=tls_context() if https else None,
        )


class Transport:
    """POSTs to `{base_url}/{method}`; thread-safe, at most `pool_size` idle connections kept."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
        pool_size: int,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.endpoint = Endpoint.from_url(
            base_url,
            headers=headers,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            env=env,
        )
        self._pool_size = max(1, pool_size)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post(self, method: str, body: bytes) -> Reply:
        connection = self._take()
        try:
            self._connect(connection)
            reply = self._exchange(connection, f"{self.endpoint.path}/{method}", body)
        except BaseException:
            connection.close()
            raise
        self._give_back(connection)
        return reply

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def idle_connections(self) -> int:
        with self._lock:
            return len(self._idle)

    # ---- connections --------------------------------------------------------------------

    def _take(self) -> http.client.HTTPConnection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._new_connection()

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if connection.sock is not None and len(self._idle) < self._pool_size:
                self._idle.append(connection)
                return
        connection.close()

    def _new_connection(self) -> http.client.HTTPConnection:
        end = self.endpoint
        host, port = (end.proxy.host, end.proxy.port) if end.proxy else (end.host, end.port)
        connection: http.client.HTTPConnection
        if end.https:
            connection = _HTTPSConnection(
                host, port, timeout=end.connect_timeout, context=end.context
            )
        else:
            connection = _HTTPConnection(host, port, timeout=end.connect_timeout)
        if end.proxy:
            connection.set_tunnel(end.host, end.port, headers=end.proxy.headers)
        return connection

    def _connect(self, connection: http.client.HTTPConnection) -> None:
        if connection.sock is not None and not _closed_by_server(connection.sock):
            return
        connection.close()
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as exc:
            raise certificate_failure(exc) from None
        except TimeoutError:
            raise TransportFailure("connect timed out", sent=False) from None
        except OSError as exc:
            raise TransportFailure(f"could not connect: {describe(exc)}", sent=False) from None
        connection.sock.settimeout(self.endpoint.read_timeout)

    def _exchange(self, connection: http.client.HTTPConnection, path: str, body: bytes) -> Reply:
        try:
            connection.request("POST", path, body=body, headers=self.endpoint.headers)
            response = connection.getresponse()
            data = response.read()
        except TimeoutError:
            raise TransportFailure("read timed out", sent=True) from None
        except http.client.IncompleteRead:
            raise TransportFailure("response cut short", sent=True) from None
        except (OSError, http.client.HTTPException) as exc:
            raise TransportFailure(f"connection dropped: {describe(exc)}", sent=True) from None
        if response.getheader("Content-Encoding", "").lower() == "gzip":
            data = gunzip(data)
        return Reply(response.status, response.reason, data, response.getheader("Retry-After"))


def tls_context() -> ssl.SSLContext:
    """The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured); where it holds no
    certificate (slim container images), certifi's bundle if installed, as requests used."""
    context = ssl.create_default_context()
    if not context.cert_store_stats()["x509_ca"]:
        with contextlib.suppress(ImportError):
            import certifi

            context.load_verify_locations(certifi.where())
    return context


def _closed_by_server(sock: object) -> bool:
    """An idle keep-alive socket that is readable has been closed (or spoken to) by the server."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError):
        raise TransportFailure("response cut short (bad gzip body)", sent=True) from None


def describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def certificate_failure(exc: ssl.SSLCertVerificationError) -> TransportFailure:
    """A certificate the system does not trust: retrying cannot help."""
    return TransportFailure(f"TLS error: {exc.verify_message}", sent=False, final=True)


def proxy_for(host: str, https: bool, env: Mapping[str, str]) -> Proxy | None:
    """The proxy to reach `host` through, from HTTPS_PROXY / NO_PROXY (any case); loopback and
    plain http never go through one (plain http is only allowed to a loopback host)."""
    if not https or is_loopback(host):
        return None
    proxies = _environment_proxies(env)
    url = proxies.get("https")
    if not url or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(
            f"unsupported HTTPS_PROXY {parts.scheme}://{parts.hostname or ''}",
            hint="use an http:// proxy URL (the tunnel to Pushwoosh is TLS end to end)",
        )
    headers = {}
    if parts.username:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    return Proxy(parts.hostname, parts.port or 80, headers)


def _environment_proxies(env: Mapping[str, str]) -> dict[str, str]:
    """`{scheme: url}` and `no`, as urllib.request.getproxies_environment reads os.environ."""
    proxies: dict[str, str] = {}
    for name, value in env.items():
        lowered = name.lower()
        scheme = lowered.removesuffix("_proxy")
        if value and scheme != lowered and (lowered == name or scheme not in proxies):
            proxies[scheme] = value  # the lower-case spelling wins, as in urllib
    return proxies
