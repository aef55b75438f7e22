"""Read the live account: no more calls than the contract requires, P at a time.

The reads go out in phases over one pool of P threads, each read as soon as what it needs is
known, so the critical path is three calls long:

    getApplications p1 ──▶ pages 2..N ──▶ per application in scope: its lists ──▶ getPreset ×N
    listTags, listFilters (account-wide, sent first)

Once every answer is in, the rows become entities, kind by kind in registry order: a kind whose
rows point at others by code (geozones at presets and clusters) comes after them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field

from pwconf.api.pushwoosh import Pushwoosh, Read, Reads, Rows, page_count, page_titles
from pwconf.errors import ArgumentError, ManifestError, Problem
from pwconf.kinds import ACCOUNT_WIDE, CONTAINER, REGISTRY, application_of
from pwconf.kinds.application import match_code
from pwconf.kinds.base import Kind, LiveView
from pwconf.model import Address, DesiredState, Entity

Progress = Callable[[int, int], None]
Answer = tuple[str, str | None, Rows]  # kind, application handle (None: account-wide), rows


@dataclass(frozen=True)
class Scope:
    """What a plan may look at: every entity, or only some applications and addresses."""

    apps: frozenset[str] = frozenset()
    targets: frozenset[Address] = frozenset()

    @property
    def is_full(self) -> bool:
        return not self.apps and not self.targets

    def includes(self, address: Address) -> bool:
        if self.is_full or address in self.targets:
            return True
        app = application_of(address)
        return app is not None and app in self.apps

    def kinds(self) -> set[str]:
        if self.is_full or self.apps:
            return set(REGISTRY)
        return {a.kind for a in self.targets}


@dataclass
class LiveState:
    entities: dict[Address, Entity] = field(default_factory=dict)
    view: LiveView = field(default_factory=LiveView)
    calls: int = 0


class _Reader:
    """Reads sent over a pool of `parallelism` threads; counts them for progress."""

    def __init__(self, api: Pushwoosh, parallelism: int, progress: Progress | None) -> None:
        self.api = api
        self.pool = ThreadPoolExecutor(max(1, parallelism), thread_name_prefix="pwconf-read")
        self.progress = progress
        self.sent = 0
        self.done = 0
        self._lock = threading.Lock()

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # on an error the reads not yet started are dropped; those in flight finish
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, read: Read) -> Future[Rows]:
        """The rows of `read` and, for a paged list, of every page after it."""
        with self._lock:
            self.sent += 1
        return self.pool.submit(self.api.rows, read, self._page_done)

    def _page_done(self, more: bool) -> None:
        with self._lock:
            self.done += 1
            self.sent += more
            done, sent = self.done, self.sent
        if self.progress:
            self.progress(done, sent)


def fetch_live(
    api: Pushwoosh,
    desired: DesiredState,
    *,
    known_codes: dict[str, str] | None = None,
    parallelism: int = 10,
    scope: Scope | None = None,
    progress: Progress | None = None,
    titles: Mapping[str, str] | None = None,
) -> LiveState:
    """The live entities in `scope`. `titles`: the account's applications ({code: title}) when
    the caller has read them already, so that getApplications is not paged through twice."""
    scope = scope or Scope()
    kinds = scope.kinds()
    live = LiveState()
    with _Reader(api, parallelism, progress) as reader:
        account_wide = {
            kind_name: reader.submit(REGISTRY[kind_name].list_read(None))
            for kind_name in ACCOUNT_WIDE
            if kind_name in kinds
        }
        all_titles = dict(titles) if titles is not None else _read_titles(reader)
        matched = _match(live, desired, all_titles, known_codes or {}, scope)
        answers = _read_applications(reader, matched, kinds)
        answers += [
            (name, None, _account_wide_rows(reader, REGISTRY[name], future, all_titles))
            for name, future in account_wide.items()
        ]
        live.calls = reader.sent
    live.entities = _convert(answers, live.view, scope)
    return live


def _read_titles(reader: _Reader) -> dict[str, str]:
    """Every application's {code: title}: page 1, then the other pages at once."""
    first = reader.submit(Reads.get_applications(1)).result()
    rest = [reader.submit(Reads.get_applications(n)) for n in range(2, page_count(first[0]) + 1)]
    titles: dict[str, str] = {}
    for rows in [first, *_results(rest)]:  # a page's one row is the answer itself
        titles.update(page_titles(rows[0]))
    return titles


