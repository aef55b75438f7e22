"""HTTP for the API client, through `requests`.

One `requests.Session` whose `HTTPAdapter` keeps as many keep-alive connections as there are
workers. Every Pushwoosh call is a POST of a small JSON body, so a request is prepared once per
method name and copied with each body, then sent through the adapter: `Session.request` would
merge the environment, run hooks and handle cookies on every call for nothing.

- proxies (`HTTPS_PROXY`, `NO_PROXY`, credentials in the proxy URL) and the trust store
  (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `SSL_CERT_DIR`) are resolved once, by
  `api.settings.resolve_network`, and handed to requests as they are;
- urllib3 retries nothing (the retry policy is pwconf's, client.py) and no redirect is followed:
  a 3xx comes back as an answer, since the token in the body must reach the configured host only;
- every attempt has an overall deadline and the body a size cap, before and after gzip decoding:
  the body is streamed and both are checked while it is read, and a watchdog shuts the socket
  of an attempt still waiting at its deadline (a server trickling its headers a byte at a time
  would otherwise hold a call for as long as it likes).

A failure without an HTTP answer raises TransportFailure, which says whether the request may
have reached the server: the retry policy depends on it. Every exception of requests and urllib3
is mapped onto it in `_failure`, and nowhere else.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import re
import threading
import time
from dataclasses import dataclass
from socket import SHUT_RDWR  # the watchdog's one use of a socket: shutting it
from typing import Any

import requests
import urllib3
import urllib3.connection
from requests.adapters import HTTPAdapter

from pwconf.api.settings import Network
from pwconf.printable import printable

MAX_BODY_BYTES = 64 << 20
READ_BYTES = 64 << 10


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer, read in full (decoded when it was gzip-encoded)."""

    status: int
    reason: str
    body: bytes
    retry_after: str | None


class TransportFailure(Exception):
    """No usable HTTP answer. `sent`: the request may have reached the server; `final`: retrying
    cannot help (a certificate that is not trusted)."""

    def __init__(
        self, description: str, *, sent: bool, final: bool = False, hint: str = ""
    ) -> None:
        super().__init__(description)
        self.description = description
        self.sent = sent
        self.final = final
        self.hint = hint


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0  # the longest wait for any one piece of an answer
    attempt: float = 60.0  # the whole attempt, however the answer trickles in


class _Watchdog:
    """One thread that shuts the socket of every attempt still running at its deadline."""

    def __init__(self) -> None:
        self._heap: list[list[Any]] = []  # [deadline, sequence, socket or None when released]
        self._sequence = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, sock: Any) -> list[Any]:
        entry = [deadline, next(self._sequence), sock]
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pwconf-deadlines")
                self._thread.daemon = True
                self._thread.start()
            if self._heap[0] is entry:
                self._wake.notify()
        return entry

    def release(self, entry: list[Any]) -> None:
        entry[2] = None

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or (self._heap[0][2] is not None and self._waits()):
                    self._wake.wait(self._waits() if self._heap else None)
                deadline, _, sock = heapq.heappop(self._heap)
            if sock is not None:
                with contextlib.suppress(OSError):  # closed meanwhile
                    sock.shutdown(SHUT_RDWR)

    def _waits(self) -> float:
        return max(0.0, self._heap[0][0] - time.monotonic())


_WATCHDOG = _Watchdog()
_attempt = threading.local()  # the calling thread's attempt: its deadline and watch


def _unwatch() -> None:
    """The calling thread's attempt is over: its socket is no longer the watchdog's."""
    watch = getattr(_attempt, "watch", None)
    if watch is not None:
        _WATCHDOG.release(watch)
        _attempt.watch = None


class _Deadline:
    """Puts the socket under the watchdog once the request is on its way."""

    sock: Any | None

    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)  # type: ignore[misc]
        if self.sock is not None and getattr(_attempt, "deadline", None) is not None:
            _attempt.watch = _WATCHDOG.watch(_attempt.deadline, self.sock)


