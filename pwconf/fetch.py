"""Read the live account: no more calls than the contract requires, run concurrently.

The calls form a shallow tree, and each follow-up is sent as soon as what it needs arrives:

    getApplications p1 ──▶ pages 2..N ──▶ per managed application:
    listTags                               getApplication, listPresets ──▶ getPreset × presets,
    listFilters                            listGeoZoneClusters, listGeoZones
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pwconf.errors import ManifestError, Problem
from pwconf.kinds import REGISTRY
from pwconf.kinds.base import LiveView
from pwconf.model import ACCOUNT_WIDE, APP_SCOPED, Address, DesiredState, Entity

Progress = Callable[[int, int], None]


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
    """A pool whose finished calls may send follow-ups; continuations run on this thread.

    Finished calls arrive through a queue: waiting on every pending future at each wake-up
    would cost time quadratic in the thousands of calls in flight.
    """

    def __init__(self, pool: ThreadPoolExecutor, progress: Progress | None) -> None:
        self.pool = pool
        self.pending: set[Future] = set()
        self.finished: queue.SimpleQueue = queue.SimpleQueue()
        self.progress = progress
        self.sent = 0
        self.done = 0

    def submit(self, call: Callable[[], Any], then: Callable[[Any], None]) -> None:
        future = self.pool.submit(call)
        self.pending.add(future)
        self.sent += 1
        future.add_done_callback(lambda f: self.finished.put((f, then)))

    def run(self) -> None:
        while self.pending:
            future, then = self.finished.get()
            self.pending.discard(future)
            self.done += 1
            then(future.result())
            if self.progress:
                self.progress(self.done, self.sent)


def fetch_live(
    api: Any,
    desired: DesiredState,
    *,
    known_codes: dict[str, str] | None = None,
    parallelism: int = 10,
    scope: Scope | None = None,
    progress: Progress | None = None,
) -> LiveState:
    scope = scope or Scope()
    live = LiveState()
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="fetch") as pool:
        fanout = _Fanout(pool, progress)
        try:
            _fetch_account(api, fanout, live, desired, scope, known_codes or {})
        except BaseException:
            for future in fanout.pending:
                future.cancel()
            raise
    live.calls = fanout.sent
    return live


def _fetch_account(
    api: Any,
    fanout: _Fanout,
    live: LiveState,
    desired: DesiredState,
    scope: Scope,
    known_codes: dict[str, str],
) -> None:
    titles: dict[str, str] = {}
    raw_by_kind: dict[str, list[tuple[str | None, dict]]] = {k: [] for k in REGISTRY}
    kinds = scope.kinds()

    def on_page(result: Any) -> None:
        titles.update(result.response.get("applications") or {})

    def on_first_page(result: Any) -> None:
        on_page(result)
        for page in range(2, int(result.response.get("total") or 1) + 1):
            fanout.submit(lambda page=page: api.get_applications(page=page), on_page)

    fanout.submit(lambda: api.get_applications(page=1), on_first_page)
    for kind_name in ACCOUNT_WIDE:
        if kind_name in kinds:
            kind = REGISTRY[kind_name]
            fanout.submit(
                lambda kind=kind: kind.list_raw(api, None),
                lambda rows, k=kind_name: raw_by_kind[k].extend((None, r) for r in rows),
            )
    fanout.run()

    matched = match_applications(desired, titles, known_codes)
    live.view.code_by_handle.update({h: c for c, h in matched.items()})
    live.view.handle_by_code.update(matched)
    live.unmatched_apps = {c: t for c, t in titles.items() if c not in matched}
    in_scope = [
        (code, handle)
        for code, handle in matched.items()
        if scope.includes(Address("application", None, handle)) or _app_has_targets(scope, handle)
    ]
    # Lists whose rows need a second read are on the critical path: they go out first.
    for critical in (True, False):
        for code, handle in in_scope:
            _fetch_application(api, fanout, code, handle, kinds, raw_by_kind, critical)
    fanout.run()
    _build_entities(live, raw_by_kind, scope)


def _app_has_targets(scope: Scope, handle: str) -> bool:
    return any(t.app == handle for t in scope.targets)


def _fetch_application(
    api: Any,
    fanout: _Fanout,
    code: str,
    handle: str,
    kinds: set[str],
    raw_by_kind: dict[str, list[tuple[str | None, dict]]],
    critical: bool,
) -> None:
    def keep(kind_name: str) -> Callable[[Any], None]:
        return lambda row: raw_by_kind[kind_name].append((handle, row))

    if "application" in kinds and not critical:
        fanout.submit(
            lambda: api.get_application(code),
            lambda r: keep("application")(r.response.get("application") or {"code": code}),
        )
    wanted = set(kinds)
    for kind_name in kinds:
        wanted |= REGISTRY[kind_name].names_from
    for kind_name in sorted(wanted & APP_SCOPED):
        kind = REGISTRY[kind_name]
        detail = kind.needs_detail and kind_name in kinds
        if not kind.readable or detail != critical:
            continue

        def on_list(rows: list[dict], kind=kind, kind_name=kind_name, detail=detail) -> None:
            for row in rows:
                if detail:
                    fanout.submit(lambda row=row: kind.detail_raw(api, code, row), keep(kind_name))
                else:
                    keep(kind_name)(row)

        fanout.submit(lambda kind=kind: kind.list_raw(api, code), on_list)


def _build_entities(
    live: LiveState, raw_by_kind: dict[str, list[tuple[str | None, dict]]], scope: Scope
) -> None:
    """Convert in dependency order, so that names a kind needs (names_from) are known first."""
    view = live.view
    named = {name for kind in REGISTRY.values() for name in kind.names_from}
    for kind_name, rows in raw_by_kind.items():
        kind = REGISTRY[kind_name]
        for handle, row in rows:
            entity = kind.to_entity(row, handle, view)
            if entity is None:
                continue
            if kind_name in named:
                view.learn_name(entity)
            if scope.includes(entity.address):
                live.entities[entity.address] = entity


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