def _account_wide_rows(
    reader: _Reader, kind: Kind, listed: Future[Rows], titles: Mapping[str, str]
) -> Rows:
    """The rows of an account-wide list; when the server refuses it (210) and the kind allows,
    one list per application of the account instead (listFilters: the current documentation
    marks `application` required, contract §11). A row listed twice is kept once by _convert."""
    try:
        return listed.result()
    except ArgumentError:
        if not kind.per_application_when_refused:
            raise
    per_application = _results(reader.submit(kind.list_read(code)) for code in titles)
    return [row for rows in per_application for row in rows]


def _read_applications(
    reader: _Reader, matched: list[tuple[str, str]], kinds: set[str]
) -> list[Answer]:
    """Every list of every matched application, and the second reads its rows need. The lists
    whose rows need a second read go first: they are on the critical path."""
    wanted = kinds | pointed_at(kinds)
    readable = [
        kind
        for name, kind in REGISTRY.items()
        if name in wanted and name not in ACCOUNT_WIDE and kind.readable
    ]
    detailed = [kind for kind in readable if kind.needs_detail and kind.name in kinds]
    ordered = detailed + [kind for kind in readable if kind not in detailed]
    lists: dict[Future[Rows], tuple[Kind, str]] = {}
    for kind in ordered:
        for code, handle in matched:
            lists[reader.submit(kind.list_read(code))] = (kind, handle)
    answers: list[Answer] = []
    details: list[tuple[Future[Rows], Kind, str]] = []
    for future in as_completed(lists):
        kind, handle = lists[future]
        if kind in detailed:
            for row in future.result():  # the first failure is raised at once
                details.append((reader.submit(kind.detail_read(row)), kind, handle))
        else:
            answers.append((kind.name, handle, future.result()))
    _results(future for future, _, _ in details)
    answers += [(kind.name, handle, future.result()) for future, kind, handle in details]
    return answers


def pointed_at(kinds: Iterable[str]) -> set[str]:
    """The kinds that entities of `kinds` point at by code. Their lists are read even outside
    the scope, and converted first: they are what turns those codes into names."""
    return {target for name in kinds for _, target in REGISTRY[name].pointers}


def _results(futures: Iterable[Future[Rows]]) -> list[Rows]:
    """Every result, in order; the first failure is raised as soon as it happens."""
    pending = list(futures)
    done, _ = wait(pending, return_when=FIRST_EXCEPTION)
    for future in done:
        future.result()
    return [future.result() for future in pending]


def _convert(answers: list[Answer], view: LiveView, scope: Scope) -> dict[Address, Entity]:
    """The entities of every answer (emptied on the way), kind by kind in registry order, so
    that the names a kind points at by code are known before its rows are converted."""
    order = {kind_name: index for index, kind_name in enumerate(REGISTRY)}
    named = pointed_at(REGISTRY)
    entities: dict[Address, Entity] = {}
    seen: set[Address] = set()
    answers.sort(key=lambda answer: order[answer[0]], reverse=True)
    while answers:  # each answer's rows are let go once converted
        kind_name, app, rows = answers.pop()
        kind = REGISTRY[kind_name]
        for row in rows:
            entity = kind.to_entity(row, app, view)
            # Names are unique within their kind and application [decided]: should the service
            # ever list one twice, the first row is the entity and the second is ignored.
            if entity is None or entity.address in seen:
                continue
            seen.add(entity.address)
            if kind_name in named:
                view.learn_name(entity)
            if scope.includes(entity.address):
                entities[entity.address] = entity
    return entities


def _match(
    live: LiveState,
    desired: DesiredState,
    titles: dict[str, str],
    known_codes: dict[str, str],
    scope: Scope,
) -> list[tuple[str, str]]:
    """Match live applications to the manifests' (`application.match_code`); (code, handle) of
    those the scope reads."""
    codes_by_title: dict[str, list[str]] = {}
    for code, title in titles.items():
        codes_by_title.setdefault(title, []).append(code)
    matched: dict[str, str] = {}
    problems: list[Problem] = []
    for app in desired.of_kind(CONTAINER):
        code, problem = match_code(app, titles, codes_by_title, known_codes.get(app.name))
        if not problem and code in matched:
            problem = f"application {app.name!r} and {matched[code]!r} both match {code}"
        if problem:
            problems.append(Problem(problem, app.position))
        elif code:
            matched[code] = app.name
            live.view.learn_application(app.name, code)
    if problems:
        raise ManifestError(problems)
    live.view.listed_titles.update(titles)
    return [
        (code, handle)
        for code, handle in matched.items()
        if scope.includes(Address(CONTAINER, None, handle))
        or any(target.app == handle for target in scope.targets)
    ]
