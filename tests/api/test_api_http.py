"""HTTP through requests over real loopback sockets: keep-alive reuse, stale sockets, gzip,
proxies and the trust store as the environment sets them."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pwconf.api.client import ApiClient
from pwconf.api.settings import Network, resolve_network
from pwconf.errors import TransportError, UsageError

TOKEN = "tok-0123456789"
OK_BODY = json.dumps({"status_code": 200, "status_message": "OK", "response": {"n": 1}}).encode()


class RawServer:
    """A loopback TCP server; `answer(connection)` handles each accepted connection."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.received: list[bytes] = []
        self._answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def read_request(self, connection: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n")
             if line.lower().startswith(b"content-length:")),
            0,
        )  # fmt: skip
        while len(rest) < length:
            rest += connection.recv(65536)
        self.received.append(head)
        return head

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(answer: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _response(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode() + body


def test_keep_alive_connection_is_reused(raw_server):
    def answer(connection: socket.socket) -> None:
        while server.read_request(connection):
            connection.sendall(_response(OK_BODY))

    server = raw_server(answer)
    with ApiClient(f"http://127.0.0.1:{server.port}/json/1.3", TOKEN) as client:
        for _ in range(5):
            client.call("getX", {}, kind="read")
    assert server.accepted == 1 and len(server.received) == 5


def test_connection_closed_by_server_while_idle_is_replaced_before_sending(raw_server):
    """A create must not be sent on a socket the server closed: its outcome would be unknown."""

    def answer_once_then_close(connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(_response(OK_BODY))  # keep-alive promised, then an idle timeout
        connection.close()

    server = raw_server(answer_once_then_close)
    with ApiClient(f"http://127.0.0.1:{server.port}/json/1.3", TOKEN, max_attempts=1) as client:
        client.call("createX", {}, kind="write")
        threading.Event().wait(0.05)  # the FIN arrives
        result = client.call("createX", {}, kind="write")
    assert result.attempts == 1 and server.accepted == 2


def test_gzip_answer_is_decoded(raw_server):
    def answer(connection: socket.socket) -> None:
        server.read_request(connection)
        connection.sendall(_response(gzip.compress(OK_BODY), "Content-Encoding: gzip"))

    server = raw_server(answer)
    with ApiClient(f"http://127.0.0.1:{server.port}/json/1.3", TOKEN) as client:
        assert client.call("getX", {}, kind="read").response == {"n": 1}
    assert b"accept-encoding: gzip" in server.received[0].lower()


# ---- proxies ----------------------------------------------------------------------------

API = "https://api.pushwoosh.com/json/1.3"


def test_no_proxy_for_loopback_plain_http_or_when_unset():
    env = {"HTTPS_PROXY": "http://proxy:3128"}
    assert resolve_network("http://127.0.0.1:8089/json/1.3", env).proxies == {}
    assert resolve_network("https://localhost/json/1.3", env).proxies == {}
    assert resolve_network(API, {}).proxies == {}


def test_https_proxy_from_environment_keeps_its_credentials_out_of_repr():
    network = resolve_network(API, {"HTTPS_PROXY": "http://me:p%40ss@proxy.corp:3128"})
    assert network.proxies == {"https": "http://me:p%40ss@proxy.corp:3128"}
    assert "p%40ss" not in repr(network) and "me:" not in repr(network)


def test_lower_case_proxy_wins_and_no_proxy_bypasses():
    env = {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}
    assert resolve_network(API, env).proxies == {"https": "http://lower:2"}
    env["NO_PROXY"] = ".pushwoosh.com"
    assert resolve_network(API, env).proxies == {}


@pytest.mark.parametrize(
    "proxy", ["socks5://user:pw@proxy:1080", "http://proxy:99999", "http://u:pw@[::1"]
)
def test_a_proxy_url_that_cannot_be_used_is_a_usage_error(proxy):
    with pytest.raises(UsageError) as info:
        resolve_network(API, {"HTTPS_PROXY": proxy})
    assert "HTTPS_PROXY" in info.value.message and "pw" not in info.value.message


@pytest.mark.parametrize("name", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"])
def test_a_missing_trust_store_is_a_usage_error_naming_the_setting(name, tmp_path):
    with pytest.raises(UsageError) as info:
        resolve_network(API, {name: str(tmp_path / "nonexistent")})
    assert name in info.value.message


def test_trust_store_settings_are_honoured_in_order(tmp_path):
    bundle, other = tmp_path / "a.pem", tmp_path / "b.pem"
    bundle.write_text("x")
    other.write_text("x")
    assert resolve_network(API, {}).verify is True
    assert resolve_network(API, {"SSL_CERT_FILE": str(other)}).verify == str(other)
    env = {"SSL_CERT_FILE": str(other), "REQUESTS_CA_BUNDLE": str(bundle)}
    assert resolve_network(API, env).verify == str(bundle)


def test_https_goes_through_a_connect_tunnel_with_proxy_credentials(raw_server):
    def refuse_tunnel(connection: socket.socket) -> None:
        server.read_request(connection)
        refusal = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
        connection.sendall(refusal)
        connection.close()

    server = raw_server(refuse_tunnel)
    url = "https://api.example.com/json/1.3"
    network = resolve_network(url, {"HTTPS_PROXY": f"http://me:secret@127.0.0.1:{server.port}"})
    client = ApiClient(url, TOKEN, max_attempts=1, network=network)
    with client, pytest.raises(TransportError) as info:
        client.call("getX", {}, kind="read")
    head = server.received[0].decode()
    assert head.startswith("CONNECT api.example.com:443 HTTP/1.")
    assert "Proxy-Authorization: Basic " + base64.b64encode(b"me:secret").decode() in head
    assert "proxy" in info.value.message and "407" in info.value.message
    assert "secret" not in info.value.message


# ---- HTTPS end to end (the real service's path) -----------------------------------------


@pytest.fixture
def https_server(tmp_path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate; (base URL, cert file)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def answer(connection: socket.socket) -> None:
        try:
            with context.wrap_socket(connection, server_side=True) as tls:
                while server.read_request(tls):
                    tls.sendall(_response(OK_BODY))
        except (ssl.SSLError, OSError):
            pass  # the client refused the certificate

    server = RawServer(answer)
    yield f"https://127.0.0.1:{server.port}/json/1.3", cert
    server.close()


def test_https_call_with_a_trusted_certificate(https_server):
    url, cert = https_server
    network = resolve_network(url, {"SSL_CERT_FILE": str(cert)})
    with ApiClient(url, TOKEN, network=network) as client:
        assert client.call("getX", {}, kind="read").response == {"n": 1}
        assert client.call("getX", {}, kind="read").attempts == 1  # the TLS connection kept


def test_untrusted_certificate_fails_at_once_without_retrying(https_server):
    url, _ = https_server
    client = ApiClient(url, TOKEN, max_attempts=5, network=Network())
    with client, pytest.raises(TransportError) as info:
        client.call("getX", {}, kind="read")
    assert info.value.message.startswith("getX: TLS error: ")
    assert "certificate" in info.value.message and info.value.result.attempts == 1
    assert "SSL_CERT_FILE" in info.value.hint


def test_an_unreachable_api_names_its_url_and_where_to_fix_it():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    url = f"http://127.0.0.1:{port}/json/1.3"
    client = ApiClient(url, TOKEN, max_attempts=1)
    with client, pytest.raises(TransportError) as info:
        client.call("getX", {}, kind="read")
    assert url in info.value.message
    assert "PUSHWOOSH_API_URL" in info.value.hint and "HTTPS_PROXY" in info.value.hint
