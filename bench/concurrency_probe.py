"""How close can a Python client get to the latency bound? pwconf's client and a bare floor.

    python bench/concurrency_probe.py [--calls 3000] [--parallelism 10,32] [--latency-ms 20]

Starts `pwconf emulator` in its own process, creates one application with 200 presets, then
makes `--calls` getPreset calls at each parallelism P with:

- threads: pwconf's ApiClient (requests, through its HTTPAdapter) shared by a pool of P threads
  (what the fetch and the applier do);
- selectors: one thread driving P non-blocking keep-alive sockets (a bare HTTP/1.1 loop with
  no retry policy: a floor for any event-loop client, not a usable client).

For each it prints wall time, the ideal (calls × latency / P), their ratio and the mean call
duration. The gap between the rows is what thread hand-offs, the GIL, requests and pwconf's
retry code cost at that parallelism on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from run import TOKEN, Emulator

from pwconf.api.client import ApiClient
from pwconf.api.pushwoosh import Pushwoosh

PRESETS = 200


def seed(url: str, presets: int = PRESETS) -> list[str]:
    """The codes of `presets` new presets of a new application."""
    with ApiClient(url, TOKEN) as client:
        api = Pushwoosh(client)
        app = api.create_application("probe").response["application"]
        for n in range(presets):
            api.create_preset(app, f"preset-{n}", {"message": {"en": f"hello {n}"}}, [3])
        return [p["code"] for p in api.list_presets(app).response["presets"]]


def threaded(url: str, codes: list[str], calls: int, parallelism: int) -> list[float]:
    durations: list[float] = []
    with ApiClient(url, TOKEN, workers=parallelism) as client:

        def one(code: str) -> None:
            began = time.perf_counter()
            client.call("getPreset", {"preset_code": code}, kind="read")
            durations.append(time.perf_counter() - began)

        with ThreadPoolExecutor(parallelism) as pool:
            list(pool.map(one, (codes[i % len(codes)] for i in range(calls))))
    return durations


def event_loop(url: str, codes: list[str], calls: int, parallelism: int) -> list[float]:
    parts = urlsplit(url)
    todo = [codes[i % len(codes)] for i in range(calls)]
    durations: list[float] = []
    selector = selectors.DefaultSelector()
    for _ in range(min(parallelism, calls)):
        sock = socket.create_connection((parts.hostname, parts.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, _send(sock, parts.path, todo.pop()))
    while len(durations) < calls:
        for key, _ in selector.select():
            pending = key.data
            pending["buffer"] += key.fileobj.recv(1 << 16)
            if not _complete(pending["buffer"]):
                continue
            durations.append(time.perf_counter() - pending["began"])
            if todo:
                selector.modify(key.fileobj, selectors.EVENT_READ,
                                _send(key.fileobj, parts.path, todo.pop()))  # fmt: skip
            else:
                selector.unregister(key.fileobj)
                key.fileobj.close()
    return durations


def _send(sock: socket.socket, path: str, code: str) -> dict:
    body = json.dumps({"request": {"preset_code": code, "auth": TOKEN}}).encode()
    head = f"POST {path}/getPreset HTTP/1.1\r\nHost: probe\r\nContent-Type: application/json\r\n"
    sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return {"buffer": b"", "began": time.perf_counter()}


def _complete(buffer: bytes) -> bool:
    head, separator, body = buffer.partition(b"\r\n\r\n")
    if not separator:
        return False
    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
    return length is not None and len(body) >= int(length.group(1))


CLIENTS = (("threads", threaded), ("selectors", event_loop))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--parallelism", default="10,32")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    emulator = Emulator(0, Path(os.devnull))
    url = emulator.url
    try:
        codes = seed(url)
        emulator.set_faults(latency_ms=args.latency_ms)  # after seeding, which runs without it
        print(f"{args.calls} getPreset calls, {args.latency_ms:g} ms latency per call")
        print(f"{'client':10} {'P':>3} {'wall s':>8} {'ideal s':>8} {'ratio':>6} {'mean ms':>8}")
        for parallelism in (int(p) for p in args.parallelism.split(",")):
            ideal = args.calls * args.latency_ms / 1000 / parallelism
            for name, run in CLIENTS:
                began = time.perf_counter()
                durations = run(url, codes, args.calls, parallelism)
                wall = time.perf_counter() - began
                mean = statistics.mean(durations) * 1000
                print(f"{name:10} {parallelism:>3} {wall:8.2f} {ideal:8.2f} "
                      f"{wall / ideal:6.2f} {mean:8.2f}")  # fmt: skip
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
