"""A server that misbehaves on purpose, in front of the emulator.

Every API call goes through a small loopback proxy: it forwards the request to the emulator and,
for the method under test, answers with a broken or hostile HTTP answer instead of the real one
(after the emulator has carried the request out). Each case runs `pwconf apply` through the CLI
and must end with exit 1 and one clear error line, or, where a create's outcome was unknown, with
the create confirmed by reading back; never a traceback, never a duplicate.
"""

from __future__ import annotations

import gzip
import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import invoke

Answer = Callable[[bytes], bytes]  # the emulator's JSON body -> raw bytes sent to the client


def _head(status: str, *headers: str) -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status}", *headers]) + "\r\n\r\n").encode()


def trickle(body: bytes) -> bytes:
    return b"TRICKLE" + body


def huge_content_length(body: bytes) -> bytes:
    return _head("200 OK", "Content-Length: 10000000000") + body


def lying_content_length(body: bytes) -> bytes:
    return _head("200 OK", f"Content-Length: {len(body) + 500}") + body + b"CLOSE"


def gzip_bomb(body: bytes) -> bytes:
    bomb = gzip.compress(b" " * (80 << 20), compresslevel=9)  # 80 MiB of spaces, ~80 KB
    return _head("200 OK", "Content-Encoding: gzip", f"Content-Length: {len(bomb)}") + bomb


def huge_chunk(body: bytes) -> bytes:
    return _head("200 OK", "Transfer-Encoding: chunked") + b"ffffffffffff\r\n" + body + b"CLOSE"


def negative_chunk(body: bytes) -> bytes:
    return _head("200 OK", "Transfer-Encoding: chunked") + b"-5\r\n" + body + b"CLOSE"


def bad_chunk(body: bytes) -> bytes:
    return _head("200 OK", "Transfer-Encoding: chunked") + b"zz\r\n" + body + b"CLOSE"


def duplicate_content_length(body: bytes) -> bytes:
    lengths = (f"Content-Length: {len(body)}", f"Content-Length: {len(body) + 7}")
    return _head("200 OK", *lengths) + body + b"CLOSE"


def bare_lf_headers(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\nContent-Length: {len(body)}\nContent-Type: application/json\n\n"
    return head.encode() + body


def informational(body: bytes) -> bytes:
    return _head("103 Early Hints", "Link: </x>") + _ok(body)


def redirect(body: bytes) -> bytes:
    return _head("302 Found", "Location: http://evil.invalid/steal", "Content-Length: 0")


def not_http(body: bytes) -> bytes:
    return b"SSH-2.0-OpenSSH_9.0\r\n" + b"\x00\xff" * 64 + b"CLOSE"


def wrong_shape(body: bytes) -> bytes:
    return _ok(b'{"status_code":200,"status_message":"OK","response":"nope"}')


def escapes_in_message(body: bytes) -> bytes:
    text = (
        '{"status_code":210,"status_message":"bad \\u001b]0;pwned\\u0007 \\u001b[2J",'
        '"response":null}'
    )
    return _ok(text.encode())


def _ok(body: bytes, *headers: str) -> bytes:
    return _head("200 OK", f"Content-Length: {len(body)}", *headers) + body


def retry_after(value: str) -> Answer:
    def answer(body: bytes) -> bytes:
        text = b'{"status_code":429,"status_message":"slow down","response":null}'
        return _head("429 Too Many Requests", f"Retry-After: {value}",
                     f"Content-Length: {len(text)}") + text  # fmt: skip

    return answer


class HostileProxy:
    """Forwards each POST to `upstream`; answers `method` with `answer(upstream's body)`."""

    def __init__(self, upstream: str, method: str, answer: Answer) -> None:
        self.upstream = urlsplit(upstream)
        self.method, self.answer = method, answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}{self.upstream.path}"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection:
            reader = connection.makefile("rb")
            try:
                while self._one(reader, connection):
                    pass
            except OSError:
                pass

    def _one(self, reader, connection: socket.socket) -> bool:
        line = reader.readline()
        if not line:
            return False
        headers = {}
        while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", 0)))
        path = line.split()[1].decode()
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port)
        upstream.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        reply = upstream.getresponse()
        status, data = reply.status, reply.read()
        upstream.close()
        if not path.endswith("/" + self.method):
            connection.sendall(_head(f"{status} X", f"Content-Length: {len(data)}") + data)
            return True
        raw = self.answer(data)
        if raw.startswith(b"TRICKLE"):  # the head at once, then the body a byte at a time
            body = raw[len(b"TRICKLE") :]
            connection.sendall(_head("200 OK", f"Content-Length: {len(body)}"))
            for byte in body:
                connection.sendall(bytes([byte]))
                threading.Event().wait(0.5)
            return False
        closing = raw.endswith(b"CLOSE")
        connection.sendall(raw.removesuffix(b"CLOSE"))
        return not closing


