"""The emulator served over HTTP on a loopback address.

Routes (the ``/_emulator/`` ones are the emulator's own, never faulted and never journaled):

- ``POST /json/1.3/{method}`` with ``{"request": {...}}``: the Pushwoosh API (see ``core``);
  malformed JSON or no ``request`` object: HTTP 400; another verb: HTTP 405.
- ``GET /_emulator/health``: ``{"status": "ok"}``.
- ``GET /_emulator/calls[?method=M]``: the journal (last 10,000 API calls), oldest first:
  ``{"method", "request" (auth as "***"), "status" (HTTP; null if dropped), "status_code"
  (body), "duration_ms", "time", "fault"}``; ``DELETE``: clear it.
- ``GET /_emulator/state``: the snapshot (format in ``store``); ``PUT``: replace the state by one.
- ``POST /_emulator/reset``: back to one empty default account with the default tags.
- ``GET /_emulator/faults``: the fault settings (see ``faults``); ``PUT``: change some of them.
- ``GET /_emulator/answer-shapes``: ``{"on": [names], "known": {name: description}}`` (see
  ``answer_shapes``); ``PUT {"on": [names]}``: answer in exactly these shapes (``[]``: the
  contract's).

HTTP/1.1 keep-alive with a Content-Length on every answer, so pooled clients reuse connections.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pwconf.atomic_file import write_atomically
from pwconf.emulator.answer_shapes import SHAPES, check_shapes
from pwconf.emulator.core import Emulator
from pwconf.emulator.faults import DROP, ERROR_AFTER, Decision, Faults
from pwconf.emulator.fields import Result, http_error
from pwconf.emulator.store import Store

API_PREFIX = "/json/1.3/"
ADMIN_PREFIX = "/_emulator/"
JOURNAL_SIZE = 10_000


class EmulatorError(Exception):
    """The emulator can not start: a non-loopback host, a bad data file, a busy port."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Journal:
    """The last API calls, bounded, thread-safe."""

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, method: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self._entries if method is None or e["method"] == method]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _masked(request: Any) -> Any:
    if isinstance(request, dict) and "auth" in request:
        return {**request, "auth": "***"}
    return request


