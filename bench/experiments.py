"""What-if prototypes of the core fixes the benchmark points at, applied by monkeypatching.

    python bench/run.py --profile large --experiment fanout,transport,planner

They exist to size a fix before it is made in pwconf itself; they change nothing on disk, and a
run with an experiment says so in its table and JSON. Once the core has the fix, the experiment
should show no further gain and can be deleted.

- fanout:    fetch._Fanout waits with concurrent.futures.wait(pending, FIRST_COMPLETED), which
             locks and installs a waiter on every pending future at each wake-up: O(pending) per
             completed call, quadratic over a fetch (up to 10,000 pending getPreset calls at
             100,000 entities). Here: a completion queue fed by add_done_callback, O(1).
- transport: ApiClient's requests.Session costs ~1 ms of CPU a call (prepare_request, cookies,
             hooks, runtime-checkable Protocol isinstance checks, urllib3 bookkeeping). Here: one
             http.client connection per thread, same request and the same response fields.
- planner:   build_plan: one pass grouping entities by kind, normalise once, no secret sealing
             for kinds without secrets, memoised canonical expressions, a type-strict equality
             check instead of two canonical JSON texts per pair, no dataclasses.replace, and the
             cyclic GC paused (as the manifest loader does). Digests and fingerprints are still
             computed, once per value.
"""

from __future__ import annotations

import gc
import hashlib
import http.client
import json
import queue
import threading
from typing import Any
from urllib.parse import urlsplit

NAMES = ("fanout", "transport", "planner")


def apply(names: list[str]) -> list[str]:
    applied = []
    for name in names:
        if name not in NAMES:
            raise SystemExit(f"unknown experiment {name!r} (known: {', '.join(NAMES)})")
        {"fanout": _fanout, "transport": _transport, "planner": _planner}[name]()
        applied.append(name)
    return applied


# --- fanout ---------------------------------------------------------------------------------


def _fanout() -> None:
    import pwconf.fetch as fetch

    class QueueFanout:
        def __init__(self, pool: Any, progress: Any) -> None:
            self.pool = pool
            self.progress = progress
            self.sent = 0
            self.done = 0
            self.finished: queue.SimpleQueue = queue.SimpleQueue()
            self.pending: set[Any] = set()

        def submit(self, call: Any, then: Any) -> None:
            future = self.pool.submit(call)
            self.pending.add(future)
            self.sent += 1
            future.add_done_callback(lambda f, then=then: self.finished.put((f, then)))

        def run(self) -> None:
            while self.pending:
                future, then = self.finished.get()
                self.pending.discard(future)
                self.done += 1
                then(future.result())
                if self.progress:
                    self.progress(self.done, self.sent)

    fetch._Fanout = QueueFanout  # type: ignore[misc,assignment]


# --- transport ------------------------------------------------------------------------------


class _Response:
    __slots__ = ("status_code", "reason", "headers", "_body")

    def __init__(self, status: int, reason: str, headers: dict[str, Any], body: bytes) -> None:
        self.status_code, self.reason, self.headers, self._body = status, reason, headers, body

    def json(self) -> Any:
        return json.loads(self._body)