class _HTTPConnection(_Deadline, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Deadline, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection  # type: ignore[assignment]


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(HTTPAdapter):
    """requests' adapter, its connections watched for their deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


class Transport:
    """POSTs to `{base_url}/{method}`; thread-safe."""

    def __init__(
        self,
        base_url: str,
        network: Network,
        *,
        headers: dict[str, str],
        pool_size: int,
        timeouts: Timeouts | None = None,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self.max_body = max_body
        self._network = network
        self._session = requests.Session()
        self._session.trust_env = False  # the environment was read once, into `network`
        self._session.headers.clear()
        self._session.headers.update(
            {"Content-Type": "application/json", "Accept-Encoding": "gzip", **headers}
        )
        self._adapter = _Adapter(pool_connections=1, pool_maxsize=max(1, pool_size))
        self._adapter.max_retries = urllib3.Retry(0, read=False, redirect=False)
        self._session.mount("https://", self._adapter)
        self._session.mount("http://", self._adapter)
        self._templates: dict[str, requests.PreparedRequest] = {}

    def close(self) -> None:
        self._session.close()

    def post(self, method: str, body: bytes) -> Reply:
        request = self._prepared(method, body)
        deadline = time.monotonic() + self.timeouts.attempt
        _attempt.deadline = deadline
        try:
            return self._exchange(request, deadline)
        except TransportFailure as failure:
            if time.monotonic() < deadline:
                raise
            late = f"the answer took longer than {self.timeouts.attempt:g}s"
            raise TransportFailure(late, sent=failure.sent, final=failure.final) from None
        finally:
            _unwatch()
            _attempt.deadline = None

    def _exchange(self, request: requests.PreparedRequest, deadline: float) -> Reply:
        try:
            response = self._adapter.send(
                request,
                stream=True,
                timeout=(self.timeouts.connect, self.timeouts.read),
                verify=self._network.verify,
                proxies=self._network.proxies,
            )
        except Exception as exc:
            raise _failure(exc, answered=False, url=self.base_url) from None
        try:
            data = self._read_body(response.raw, deadline)
        except TransportFailure:
            response.close()  # never hand a half-read connection back to the pool
            raise
        except Exception as exc:
            response.close()
            raise _failure(exc, answered=True, url=self.base_url) from None
        return Reply(
            response.status_code, response.reason or "", data, response.headers.get("Retry-After")
        )

    def _prepared(self, method: str, body: bytes) -> requests.PreparedRequest:
        template = self._templates.get(method)
        if template is None:
            url = f"{self.base_url}/{method}"
            template = self._session.prepare_request(requests.Request("POST", url, data=b""))
            self._templates[method] = template
        request = template.copy()
        request.body = body
        request.headers["Content-Length"] = str(len(body))
        return request

    def _read_body(self, raw: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise _too_large(self.max_body)
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = raw.read1(READ_BYTES, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_body:
                raise _too_large(self.max_body)
            if time.monotonic() > deadline:
                raise TransportFailure(
                    f"the answer took longer than {self.timeouts.attempt:g}s", sent=True
                )
            parts.append(chunk)
        _unwatch()  # before the connection goes back to the pool for another attempt
        raw.release_conn()
        return b"".join(parts)


def _too_large(limit: int) -> TransportFailure:
    return TransportFailure(f"the answer is larger than {limit >> 20} MiB", sent=True)


TLS_HINT = (
    "if the API's certificate comes from a private CA, point SSL_CERT_FILE or "
    "REQUESTS_CA_BUNDLE at that CA's certificate"
)
REACH_HINT = "check --api-url / PUSHWOOSH_API_URL, and HTTPS_PROXY / NO_PROXY if a proxy is used"


def _failure(exc: Exception, *, answered: bool, url: str) -> TransportFailure:
    """What an exception of requests or urllib3 means for the retry policy."""
    if isinstance(exc, requests.exceptions.SSLError):
        text = f"TLS error: {_innermost(exc)}"
        return TransportFailure(text, sent=False, final=True, hint=TLS_HINT)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportFailure(f"connect to {url} timed out", sent=False, hint=REACH_HINT)
    if isinstance(exc, requests.exceptions.ProxyError):
        text = f"the proxy refused or failed: {_innermost(exc)}"
        return TransportFailure(text, sent=False, hint=REACH_HINT)
    if isinstance(exc, requests.exceptions.ConnectionError) and _never_connected(exc):
        text = f"could not connect to {url}: {_innermost(exc)}"
        return TransportFailure(text, sent=False, hint=REACH_HINT)
    if isinstance(exc, requests.exceptions.ReadTimeout | urllib3.exceptions.ReadTimeoutError):
        return TransportFailure("read timed out", sent=True)
    if answered:
        return TransportFailure(f"response cut short: {_innermost(exc)}", sent=True)
    return TransportFailure(f"connection dropped: {_innermost(exc)}", sent=True)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _innermost(exc: BaseException) -> str:
    """The most specific message in a chain of wrapped exceptions."""
    while True:
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        inner = inner or getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
    text = str(exc.args[-1] if exc.args else "") or type(exc).__name__
    return printable(_POOL_PREFIX.sub("", text))


# urllib3 opens its messages with the connection's repr: "HTTPSConnection(host=..., port=443): "
_POOL_PREFIX = re.compile(r"^<?\w*Connection(?:Pool)?\([^)]*\)>?: ")
