"""Read the live account: no more calls than the contract requires, run concurrently.

The calls form a shallow tree, and each follow-up is sent as soon as what it needs arrives:

    getApplications p1 ──▶ pages 2..N ──▶ per managed application:
    listTags                               listPresets ──▶ getPreset × presets,
    listFilters                            getApplication, listGeoZoneClusters, listGeoZones
"""

from __future__ import annotations

import asyncio
import math
import operator
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial

from pwconf.api.client import ApiClient
from pwconf.api.pushwoosh import Pushwoosh, Read, Reads, Rows, page_count
from pwconf.errors import ManifestError, Problem
from pwconf.gc_pause import cyclic_gc_paused
from pwconf.kinds import REGISTRY
from pwconf.kinds.base import Kind, LiveView
from pwconf.model import ACCOUNT_WIDE, Address, DesiredState, Entity

Progress = Callable[[int, int], None]
Continuation = Callable[[Rows], None]
EntitySink = Callable[[Entity, LiveView], None]
# Work that needs only the matched applications, done between answers when no rows wait;
# it yields after each small step.
Background = Callable[[LiveView], Iterator[None]]

# Rows are converted in slices this long between answers, so that converting a large list
# (5,000 segment expressions take ~0.4 s) never holds every connection's answer back.
CONVERT_SLICE_S = 0.001
_DONE = object()  # what next() gives for background work that has ended


@dataclass(frozen=True)
class Scope:
    """What a plan may look at: every entity, or only some applications and addresses."""

    apps: frozenset[str] = frozenset()
    targets: frozenset[Address] = frozenset()

    @property
    def is_full(self) -> bool:
        return not self.apps and not self.targets

    def includes(self, address: Address) -> bool:
        if self.is_full:
            return True
        if address in self.targets:
            return True
        app = address.name if address.kind == "application" else address.app
        return app is not None and app in self.apps

    def kinds(self) -> set[str]:
        if self.is_full or self.apps:
            return set(REGISTRY)
        return {a.kind for a in self.targets}


@dataclass
class LiveState:
    entities: dict[Address, Entity] = field(default_factory=dict)
    view: LiveView = field(default_factory=LiveView)
    unmatched_apps: dict[str, str] = field(default_factory=dict)  # code -> title
    calls: int = 0


class _Fanout:
    """Reads sent from one thread's event loop over up to `parallelism` keep-alive connections.

    A finished read's rows go to its continuation, which may send follow-ups: continuations
    run on the loop, between answers, so nothing needs a lock. The converter's backlog is
    worked through in slices of CONVERT_SLICE_S, taking turns with the answers. The first failure
    (an ApiError after the client's retries, or a row that can not be converted) ends the fetch.
    """

    def __init__(
        self, client: ApiClient, parallelism: int, progress: Progress | None, rows: _Converter
    ) -> None:
        self.client = client
        self.parallelism = max(1, parallelism)
        self.progress = progress
        self.rows = rows
        self.queue: asyncio.Queue[tuple[Read, Continuation]] = asyncio.Queue()
        self.finished: asyncio.Future[None] | None = None
        self.error: BaseException | None = None
        self.converting: asyncio.Task[None] | None = None
        self.sent = 0
        self.done = 0

    def submit(self, read: Read, then: Continuation) -> None:
        self.sent += 1
        self.queue.put_nowait((read, then))

    async def run(self, start: Callable[[], None]) -> None:
        self.finished = asyncio.get_running_loop().create_future()
        start()
        if self.sent == 0:
            return
        workers = [asyncio.create_task(self._worker()) for _ in range(self.parallelism)]
        try:
            await self.finished
        finally:
            if self.converting is not None:
                workers.append(self.converting)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self.error is not None:
            raise self.error

    async def _worker(self) -> None:
        connection = self.client.async_connection()
        try:
            while True:
                read, then = await self.queue.get()
                try:
                    result = await self.client.read_async(read.method, read.fields, connection.post)
                    then(read.rows(result.response or {}))
                except asyncio.CancelledError:
                    raise
                except BaseException as exc:  # handed to run(), which raises it
                    self._end(exc)
                    return
                if self.rows.pending and self.converting is None:
                    self.converting = asyncio.create_task(self._convert())
                self.done += 1
                if self.progress:
                    self.progress(self.done, self.sent)
                if self.done == self.sent:
                    self._end(None)
        finally:
            await connection.aclose()

    async def _convert(self) -> None:
        try:
            while self.rows.pending:
                self.rows.convert_for(CONVERT_SLICE_S)
                await asyncio.sleep(0)  # answers that came in meanwhile are read
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._end(exc)
        finally:
            self.converting = None

    def _end(self, error: BaseException | None) -> None:
        # The first error is kept even when the last answer already ended the fetch in this
        # loop turn: the converting task can fail after it.
        if error is not None and self.error is None:
            self.error = error
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(None)


