"""AsyncConnection over real loopback sockets: keep-alive, framing, failures, TLS, proxy, retries.

The servers and the HTTPS fixture are the threaded transport's (test_api_transport.py); each test
drives the connection with asyncio.run, as the fetch does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial

import pytest
from test_api_transport import OK_BODY, TOKEN, RawServer, _response, https_server, raw_server

from pwconf.api.async_transport import AsyncConnection
from pwconf.api.client import ApiClient
from pwconf.api.transport import Endpoint, Reply, TransportFailure, proxy_for
from pwconf.errors import ArgumentError, ServerError

__all__ = ["https_server", "raw_server"]  # fixtures, used by name

Handler = Callable[[RawServer, socket.socket], None]
OK = _response(OK_BODY)
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


# ---- helpers ----------------------------------------------------------------------------


def keep_alive(server: RawServer, connection: socket.socket, reply: bytes = OK) -> None:
    """Answer every request on the connection with `reply`."""
    while server.read_request(connection):
        connection.sendall(reply)


def answer_once(reply: bytes) -> Handler:
    """Read one request, send `reply` (raw bytes), then close."""

    def handle(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(reply)

    return handle


def start(raw_server: Callable[..., RawServer], *first: Handler, then: Handler = keep_alive):
    """A RawServer whose n-th connection is handled by first[n], later ones by `then`."""
    pending = list(first)
    lock = threading.Lock()

    def answer(connection: socket.socket) -> None:
        with lock:
            handle = pending.pop(0) if pending else then
        try:
            handle(server, connection)
        except OSError:
            pass  # the client dropped the connection (a timeout, a refused answer)
        finally:
            connection.close()

    server = raw_server(answer)
    return server


def url(server: RawServer, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.port}/json/1.3"


def connection(base_url: str, *, read_timeout: float = 2.0, env=None) -> AsyncConnection:
    endpoint = Endpoint.from_url(
        base_url,
        headers={"User-Agent": "pwconf-test"},
        connect_timeout=1.0,
        read_timeout=read_timeout,
        env={} if env is None else env,
    )
    return AsyncConnection(endpoint)


def exchange(
    conn: AsyncConnection, *methods: str, pause: float = 0.0
) -> list[Reply | TransportFailure]:
    """POST each method in turn on `conn` (waiting `pause` between), then close it; the
    answers, a TransportFailure standing for a failed post."""

    async def run() -> list[Reply | TransportFailure]:
        answers: list[Reply | TransportFailure] = []
        try:
            for index, method in enumerate(methods):
                if index and pause:
                    await asyncio.sleep(pause)
                try:
                    answers.append(await conn.post(method, b'{"request":{}}'))
                except TransportFailure as failure:
                    answers.append(failure)
        finally:
            await conn.aclose()
        return answers

    return asyncio.run(run())


def failure_of(conn: AsyncConnection) -> TransportFailure:
    (answer,) = exchange(conn, "getX")
    assert isinstance(answer, TransportFailure), answer
    return answer


def is_ok(answer: Reply | TransportFailure) -> bool:
    return isinstance(answer, Reply) and answer.status == 200 and answer.body == OK_BODY


# ---- keep-alive and stale connections ---------------------------------------------------


def test_posts_reuse_one_keep_alive_connection(raw_server):
    server = start(raw_server)
    answers = exchange(connection(url(server)), "getX", "getY", "getZ")
    assert all(is_ok(answer) for answer in answers)
    assert server.accepted == 1 and len(server.received) == 3
    head = server.received[1].decode().lower()
    assert head.startswith("post /json/1.3/gety http/1.1\r\n")
    assert f"host: 127.0.0.1:{server.port}\r\n" in head and "user-agent: pwconf-test" in head
    assert "content-length: 14" in head and "accept-encoding: gzip" in head


@pytest.mark.parametrize("how", ["fin", "reset"])
def test_connection_closed_by_server_while_idle_is_replaced_before_sending(raw_server, how):
    def answer_then_close(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(OK)  # keep-alive promised, then an idle timeout
        if how == "reset":
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")

    server = start(raw_server, answer_then_close)
    answers = exchange(connection(url(server)), "getX", "getY", pause=0.05)
    assert all(is_ok(answer) for answer in answers), answers
    assert server.accepted == 2 and len(server.received) == 2


def test_connection_the_server_spoke_on_and_closed_while_idle_is_replaced(raw_server):
    """Some servers send `408 Request Timeout` on an idle keep-alive connection, then close."""

    def answer_then_time_out(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(OK)
        timeout = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        connection.sendall(timeout)

    server = start(raw_server, answer_then_time_out)
    answers = exchange(connection(url(server)), "getX", "getY", pause=0.05)
    assert is_ok(answers[0])
    assert is_ok(answers[1]), answers[1]  # today: Reply(status=408) read from the old buffer
    assert server.accepted == 2


def test_connection_close_from_the_server_is_honoured(raw_server):
    """The server says `Connection: close` but leaves the socket open: not reused regardless."""
    closing = _response(OK_BODY, "Connection: close")
    server = start(raw_server, then=partial(keep_alive, reply=closing))
    answers = exchange(connection(url(server)), "getX", "getY")
    assert all(is_ok(answer) for answer in answers), answers
    assert server.accepted == 2


def test_http_1_0_answer_without_keep_alive_ends_the_connection(raw_server):
    def answer_as_http_1_0(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(OK.replace(b"HTTP/1.1", b"HTTP/1.0", 1))
        server.read_request(connection)  # a second request here is lost: closed unanswered

    server = start(raw_server, answer_as_http_1_0)
    answers = exchange(connection(url(server)), "getX", "getY")
    assert answers[0].status == 200
    assert is_ok(answers[1]), answers[1]  # today: TransportFailure("response cut short")
    assert server.accepted == 2


# ---- framing ----------------------------------------------------------------------------


def test_content_length_body_is_read_exactly(raw_server):
    body = b'{"status_code":200,"response":"a\\r\\n\\r\\nHTTP/1.1 500 x"}'  # looks like a head
    server = start(raw_server, then=partial(keep_alive, reply=_response(body)))
    answers = exchange(connection(url(server)), "getX", "getY")
    assert [answer.body for answer in answers] == [body, body]
    assert server.accepted == 1


def test_chunked_body_with_extension_and_trailer(raw_server):
    chunked = CHUNKED + b"5;name=value\r\nhello\r\nB\r\n world, and\r\n0\r\nX-Sum: abc\r\n\r\n"
    server = start(raw_server, then=partial(keep_alive, reply=chunked))
    answers = exchange(connection(url(server)), "getX", "getY")
    assert [answer.body for answer in answers] == [b"hello world, and"] * 2
    assert server.accepted == 1  # the trailer was consumed: the second answer parsed cleanly


def test_body_delimited_by_close_and_the_connection_not_reused(raw_server):
    dropped = threading.Event()

    def answer_until_close(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + OK_BODY)
        connection.shutdown(socket.SHUT_WR)  # the end of the body; still readable
        with contextlib.suppress(OSError):  # a reset counts as a close too
            connection.recv(1)
        dropped.set()

    server = start(raw_server, answer_until_close)
    conn = connection(url(server))

    async def run() -> tuple[Reply, bool, Reply]:
        try:
            first = await conn.post("getX", b"{}")
            closed = await asyncio.to_thread(dropped.wait, 1.0)  # before any other post
            return first, closed, await conn.post("getY", b"{}")
        finally:
            await conn.aclose()

    first, closed_after_the_answer, second = asyncio.run(run())
    assert is_ok(first) and closed_after_the_answer
    assert is_ok(second) and server.accepted == 2


def test_interim_answers_are_skipped(raw_server):
    interim = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    )
    server = start(raw_server, then=partial(keep_alive, reply=interim + OK))
    answers = exchange(connection(url(server)), "getX", "getY")
    assert all(is_ok(answer) for answer in answers)
    assert server.accepted == 1


def test_gzip_answer_is_decoded(raw_server):
    gzipped = _response(gzip.compress(OK_BODY), "Content-Encoding: gzip", "Retry-After: 7")
    server = start(raw_server, then=partial(keep_alive, reply=gzipped))
    (answer,) = exchange(connection(url(server)), "getX")
    assert answer.body == OK_BODY and answer.retry_after == "7"


# ---- failures ---------------------------------------------------------------------------


def test_read_timeout_is_a_sent_failure_and_the_late_answer_is_not_read(raw_server):
    def answer_late(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        time.sleep(0.3)
        connection.sendall(_response(b'{"late": true}'))

    server = start(raw_server, answer_late)
    began = time.monotonic()
    failed, answer = exchange(connection(url(server), read_timeout=0.1), "getX", "getY")
    assert isinstance(failed, TransportFailure) and failed.sent and not failed.final
    assert "read timed out" in str(failed) and time.monotonic() - began < 0.3
    assert is_ok(answer) and server.accepted == 2


def test_read_timeout_bounds_the_whole_answer(raw_server):
    def trickle(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
        for _ in range(20):
            time.sleep(0.04)  # each byte well inside the timeout, the whole answer not
            connection.sendall(b"x")

    server = start(raw_server, trickle)
    began = time.monotonic()
    failure = failure_of(connection(url(server), read_timeout=0.25))
    assert "read timed out" in failure.description and failure.sent
    assert time.monotonic() - began < 0.6


def test_connection_refused_is_an_unsent_failure():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = closed.getsockname()[1]
        failure = failure_of(connection(f"http://127.0.0.1:{port}/json/1.3"))
    assert not failure.sent and not failure.final
    assert failure.description.startswith("could not connect: ")


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b"SSH-2.0-OpenSSH_9.6\r\n\r\n", id="not-http"),
        pytest.param(b"HTTP/1.1 2OO OK\r\n\r\n", id="bad-status-code"),
        pytest.param(b"\x16\x03\x01\x00\x02\x02\x28", id="cut-short-head"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX: " + b"y" * (1 << 20) + b"\r\n", id="head-too-long"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", id="bad-length"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{}", id="cut-short-body"),
        pytest.param(CHUNKED + b"zz\r\n", id="bad-chunk-size"),
        pytest.param(CHUNKED + b"2\r\n{}XX0\r\n\r\n", id="chunk-without-crlf"),
    ],
)
def test_a_garbled_answer_is_a_sent_failure_and_the_connection_replaced(raw_server, garbage):
    server = start(raw_server, answer_once(garbage))
    failed, answer = exchange(connection(url(server)), "getX", "getY")
    assert isinstance(failed, TransportFailure), failed
    assert failed.sent and not failed.final and failed.description == "response cut short"
    assert is_ok(answer) and server.accepted == 2


def test_a_bad_gzip_body_is_a_sent_failure(raw_server):
    server = start(raw_server, answer_once(_response(b"not gzip", "Content-Encoding: gzip")))
    failure = failure_of(connection(url(server)))
    assert failure.sent and "bad gzip body" in failure.description


def test_a_cancelled_post_does_not_leave_its_answer_for_the_next(raw_server):
    def echo_method(server: RawServer, connection: socket.socket) -> None:
        while head := server.read_request(connection):
            method = head.split(b" ")[1].rsplit(b"/", 1)[-1]
            if method == b"first":
                time.sleep(0.2)
            connection.sendall(_response(json.dumps({"method": method.decode()}).encode()))

    server = start(raw_server, then=echo_method)
    conn = connection(url(server))

    async def run() -> Reply:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conn.post("first", b"{}"), 0.05)
            return await conn.post("second", b"{}")
        finally:
            await conn.aclose()

    assert json.loads(asyncio.run(run()).body) == {"method": "second"}  # today: "first"


# ---- HTTPS and the proxy tunnel ---------------------------------------------------------


def test_https_with_a_trusted_certificate(https_server, monkeypatch):
    base_url, cert = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    answers = exchange(connection(base_url), "getX", "getY")
    assert all(is_ok(answer) for answer in answers)


def test_https_with_an_untrusted_certificate_is_a_final_failure(https_server, monkeypatch):
    base_url, _ = https_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    failure = failure_of(connection(base_url))
    assert failure.final and not failure.sent
    assert failure.description.startswith("TLS error: ") and "certificate" in failure.description


PROXY_ENV = {"HTTPS_PROXY": "http://me:s3cr%40t@127.0.0.1:{port}"}
CREDENTIALS = base64.b64encode(b"me:s3cr@t").decode()


def _proxy_env(proxy: RawServer) -> dict[str, str]:
    return {name: value.format(port=proxy.port) for name, value in PROXY_ENV.items()}


def _assert_tunnel_request(proxy: RawServer, target: str) -> None:
    head = proxy.received[0].decode()
    assert head.startswith(f"CONNECT {target} HTTP/1.1\r\n")
    assert f"\r\nHost: {target}" in head
    assert f"\r\nProxy-Authorization: Basic {CREDENTIALS}" in head


def test_https_proxy_refusing_the_tunnel_gets_credentials_but_never_shows_them(raw_server):
    refusal = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
    proxy = start(raw_server, then=answer_once(refusal))
    conn = connection("https://api.example.com/json/1.3", env=_proxy_env(proxy))
    failure = failure_of(conn)
    _assert_tunnel_request(proxy, "api.example.com:443")
    assert not failure.sent and not failure.final
    refused = "could not connect: proxy refused the tunnel: 407 Proxy Authentication Required"
    assert failure.description == refused
    texts = [str(failure), repr(failure), failure.description, repr(conn.endpoint)]
    assert not any("s3cr" in text or CREDENTIALS in text for text in texts)


def _relay(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def test_https_through_a_connect_tunnel_with_credentials(raw_server, https_server, monkeypatch):
    base_url, cert = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    target = base_url.split("/")[2]  # 127.0.0.1:port

    def tunnel(server: RawServer, connection: socket.socket) -> None:
        server.read_request(connection)
        with socket.create_connection(tuple(target.split(":")), timeout=2) as upstream:
            connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            back = threading.Thread(target=_relay, args=(upstream, connection), daemon=True)
            back.start()
            _relay(connection, upstream)
            back.join(1.0)

    proxy = start(raw_server, then=tunnel)
    # proxy_for never proxies a loopback host: build the proxy for a remote one, aim it here
    endpoint = connection(base_url).endpoint
    remote_proxy = proxy_for("api.example.com", True, _proxy_env(proxy))
    conn = AsyncConnection(dataclasses.replace(endpoint, proxy=remote_proxy))
    answers = exchange(conn, "getX", "getY")
    assert all(is_ok(answer) for answer in answers), answers
    assert proxy.accepted == 1  # both posts through one tunnel
    _assert_tunnel_request(proxy, target)


# ---- through ApiClient ------------------------------------------------------------------


@pytest.fixture
def async_read(scripted) -> Iterator[Callable[..., object]]:
    """`read(method, max_attempts=...)`: ApiClient.read_async over a fresh AsyncConnection."""
    clients: list[ApiClient] = []

    def read(method: str, *, max_attempts: int = 5) -> object:
        client = ApiClient(
            scripted.url, TOKEN, backoff_base=0.001, max_attempts=max_attempts
        )
        clients.append(client)
        conn = client.async_connection()

        async def run() -> object:
            try:
                return await client.read_async(method, {"page": 1}, conn.post)
            finally:
                await conn.aclose()

        return asyncio.run(run())

    yield read
    for client in clients:
        client.close()


def test_read_async_retries_a_503_then_succeeds(async_read, scripted):
    server = scripted
    server.script("getX", server.http(503, "busy"), server.DROP, server.ok({"n": 1}))
    result = async_read("getX")
    assert result.response == {"n": 1} and result.attempts == 3
    assert result.notes == ("retried after HTTP 503", "retried after response cut short")
    calls = server.calls_to("getX")
    assert len(calls) == 3 and calls[0].request == {"page": 1, "auth": TOKEN}


def test_read_async_gives_up_after_max_attempts(async_read, scripted):
    server = scripted
    server.script("getX", *[server.http(503, "busy")] * 3, server.ok())
    with pytest.raises(ServerError) as info:
        async_read("getX", max_attempts=3)
    assert info.value.message == "getX failed after 3 attempts: HTTP 503"
    assert info.value.result.attempts == 3 and len(server.calls_to("getX")) == 3


def test_read_async_does_not_retry_a_status_210(async_read, scripted):
    server = scripted
    server.script("getX", server.status(210, "Invalid page"), server.ok())
    with pytest.raises(ArgumentError) as info:
        async_read("getX")
    assert info.value.status_code == 210 and info.value.http_status == 200
    assert info.value.result.attempts == 1 and len(server.calls_to("getX")) == 1
    assert TOKEN not in info.value.message