@pytest.fixture
def hostile(account, monkeypatch) -> Iterator[Callable[[str, Answer], HostileProxy]]:
    proxies: list[HostileProxy] = []

    def start(method: str, answer: Answer) -> HostileProxy:
        proxies.append(HostileProxy(account.url, method, answer))
        monkeypatch.setenv("PUSHWOOSH_API_URL", proxies[-1].url)
        monkeypatch.setenv("PWCONF_TIMEOUT", "2")
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.close()


def _manifests(tmp_path: Path) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "tags.yaml").write_text("version: 1\ntags:\n  Loyalty: {type: integer}\n")
    return folder


def _apply(tmp_path: Path):
    folder = _manifests(tmp_path)
    return invoke("apply", folder, "--state", tmp_path / "s.json", "--auto-approve")


def _tags_named(account, name: str) -> int:
    snap = requests.get(f"{account.admin_url}/state", timeout=5).json()
    (acct,) = [a for a in snap["accounts"] if a["id"] == snap["default_account"]]
    return sum(1 for tag in acct["tags"] if (tag["name"] if isinstance(tag, dict) else tag) == name)


def _one_clear_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


READ_CASES = {
    "trickling bytes": trickle,
    "huge Content-Length": huge_content_length,
    "lying Content-Length": lying_content_length,
    "gzip bomb": gzip_bomb,
    "huge chunk size": huge_chunk,
    "negative chunk size": negative_chunk,
    "bad chunk size": bad_chunk,
    "1xx answer": informational,
    "redirect": redirect,
    "non-HTTP answer": not_http,
    "wrong JSON shape": wrong_shape,
    "Retry-After nan": retry_after("nan"),
    "Retry-After inf": retry_after("inf"),
    "Retry-After negative": retry_after("-3"),
    "Retry-After HTTP-date": retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
}


@pytest.mark.parametrize("case", list(READ_CASES))
def test_a_hostile_answer_to_a_read_ends_with_one_clear_line(hostile, tmp_path, case):
    hostile("listTags", READ_CASES[case])
    line = _one_clear_error(_apply(tmp_path))
    assert "listTags" in line


def test_a_redirect_is_never_followed(hostile, tmp_path):
    hostile("listTags", redirect)
    assert "redirect not followed" in _one_clear_error(_apply(tmp_path))


def test_terminal_escapes_from_the_server_are_shown_as_text(hostile, tmp_path):
    hostile("addTag", escapes_in_message)
    result = _apply(tmp_path)
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07" in result.output


WRITE_CASES = {
    "negative chunk size": negative_chunk,
    "huge chunk size": huge_chunk,
    "lying Content-Length": lying_content_length,
    "trickling bytes": trickle,
    "non-HTTP answer": not_http,
}


@pytest.mark.parametrize("case", list(WRITE_CASES))
def test_a_create_whose_answer_is_broken_is_read_back_not_failed(account, hostile, tmp_path, case):
    hostile("addTag", WRITE_CASES[case])
    result = _apply(tmp_path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "confirmed by reading back" in result.output
    assert _tags_named(account, "Loyalty") == 1


@pytest.mark.parametrize("answer", [duplicate_content_length, bare_lf_headers])
def test_duplicate_and_bare_lf_headers_never_crash(hostile, tmp_path, answer):
    hostile("listTags", answer)
    result = _apply(tmp_path)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output


def test_a_non_http_proxy_answer_is_one_clear_line(tmp_path, monkeypatch):
    sock = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = sock.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.sendall(b"\x16\x03\x01garbage that is not HTTP\r\n\r\n")
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setenv("PUSHWOOSH_API_URL", "https://api.example.com/json/1.3")
    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", "tok-hostile-proxy")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{sock.getsockname()[1]}")
    monkeypatch.setenv("PWCONF_TIMEOUT", "3")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = invoke("plan", _manifests(tmp_path), "--state", tmp_path / "s.json")
    assert "getApplications" in _one_clear_error(result)
    sock.close()