def fetch_live(
    api: Pushwoosh,
    desired: DesiredState,
    *,
    known_codes: dict[str, str] | None = None,
    parallelism: int = 10,
    scope: Scope | None = None,
    progress: Progress | None = None,
    titles: Mapping[str, str] | None = None,
    on_entity: EntitySink | None = None,
    background: Background | None = None,
) -> LiveState:
    """`titles`: the account's applications ({code: title}) when the caller has read them
    already, so that getApplications is not paged through twice. `on_entity` is handed each
    live entity in scope as soon as it is converted (the planner decides it then);
    `background` starts once the applications are matched and is run to its end."""
    scope = scope or Scope()
    live = LiveState()
    rows = _Converter(live, scope, on_entity, background)
    fanout = _Fanout(api.client, parallelism, progress, rows)
    start = partial(_fetch_account, fanout, rows, live, desired, known_codes or {}, titles)
    with cyclic_gc_paused():
        asyncio.run(fanout.run(start))
        live.entities = rows.entities()
    live.calls = fanout.sent
    return live


class _Converter:
    """Turns raw rows into entities while the fetch is still running.

    A row is queued for conversion as soon as the names it refers to are known: every kind
    needs the application handles (known once applications are matched); a kind with
    `names_from` also needs every row of those kinds for its application. Until then it waits.
    The queue is first in, first out, so the rows that name are converted before the rows
    that refer to them.
    """

    def __init__(
        self,
        live: LiveState,
        scope: Scope,
        on_entity: EntitySink | None = None,
        background: Background | None = None,
    ) -> None:
        self.live = live
        self.scope = scope
        self.on_entity = on_entity
        self.background = background
        self.idle_work: Iterator[None] | None = None
        self.by_kind: dict[str, dict[Address, Entity]] = {k: {} for k in REGISTRY}
        # kind -> the kinds whose rows name entities of it (geozone names presets, clusters)
        self.dependents: dict[str, list[str]] = {}
        for kind in REGISTRY.values():
            for name in kind.names_from:
                self.dependents.setdefault(name, []).append(kind.name)
        self.calls_out: dict[tuple[str, str | None], int] = {}
        self.waiting: dict[tuple[str, str | None], list[dict]] = {}
        self.backlog: deque[tuple[str, str | None, Iterator[dict]]] = deque()
        self.started = False

    def expect(self, kind_name: str, app: str | None) -> None:
        """One more call whose rows of `kind_name` for `app` are still to come."""
        key = (kind_name, app)
        self.calls_out[key] = self.calls_out.get(key, 0) + 1

    def finish(self, kind_name: str, app: str | None) -> None:
        key = (kind_name, app)
        self.calls_out[key] -= 1
        if self.calls_out[key] == 0:
            for dependent in self.dependents.get(kind_name, ()):
                self._release(dependent, app)

    def add(self, kind_name: str, app: str | None, rows: Rows) -> None:
        """Rows of one answer: queued for conversion if they can be, else kept until they can."""
        if self._ready(kind_name, app):
            self.backlog.append((kind_name, app, iter(rows)))
        else:
            self.waiting.setdefault((kind_name, app), []).extend(rows)

    def start(self) -> None:
        """Applications are matched: convert what was waiting only for their handles."""
        self.started = True
        for kind_name, app in list(self.waiting):
            self._release(kind_name, app)
        if self.background is not None:
            self.idle_work = self.background(self.live.view)

    @property
    def pending(self) -> bool:
        return bool(self.backlog) or self.idle_work is not None

    def convert_for(self, seconds: float) -> None:
        """Convert queued rows for about `seconds` (at least one step); the background work
        runs only when no row is queued."""
        deadline = time.perf_counter() + seconds
        while self.backlog:
            kind_name, app, rows = self.backlog[0]
            for row in rows:
                self._convert(kind_name, app, row)
                if time.perf_counter() >= deadline:
                    if not operator.length_hint(rows):
                        self.backlog.popleft()
                    return
            self.backlog.popleft()
        while self.idle_work is not None:
            if next(self.idle_work, _DONE) is _DONE:
                self.idle_work = None
            elif time.perf_counter() >= deadline:
                return

    def entities(self) -> dict[Address, Entity]:
        """Every call has answered (a failed one ends the fetch), so nothing is waiting."""
        self.convert_for(math.inf)
        return {a: e for found in self.by_kind.values() for a, e in found.items()}

    def _ready(self, kind_name: str, app: str | None) -> bool:
        if not self.started:
            return False
        names_from = REGISTRY[kind_name].names_from
        return all(self.calls_out.get((name, app), 0) == 0 for name in names_from)

    def _release(self, kind_name: str, app: str | None) -> None:
        if (kind_name, app) in self.waiting and self._ready(kind_name, app):
            self.backlog.append((kind_name, app, iter(self.waiting.pop((kind_name, app)))))

    def _convert(self, kind_name: str, app: str | None, row: dict) -> None:
        entity = REGISTRY[kind_name].to_entity(row, app, self.live.view)
        if entity is None:
            return
        found = self.by_kind[kind_name]
        # Names are unique within their kind and application [decided]: should the service
        # ever list one twice, the first row is the entity and the second is ignored.
        if entity.address in found:
            return
        if kind_name in self.dependents:
            self.live.view.learn_name(entity)
        if not self.scope.includes(entity.address):
            return
        found[entity.address] = entity
        if self.on_entity is not None:
            self.on_entity(entity, self.live.view)


