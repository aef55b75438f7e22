"""HTTP for the API client: one `requests.Session` whose `HTTPAdapter` keeps a keep-alive
connection per worker. Each method's request is prepared once by the session and copied with each
body, then sent through the adapter (`Session.request` would merge the environment, run hooks and
handle cookies on every call).

- proxies and the trust store come resolved, by `api.settings.resolve_network`;
- urllib3 retries nothing (the retry policy is client.py's) and follows no redirect: a 3xx comes
  back as an answer, since the token in the body must reach the configured host only;
- every attempt has an overall deadline and the body a size cap, before and after gzip decoding,
  both checked between the pieces of the streamed body, each waited for at most the read timeout
  (the status line and headers are read by urllib3 under the read timeout and its size limits);
- a failure without an HTTP answer raises TransportFailure, saying whether the request may have
  reached the server (`_failure` maps every exception of requests and urllib3 onto it).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import requests
import urllib3
from requests.adapters import HTTPAdapter

from pwconf.api.settings import Network
from pwconf.printable import printable

MAX_BODY_BYTES = 64 << 20
READ_BYTES = 64 << 10
HEADERS = {
    "Content-Type": "application/json",
    "Accept-Encoding": "gzip",
    "User-Agent": "pwconf (+https://github.com/pwconf)",
    "Accept": "application/json",
}


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer, read in full (decoded when it was gzip-encoded)."""

    status: int
    reason: str
    body: bytes
    retry_after: str | None


@dataclass(eq=False)
class TransportFailure(Exception):
    """No usable HTTP answer. `sent`: the request may have reached the server; `final`: retrying
    cannot help (a certificate that is not trusted)."""

    description: str
    sent: bool
    final: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0  # the longest wait for any one piece of an answer
    attempt: float = 60.0  # the whole attempt, however the answer trickles in


class Transport:
    """POSTs to `{base_url}/{method}`; thread-safe."""

    def __init__(self, base_url: str, network: Network, pool_size: int, timeouts: Timeouts) -> None:
        self.base_url = base_url
        self.timeouts = timeouts
        self._network = network
        self._adapter = HTTPAdapter(
            pool_connections=1,
            pool_maxsize=pool_size,
            max_retries=urllib3.Retry(0, read=False, redirect=False),
        )
        self._session = requests.Session()
        self._session.trust_env = False  # the environment was read once, into `network`
        self._session.headers.clear()
        self._session.headers.update(HEADERS)
        self._session.mount("https://", self._adapter)
        self._session.mount("http://", self._adapter)
        self._templates: dict[str, requests.PreparedRequest] = {}

    def close(self) -> None:
        self._session.close()

    def post(self, method: str, body: bytes) -> Reply:
        request = self._prepared(method, body)  # outside the try: a bug here sent nothing
        deadline = time.monotonic() + self.timeouts.attempt
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
        except Exception as exc:
            response.close()  # never hand a half-read connection back to the pool
            raise _failure(exc, answered=True, url=self.base_url) from None
        return Reply(
            response.status_code, response.reason or "", data, response.headers.get("Retry-After")
        )

    def _prepared(self, method: str, body: bytes) -> requests.PreparedRequest:
        """A copy of the method's request, prepared once, with `body` (cheaper than preparing
        each request anew: bench/README.md)."""
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
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise _too_large()
        body = bytearray()
        while chunk := raw.read1(READ_BYTES, decode_content=True):
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise _too_large()
            if time.monotonic() > deadline:
                raise TransportFailure(
                    f"the answer took longer than {self.timeouts.attempt:g}s", sent=True
                )
        raw.release_conn()
        return bytes(body)


def _too_large() -> TransportFailure:
    return TransportFailure(f"the answer is larger than {MAX_BODY_BYTES >> 20} MiB", sent=True)


TLS_HINT = (
    "if the API's certificate comes from a private CA, point SSL_CERT_FILE or "
    "REQUESTS_CA_BUNDLE at that CA's certificate"
)
REACH_HINT = "check --api-url / PUSHWOOSH_API_URL, and HTTPS_PROXY / NO_PROXY if a proxy is used"


def _failure(exc: Exception, *, answered: bool, url: str) -> TransportFailure:
    """What an exception of requests or urllib3 means for the retry policy."""
    if isinstance(exc, TransportFailure):
        return exc
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
    what = "response cut short" if answered else "connection dropped"
    return TransportFailure(f"{what}: {_innermost(exc)}", sent=True)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None  # usually a MaxRetryError with its own reason
    return isinstance(getattr(reason, "reason", reason), urllib3.exceptions.NewConnectionError)


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