class EmulatorServer:
    """The emulator on ``http://host:port``; ``start()`` serves it from a daemon thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_file: str | os.PathLike[str] | None = None,
        tokens: list[str] | None = None,
        seed: int = 0,
        *,
        verbose: bool = False,
        journal_size: int = JOURNAL_SIZE,
        answer_shapes: Iterable[str] = (),
        **faults: Any,
    ) -> None:
        """``faults``: the settings of :class:`Faults` the emulator starts with."""
        if not is_loopback(host):
            raise EmulatorError(
                f"refusing to listen on {host!r}: the emulator binds to a loopback address only "
                "(127.0.0.1, ::1 or localhost)"
            )
        # "localhost" may resolve to ::1 first, and the socket family follows the host.
        self.host = "127.0.0.1" if host == "localhost" else host
        self.port = port
        self.data_file = os.fspath(data_file) if data_file is not None else None
        self.verbose = verbose
        self.store = Store(seed=seed, tokens=tokens)
        if self.data_file and os.path.exists(self.data_file):
            try:
                with open(self.data_file, encoding="utf-8") as handle:
                    self.store.load(json.load(handle))
            except json.JSONDecodeError as exc:
                raise EmulatorError(
                    f"can not load {self.data_file}: {self.data_file} is not valid JSON: {exc}"
                ) from None
            except (OSError, ValueError) as exc:  # StoreError too
                raise EmulatorError(f"can not load {self.data_file}: {exc}") from None
        try:
            self.core = Emulator(self.store, shapes=answer_shapes)
            self.faults = Faults(seed=seed, **faults)
        except ValueError as exc:  # an unknown answer shape or a bad fault setting
            raise EmulatorError(str(exc)) from None
        self.journal = Journal(journal_size)
        self._save_lock = threading.Lock()
        self._saved_version = self.store.version
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        if self._httpd is not None:  # `with server.start():` enters a started server
            return self
        try:
            self._httpd = _HTTPServer((self.host, self.port), self)
        except OSError as exc:
            raise EmulatorError(f"can not listen on {self.host}:{self.port}: {exc}") from None
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
            name=f"pwconf-emulator-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections, join the thread, save the data file."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
        self.save(force=True)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the emulator is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/json/1.3"

    @property
    def admin_url(self) -> str:
        return f"{self.base}/_emulator"

    @property
    def token(self) -> str:
        return self.store.server_tokens[0]

    def save(self, *, force: bool = False) -> None:
        """Write the data file (atomically) if there is one and the state changed since."""
        if not self.data_file:
            return
        with self._save_lock:
            with self.store.lock:
                version = self.store.version
                if version == self._saved_version and not force:
                    return
                snapshot = self.store.snapshot()
            # Entities are copies and nested values are never mutated in place: safe unlocked.
            write_atomically(self.data_file, json.dumps(snapshot, separators=(",", ":")))
            self._saved_version = version

    # -- API calls -----------------------------------------------------------------------------
    def handle_api(self, handler: _Handler, method: str, raw_body: bytes) -> None:
        started = time.perf_counter()
        request, parse_error = _parse_request(raw_body)
        decision = self.faults.decide()
        if decision.latency_s:
            time.sleep(decision.latency_s)  # outside every lock
        if decision.fault == DROP:
            handler.close_connection = True
            self._journal(method, request, None, None, started, "drop")
            return
        status, body, headers = self._api_answer(method, request, parse_error, decision)
        # Journal first: a client reading /_emulator/calls after its answer must find the call.
        self._journal(method, request, status, body.get("status_code"), started, decision.fault)
        handler.send_json(status, body, headers)

    def _api_answer(
        self, method: str, request: Any, parse_error: str | None, decision: Decision
    ) -> Result:
        if decision.answer is not None and decision.fault != ERROR_AFTER:
            return decision.answer
        if parse_error is not None:
            return http_error(400, parse_error)
        try:
            answer = self.core.handle(method, request)
        except Exception:  # a bug in the emulator: say so instead of hanging the client
            traceback.print_exc(file=sys.stderr)
            return http_error(500, "Emulator internal error")
        self.save()
        return decision.answer or answer

    def _journal(
        self, method: str, request: Any, status: int | None, status_code: int | None,
        started: float, fault: str | None,
    ) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        self.journal.add({
            "method": method,
            "request": _masked(request),
            "status": status,
            "status_code": status_code,
            "duration_ms": duration_ms,
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "fault": fault,
        })
        if self.verbose:
            print(f"{method} -> {status} {status_code} {duration_ms} ms"
                  + (f" [{fault}]" if fault else ""), file=sys.stderr, flush=True)

    # -- admin ---------------------------------------------------------------------------------
    def handle_admin(self, verb: str, path: str, query: str, raw_body: bytes) -> Result:
        def body(empty: bytes) -> Any:
            return json.loads(raw_body or empty)

        method = parse_qs(query).get("method", [None])[0]
        routes: dict[tuple[str, str], Callable[[], Any]] = {
            ("GET", "health"): lambda: None,
            ("GET", "calls"): lambda: self.journal.entries(method),
            ("DELETE", "calls"): self.journal.clear,
            ("GET", "state"): self.store.snapshot,
            ("PUT", "state"): lambda: self._replace_state(body(b"null")),
            ("POST", "reset"): lambda: self._replace_state({}),
            ("GET", "faults"): self.faults.to_dict,
            ("PUT", "faults"): lambda: self._set_faults(body(b"{}")),
            ("GET", "answer-shapes"): self._shapes_answer,
            ("PUT", "answer-shapes"): lambda: self._set_shapes(body(b"{}")),
        }
        route = routes.get((verb, path))
        if route is None:
            if any(path == known for _, known in routes):
                return 405, {"error": f"{verb} is not allowed on /_emulator/{path}"}, {}
            return 404, {"error": f"no emulator endpoint /_emulator/{path}"}, {}
        try:
            answer = route()
        except ValueError as exc:  # StoreError and JSON errors too
            return 400, {"error": str(exc)}, {}
        return 200, {"status": "ok"} if answer is None else answer, {}

    def _replace_state(self, snapshot: Any) -> None:
        self.store.load(snapshot)
        self.core.reset_rate_limits()
        self.save()

    def _shapes_answer(self) -> dict[str, Any]:
        return {"on": sorted(self.core.shapes), "known": dict(SHAPES)}

    def _set_shapes(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("on"), list):
            raise ValueError('expected {"on": [answer shape names]}')
        self.core.shapes = check_shapes(body["on"])
        return self._shapes_answer()

    def _set_faults(self, changes: Any) -> dict[str, Any]:
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object of fault settings")
        self.faults.configure(**changes)
        return self.faults.to_dict()


def _parse_request(raw_body: bytes) -> tuple[Any, str | None]:
    """The ``request`` object of a body, or an error message for HTTP 400."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"Malformed request: body is not JSON ({exc})"
    if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
        return None, 'Malformed request: the body must be {"request": {...}}'
    return payload["request"], None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes the connections itself
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer) -> None:
        self.emulator = emulator
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            if alive:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (and stop() closing sockets) are normal here.
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pwconf-emulator"
    sys_version = ""
    wbufsize = -1  # buffered: headers and body leave in one send
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass  # --verbose logs each call once, from the journal (EmulatorServer._journal)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self._read_body()
        if body is None:
            self.send_json(*http_error(400, "Malformed request: unreadable body"))
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        emulator = self.server.emulator
        if parts.path.startswith(ADMIN_PREFIX):
            path = parts.path[len(ADMIN_PREFIX):].strip("/")
            self.send_json(*emulator.handle_admin(self.command, path, parts.query, body))
        elif parts.path.startswith(API_PREFIX):
            method = parts.path[len(API_PREFIX):].strip("/")
            if self.command != "POST":
                self.send_json(*http_error(405, "Every API method is a POST", {"Allow": "POST"}))
            else:
                emulator.handle_api(self, method, body)
        else:
            self.send_json(*http_error(404, f"Not found: {parts.path}"))

    do_GET = do_PUT = do_DELETE = do_POST

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes | None:
        chunks = []
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(65537).strip():  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)  # CRLF after the chunk

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