class _LeanSession:
    """What ApiClient._attempt uses of a requests.Session: post(url, json=, timeout=)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def post(self, url: str, json: Any = None, timeout: Any = None) -> _Response:  # noqa: A002
        parts = urlsplit(url)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout[1])
            self._local.conn = conn
        body = _dumps(json).encode()
        conn.request(
            "POST",
            parts.path,
            body,
            {"Content-Type": "application/json", "Accept": "application/json"},
        )
        answer = conn.getresponse()
        data = answer.read()
        return _Response(
            answer.status, answer.reason, {"Retry-After": answer.getheader("Retry-After")}, data
        )

    def close(self) -> None:
        pass


_dumps = json.dumps


def _transport() -> None:
    from pwconf.api import client

    client.ApiClient._new_session = lambda self: _LeanSession()  # type: ignore[method-assign]


# --- planner --------------------------------------------------------------------------------


def _planner() -> None:
    from pwconf import diff, planner, runner
    from pwconf.kinds import segment
    from pwconf.model import KIND_ORDER, Entity, canonical_json, seal_secrets

    expressions: dict[tuple[str, int], str] = {}
    original_expression = segment.canonical_expression

    def canonical_expression(text: str, code_to_handle: Any = None) -> str:
        key = (text, id(code_to_handle) if code_to_handle else 0)
        found = expressions.get(key)
        if found is None:
            found = expressions[key] = original_expression(text, code_to_handle)
        return found

    texts: dict[int, tuple[Any, str]] = {}

    def canon(value: Any) -> str:
        hit = texts.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = canonical_json(value)
        texts[id(value)] = (value, text)
        return text

    def strict_equal(a: Any, b: Any) -> bool:
        if type(a) is not type(b):
            return False
        if type(a) is dict:
            return a.keys() == b.keys() and all(strict_equal(v, b[k]) for k, v in a.items())
        if type(a) is list:
            return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
        return a == b

    original_changed = diff.changed_paths

    def changed_paths(before: dict, after: dict) -> list:
        return [] if strict_equal(before, after) else original_changed(before, after)

    def digest(value: Any) -> str:
        return hashlib.sha256(canon(value).encode()).hexdigest()[:24]

    def live_fingerprint(entity: Any) -> str:
        return digest({"code": entity.code, "attrs": entity.attrs})

    groups: dict[int, tuple[Any, dict[str, dict]]] = {}

    def grouped(entities: dict) -> dict[str, dict]:
        hit = groups.get(id(entities))
        if hit is None or hit[0] is not entities:
            by_kind: dict[str, dict] = {k: {} for k in KIND_ORDER}
            for address, entity in entities.items():
                by_kind[address.kind][address] = entity
            hit = groups[id(entities)] = (entities, by_kind)
        return hit[1]

    def completed(kind: Any, live: Any, desired: Any, state: Any) -> Any:
        live = Entity(
            live.address, dict(live.attrs), live.code, live.position, live.field_positions
        )
        kind.complete_live(live, desired, state)
        live.attrs = kind.normalize(live.attrs)
        if desired is not None:
            for name in kind.unmanaged_when_absent:
                if desired.attrs.get(name) is None:
                    live.attrs[name] = None
        return live

    def pairs(kind: Any, desired: Any, live: Any, state: Any, scope: Any) -> list:
        wanted = {
            a: Entity(a, kind.normalize(e.attrs), e.code, e.position, e.field_positions)
            for a, e in grouped(desired.entities)[kind.name].items()
            if scope.is_full or scope.includes(a)
        }
        if kind.readable:
            found = grouped(live.entities)[kind.name]
        else:
            found = planner._live_from_state(kind, wanted, live, state)
        out = []
        secret = bool(kind.sensitive_fields)
        for address in sorted(wanted.keys() | found.keys(), key=lambda a: (a.app or "", a.name)):
            want, have = wanted.get(address), found.get(address)
            if have is not None and kind.readable:
                have = completed(kind, have, want, state)
            if want is None:
                cmp = None
            elif secret:
                cmp = kind.normalize(seal_secrets(want.attrs, state.salt))
            else:
                cmp = want.attrs
            out.append(planner._Pair(address, want, have, cmp))
        return out

    original_build = planner.build_plan

    def build_plan(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return original_build(*args, **kwargs)
        finally:
            texts.clear()
            groups.clear()
            if enabled:
                gc.enable()

    segment.canonical_expression = canonical_expression
    diff.changed_paths = changed_paths
    planner.digest = digest
    planner.live_fingerprint = live_fingerprint
    planner._pairs = pairs
    planner._completed = completed
    planner.build_plan = build_plan
    runner.build_plan = build_plan  # make_plan's own reference