def _fetch_account(
    fanout: _Fanout,
    rows: _Converter,
    live: LiveState,
    desired: DesiredState,
    known_codes: dict[str, str],
    known_titles: Mapping[str, str] | None,
) -> None:
    """Send the first reads; each answer's continuation sends what follows from it."""
    titles: dict[str, str] = dict(known_titles or {})
    scope = rows.scope
    kinds = scope.kinds()
    pages_out = [1]

    def read_applications() -> None:
        # Every application is known: the per-application reads go out now, without
        # waiting for the account-wide lists, which only need converting.
        for code, handle in _match(live, desired, titles, known_codes, scope):
            _fetch_application(fanout, code, handle, kinds, rows)
        rows.start()

    def on_page(page: Rows) -> None:
        titles.update(page[0].get("applications") or {})
        pages_out[0] -= 1
        if pages_out[0] == 0:
            read_applications()

    def on_first_page(page: Rows) -> None:
        last_page = page_count(page[0])
        pages_out[0] += last_page - 1
        for number in range(2, last_page + 1):
            fanout.submit(Reads.get_applications(number), on_page)
        on_page(page)

    def on_account_list(kind_name: str) -> Continuation:
        def then(found: Rows) -> None:
            rows.add(kind_name, None, found)
            rows.finish(kind_name, None)

        return then

    if known_titles is None:
        fanout.submit(Reads.get_applications(1), on_first_page)
    for kind_name in ACCOUNT_WIDE:
        if kind_name in kinds:
            rows.expect(kind_name, None)
            fanout.submit(REGISTRY[kind_name].list_read(None), on_account_list(kind_name))
    if known_titles is not None:
        read_applications()


