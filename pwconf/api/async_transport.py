"""HTTP for an asyncio event loop: one keep-alive connection that POSTs one request at a time.

The fetch sends thousands of small reads. From one thread driving an event loop they cost no
thread hand-offs and no waits for the GIL, which at 32 threads made a 20 ms call take 28 ms on
average (bench/README.md). The connection speaks the HTTP/1.1 that Pushwoosh answers with, as
Transport (transport.py) does, and shares its Endpoint: the same headers, timeouts, TLS trust
store and HTTPS_PROXY tunnel.

- an answer is framed by Content-Length, chunked encoding, or the end of the connection;
- interim 1xx answers are skipped; gzip bodies are decoded;
- a connection the server closed while idle is replaced before sending;
- the read timeout bounds the wait for the whole answer.

Failures without an HTTP answer raise TransportFailure, as Transport's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from pwconf.api.transport import (
    Endpoint,
    Reply,
    TransportFailure,
    certificate_failure,
    describe,
    gunzip,
)

HEAD_LIMIT = 1 << 20  # bytes of status line and headers, and of one chunk-size line
CRLF = b"\r\n"


class _BadAnswer(Exception):
    """An answer that is not HTTP/1.x as framed above."""


class AsyncConnection:
    """One connection to `endpoint`; `post` must not be called again before it returns."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        headers = {"Host": _host_header(endpoint), **endpoint.headers}
        self._head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()

    async def post(self, method: str, body: bytes) -> Reply:
        reader, writer = await self._open()
        request = b"".join(
            (
                f"POST {self.endpoint.path}/{method} HTTP/1.1\r\n".encode(),
                self._head,
                f"Content-Length: {len(body)}\r\n\r\n".encode(),
                body,
            )
        )
        try:
            writer.write(request)
            reply, keep_alive = await _read_reply(reader, self.endpoint.read_timeout)
        except TimeoutError:
            self.close()
            raise TransportFailure("read timed out", sent=True) from None
        except (asyncio.IncompleteReadError, _BadAnswer, asyncio.LimitOverrunError):
            self.close()
            raise TransportFailure("response cut short", sent=True) from None
        except OSError as exc:
            self.close()
            raise TransportFailure(f"connection dropped: {describe(exc)}", sent=True) from None
        except BaseException:
            self.close()  # cancelled: its answer must not be read as the next request's
            raise
        if not keep_alive:
            self.close()
        return reply

    def close(self) -> None:
        """Drop the connection at once: no answer is pending on it, so no TLS close_notify
        is waited for."""
        if self._writer is not None:
            self._writer.transport.abort()
        self._reader = self._writer = None

    async def aclose(self) -> None:
        writer = self._writer
        self.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is not None and self._writer is not None:
            if _still_open(self._reader, self._writer):
                return self._reader, self._writer
            self.close()  # closed (or spoken on) by the server while idle: nothing sent on it
        try:
            async with asyncio.timeout(self.endpoint.connect_timeout):
                self._reader, self._writer = await _connect(self.endpoint)
        except ssl.SSLCertVerificationError as exc:
            raise certificate_failure(exc) from None
        except TimeoutError:
            raise TransportFailure("connect timed out", sent=False) from None
        except (OSError, _BadAnswer, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise TransportFailure(f"could not connect: {describe(exc)}", sent=False) from None
        return self._reader, self._writer


def _still_open(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """An idle connection is reusable only if the server has neither closed it nor sent
    anything on it (a 408 before closing, say): as Transport's readable-socket check. The
    StreamReader has no public view of its buffer; `_buffer` has been there since 3.4."""
    unread = getattr(reader, "_buffer", None)
    return not (unread or reader.at_eof() or writer.is_closing())


def _host_header(end: Endpoint) -> str:
    host = f"[{end.host}]" if ":" in end.host else end.host
    return host if end.port == (443 if end.https else 80) else f"{host}:{end.port}"


async def _connect(end: Endpoint) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if end.proxy is None:
        tls = {"ssl": end.context, "server_hostname": end.host} if end.https else {}
        return await asyncio.open_connection(end.host, end.port, limit=HEAD_LIMIT, **tls)
    reader, writer = await asyncio.open_connection(end.proxy.host, end.proxy.port, limit=HEAD_LIMIT)
    try:
        await _tunnel(reader, writer, end)
        await writer.start_tls(end.context, server_hostname=end.host)
    except BaseException:
        writer.close()
        raise
    return reader, writer


async def _tunnel(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, end: Endpoint
) -> None:
    """CONNECT through the proxy (only https goes through one: proxy_for)."""
    target = f"{end.host}:{end.port}"
    headers = {"Host": target, **(end.proxy.headers if end.proxy else {})}
    lines = [f"CONNECT {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    writer.write("\r\n".join(lines).encode("latin-1"))
    _, status, reason, _ = _parse_head(await reader.readuntil(CRLF + CRLF))
    if status != 200:
        raise OSError(f"proxy refused the tunnel: {status} {reason}".strip())


async def _read_reply(reader: asyncio.StreamReader, timeout: float) -> tuple[Reply, bool]:
    """The next final answer, read in full, and whether the connection stays open after it."""
    async with asyncio.timeout(timeout):
        while True:
            head = await reader.readuntil(CRLF + CRLF)
            version, status, reason, headers = _parse_head(head)
            if status >= 200 or status == 101:
                break  # 1xx answers (100 Continue, 103 Early Hints) come before the real one
        keep_alive = _keeps_alive(version, headers.get(b"connection", b"").lower())
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            body = await _read_chunked(reader)
        elif b"content-length" in headers:
            body = await reader.readexactly(_length(headers[b"content-length"]))
        else:
            body, keep_alive = await reader.read(), False
    if headers.get(b"content-encoding", b"").lower() == b"gzip":
        body = gunzip(body)
    retry_after = headers.get(b"retry-after")
    reply = Reply(status, reason, body, retry_after.decode("latin-1") if retry_after else None)
    return reply, keep_alive


def _keeps_alive(version: bytes, connection: bytes) -> bool:
    """RFC 9112 §9.3: HTTP/1.1 persists unless told `close`; HTTP/1.0 only if `keep-alive`."""
    if version == b"HTTP/1.0":
        return b"keep-alive" in connection
    return b"close" not in connection


def _parse_head(head: bytes) -> tuple[bytes, int, str, dict[bytes, bytes]]:
    """Version, status, reason and headers (lower-case names) of `HTTP/1.x NNN reason...`."""
    status_line, *lines = head[:-4].split(CRLF)
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not version.startswith(b"HTTP/1.") or not code.isdigit():
        raise _BadAnswer(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: dict[bytes, bytes] = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return version, int(code), reason.decode("latin-1"), headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size_line = await reader.readuntil(CRLF)
        size = _length(size_line.split(b";", 1)[0], base=16)
        if size == 0:
            while await reader.readuntil(CRLF) != CRLF:
                pass  # trailer fields, unused
            return b"".join(chunks)
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != CRLF:
            raise _BadAnswer("chunk not followed by CRLF")
        chunks.append(chunk[:-2])


def _length(text: bytes, base: int = 10) -> int:
    try:
        value = int(text.strip(), base)
    except ValueError:
        raise _BadAnswer(f"bad length {text[:40]!r}") from None
    if value < 0:
        raise _BadAnswer(f"negative length {value}")
    return value
