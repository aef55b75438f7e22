"""Fixtures for the API client tests: a scripted loopback HTTP server and client factories.

The scripted server answers each POST with the next scripted action (or the default), so the
client's retry policy can be tested over real HTTP without the emulator.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pwconf.api.client import ApiClient
from pwconf.api.http import Timeouts

TOKEN = "s3cret-token-0123456789"


@dataclass
class Reply:
    """An HTTP answer; `body` is JSON-encoded unless it is bytes."""

    http_status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


DROP = "drop"  # read the request, then close the connection without answering


def ok(response: Any = None, message: str = "OK") -> Reply:
    return Reply(200, {"status_code": 200, "status_message": message, "response": response})


def status(code: int, message: str) -> Reply:
    return Reply(200, {"status_code": code, "status_message": message, "response": None})


def http(code: int, message: str = "", **headers: str) -> Reply:
    body = {"status_code": code, "status_message": message} if message else b""
    return Reply(code, body, headers)


@dataclass
class Call:
    method: str
    request: dict[str, Any]
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default 5 drops SYNs under 16 concurrent connects (1 s stalls)


class ScriptedServer:
    """Loopback server: `script(method, *actions)` queues answers for a method."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.default: Callable[[str, dict[str, Any]], Reply | str] = lambda m, r: ok()
        self._queues: dict[str, list[Reply | str]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/json/1.3"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # answer builders, reachable from the tests through the fixture
    ok = staticmethod(ok)
    status = staticmethod(status)
    http = staticmethod(http)
    DROP = DROP
    Reply = Reply

    def script(self, method: str, *actions: Reply | str) -> None:
        with self._lock:
            self._queues.setdefault(method, []).extend(actions)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def _next(self, method: str, request: dict[str, Any]) -> Reply | str:
        with self._lock:
            queue = self._queues.get(method)
            if queue:
                return queue.pop(0)
        return self.default(method, request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                method = self.path.rsplit("/", 1)[-1]
                request = payload.get("request", {})
                with server._lock:
                    server.calls.append(Call(method, request, dict(self.headers)))
                action = server._next(method, request)
                if action == DROP:
                    self.close_connection = True
                    return
                assert isinstance(action, Reply)
                self._send(action)

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(reply.http_status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (read timeout)
                    self.wfile.write(data)

        return Handler


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    try:
        yield server
    finally:
        server.stop()


class SleepRecorder:
    """An injected `sleep` that records each delay and does not wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(sleeps: SleepRecorder) -> Iterator[Callable[..., ApiClient]]:
    """Build clients that record their sleeps; every client is closed after the test."""
    clients: list[ApiClient] = []

    def factory(base_url: str, token: str = TOKEN, **options: Any) -> ApiClient:
        options.setdefault("sleep", sleeps)
        options.setdefault("timeouts", Timeouts(connect=2.0, read=options.pop("read_timeout", 5.0)))
        client = ApiClient(base_url, token, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()