def _match(
    live: LiveState,
    desired: DesiredState,
    titles: dict[str, str],
    known_codes: dict[str, str],
    scope: Scope,
) -> list[tuple[str, str]]:
    """Match live applications to the manifests'; (code, handle) of those the scope reads."""
    matched = match_applications(desired, titles, known_codes)
    for code, handle in matched.items():
        live.view.learn_application(handle, code)
    live.unmatched_apps = {c: t for c, t in titles.items() if c not in matched}
    return [
        (code, handle)
        for code, handle in matched.items()
        if scope.includes(Address("application", None, handle)) or _app_has_targets(scope, handle)
    ]


def _app_has_targets(scope: Scope, handle: str) -> bool:
    return any(t.app == handle for t in scope.targets)


def _fetch_application(
    fanout: _Fanout, code: str, handle: str, kinds: set[str], rows: _Converter
) -> None:
    """Lists whose rows need a second read go first (they are on the critical path); the other
    reads follow this application's second reads, so that the large lists spread over the
    fetch instead of all arriving at once and stalling every answer behind their decoding."""

    def keep(kind_name: str) -> Continuation:
        def then(found: Rows) -> None:
            rows.add(kind_name, handle, found)
            rows.finish(kind_name, handle)

        return then

    def read_the_rest() -> None:
        for kind in plain:
            rows.expect(kind.name, handle)
            fanout.submit(kind.list_read(code), partial(on_list, kind, False))

    def on_list(kind: Kind, detail: bool, found: Rows) -> None:
        if detail:
            for row in found:
                rows.expect(kind.name, handle)
                fanout.submit(kind.detail_read(row), keep(kind.name))
        else:
            rows.add(kind.name, handle, found)
        rows.finish(kind.name, handle)
        if detail:
            details_listed.append(kind)
            if len(details_listed) == len(detailed):
                read_the_rest()

    wanted = set(kinds)
    for kind_name in kinds:
        wanted |= REGISTRY[kind_name].names_from
    per_application = sorted(wanted.difference(ACCOUNT_WIDE))  # read by application code
    readable = [REGISTRY[k] for k in per_application if REGISTRY[k].readable]
    detailed = [k for k in readable if k.needs_detail and k.name in kinds]
    plain = [k for k in readable if k not in detailed]
    details_listed: list[Kind] = []
    for kind in detailed:
        rows.expect(kind.name, handle)
        fanout.submit(kind.list_read(code), partial(on_list, kind, True))
    if not detailed:
        read_the_rest()


def match_applications(
    desired: DesiredState, titles: dict[str, str], known_codes: dict[str, str] | None = None
) -> dict[str, str]:
    """Live application code -> desired handle: by `code:` when given, else by the code pwconf
    recorded for the handle (so a renamed title stays the same application), else by title."""
    codes_by_title: dict[str, list[str]] = {}
    for code, title in titles.items():
        codes_by_title.setdefault(title, []).append(code)
    matched: dict[str, str] = {}
    problems: list[Problem] = []
    for app in desired.of_kind("application"):
        recorded = (known_codes or {}).get(app.name)
        if not app.code and recorded in titles:
            code, problem = recorded, None
        else:
            code, problem = _match_one(app, titles, codes_by_title)
        if problem:
            problems.append(problem)
        elif code and code in matched:
            problems.append(
                Problem(
                    f"application {app.name!r} and {matched[code]!r} both match {code}",
                    app.position,
                )
            )
        elif code:
            matched[code] = app.name
    if problems:
        raise ManifestError(problems)
    return matched


def _match_one(
    app: Entity, titles: dict[str, str], codes_by_title: dict[str, list[str]]
) -> tuple[str | None, Problem | None]:
    if app.code:
        if app.code not in titles:
            return None, Problem(
                f"application {app.name!r}: code {app.code} is not in the account; "
                "fix the code, or remove it to match by title",
                app.position,
            )
        return app.code, None
    candidates = codes_by_title.get(app.attrs["title"], [])
    if len(candidates) > 1:
        return None, Problem(
            f"application {app.name!r}: {len(candidates)} live applications are titled "
            f"{app.attrs['title']!r} ({', '.join(sorted(candidates))}); add `code:` to choose one",
            app.position,
        )
    return (candidates[0] if candidates else None), None
