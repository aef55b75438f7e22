"""Carry out a plan: calls in dependency order, each outcome reported as an event.

Order (contract §10): first every delete, bottom-up by kind; then creates and updates, top-down.
A replace is its delete in the first pass and its create in the second. Within one kind, up to
`parallelism` calls run at once. A failed change skips whatever depends on it, while
independent work finishes. The core never prints: events go to the `on_event` callback.

Calls are spared where the contract allows: the creates of a kind that takes a list
(`Kind.batch_creates`: geozones) go in one call per application and level, sent one by one only
when the server refuses the batch as a whole; a kind whose create returns no code
(`Kind.codes_read_back`: presets) has the codes of one application's new entities read in one
call after the level's creates, and only when a later change needs them. Each object still has
its own outcome, journal record and dependents.

What each change records in the state goes to the state's journal as it is recorded and is on
the disk before the change is reported finished (`pwconf.journal`); the state file itself is
rewritten once, at the end, also after Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from pwconf.errors import ApiError, PwconfError
from pwconf.kinds import KIND_ORDER, REGISTRY
from pwconf.kinds.base import ApplyContext, Batch, LiveView
from pwconf.model import Address, Entity, digest
from pwconf.plan import Action, Change, Plan
from pwconf.state import State

T = TypeVar("T")


@dataclass(frozen=True)
class CallEvent:
    """One API call, made for the changes at `addresses` (more than one for a batch)."""

    addresses: tuple[Address, ...]
    method: str
    ok: bool
    status: str  # "200", "210", "HTTP 503", ...
    message: str
    duration: float
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeEvent:
    """The outcome of one change: done, failed or skipped."""

    address: Address
    step: str  # "create", "update", "delete"
    outcome: str  # "done", "failed", "skipped"
    detail: str = ""


Event = CallEvent | ChangeEvent


@dataclass
class ApplyResult:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    warnings: int = 0
    calls: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.skipped == 0


@dataclass
class _Step:
    change: Change
    action: str  # create | update | delete
    needs: set[tuple[Address, str]] = field(default_factory=set)

    @property
    def key(self) -> tuple[Address, str]:
        return (self.change.address, self.action)


class _ObservedApi:
    """Wraps the API so that every call becomes a CallEvent tied to the change making it."""

    def __init__(self, api: Any, emit: Callable[[Event], None]) -> None:
        self._api = api
        self._emit = emit
        self._local = threading.local()

    def for_addresses(self, *addresses: Address) -> None:
        self._local.addresses = addresses

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._api, name)
        if not callable(target):
            return target

        def observed(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            addresses = self._local.addresses
            try:
                result = target(*args, **kwargs)
            except ApiError as exc:
                status = str(exc.status_code or f"HTTP {exc.http_status}")
                self._emit(
                    CallEvent(
                        addresses,
                        exc.method or name,
                        False,
                        status,
                        exc.message,
                        time.monotonic() - started,
                    )
                )
                raise
            self._emit(
                CallEvent(
                    addresses,
                    result.method,
                    True,
                    str(result.status_code),
                    result.message,
                    result.duration,
                    tuple(result.warnings),
                    tuple(result.notes),
                )
            )
            return result

        return observed


def plan_steps(plan: Plan) -> list[list[_Step]]:
    """The steps grouped in levels: deletes bottom-up, then creates and updates top-down."""
    steps: dict[tuple[Address, str], _Step] = {}
    for change in plan.changes:
        for action in _actions_of(change):
            step = _Step(change, action)
            steps[step.key] = step
    _link_dependencies(steps)
    deletes = [
        [s for s in steps.values() if s.action == "delete" and s.change.address.kind == k]
        for k in reversed(KIND_ORDER)
    ]
    writes = [
        [s for s in steps.values() if s.action != "delete" and s.change.address.kind == k]
        for k in KIND_ORDER
    ]
    return [level for level in deletes + writes if level]


def _actions_of(change: Change) -> list[str]:
    return [] if change.action is Action.NOOP else change.action.json_actions


def _link_dependencies(steps: dict[tuple[Address, str], _Step]) -> None:
    for step in steps.values():
        change = step.change
        if step.action == "delete":
            continue
        if (change.address, "delete") in steps:
            step.needs.add((change.address, "delete"))
        for ref in change.depends_on:
            step.needs |= {(ref, a) for a in ("create", "update") if (ref, a) in steps}
    # A delete waits for the deletes of whatever refers to its entity (bottom-up).
    deleting = {
        step.change.address: step
        for step in steps.values()
        if step.action == "delete" and step.change.live is not None
    }
    for step in deleting.values():
        for target in _live_refs(step.change.live):
            if target in deleting:
                deleting[target].needs.add(step.key)


def _live_refs(entity: Entity) -> list[Address]:
    return REGISTRY[entity.kind].references(entity)


class Applier:
    def __init__(
        self,
        api: Any,
        state: State,
        view: LiveView,
        codes: dict[Address, str],
        *,
        parallelism: int = 10,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self._emit_lock = threading.Lock()
        self._on_event = on_event
        self.result = ApplyResult()
        self.api = _ObservedApi(api, self._emit)
        self.state = state
        self.ctx = ApplyContext(view, codes, state)
        self.parallelism = parallelism
        self.outcomes: dict[tuple[Address, str], str] = {}

    def _emit(self, event: Event) -> None:
        with self._emit_lock:
            if isinstance(event, CallEvent):
                self.result.calls += 1
                self.result.warnings += len(event.warnings)
            if self._on_event:
                self._on_event(event)

    def run(self, plan: Plan) -> ApplyResult:
        self._plan = plan
        self.state.check_writable()
        self.state.start_journal()
        # Digesting what the plan leaves alone needs no API call: it overlaps the calls.
        unchanged = _in_background(_unchanged_digests, plan)
        levels = plan_steps(plan)
        self._needed = {key for level in levels for step in level for key in step.needs}
        self._held: dict[tuple[str, str | None], list[_Step]] = {}
        self._one_by_one: list[_Step] = []
        self._lock = threading.Lock()
        try:
            with ThreadPoolExecutor(self.parallelism, thread_name_prefix="apply") as pool:
                for level in levels:
                    self._run_level(pool, level)
            self._record_unchanged(unchanged.result())
        finally:
            self._finish_held()
            self.result.notes.extend(self.ctx.notes)
            self.state.save()
        return self.result

    def _run_level(self, pool: ThreadPoolExecutor, level: list[_Step]) -> None:
        runnable = []
        for step in level:
            blocked = [key for key in step.needs if self.outcomes.get(key) != "done"]
            if blocked:
                self._finish(
                    step,
                    "skipped",
                    "depends on "
                    + ", ".join(f"{address} ({action})" for address, action in sorted(blocked)),
                )
            else:
                runnable.append(step)
        singles, batches = _batched(runnable)
        jobs = [partial(self._run_step, step) for step in singles]
        _run_jobs(pool, jobs + [partial(self._run_batch, steps) for steps in batches])
        retried, self._one_by_one = self._one_by_one, []
        _run_jobs(pool, [partial(self._run_step, step) for step in retried])
        _run_jobs(pool, [partial(self._read_back_codes, group) for group in list(self._held)])

    def _run_step(self, step: _Step) -> None:
        change, kind = step.change, REGISTRY[step.change.address.kind]
        self.api.for_addresses(change.address)
        try:
            if step.action == "delete":
                kind.delete(self.api, change.live, self.ctx)
                self.state.record_applied(str(change.address), None)
            elif step.action == "create":
                kind.create(self.api, change.desired, self.ctx)
                if kind.codes_read_back and step.key in self._needed:
                    self._hold(step)  # finished once its code is read back
                    return
                self._record(change)
            else:
                paths = [f.path for f in change.fields]
                kind.update(self.api, change.desired, change.live, paths, self.ctx)
                self._record(change)
        except PwconfError as exc:
            self._finish(step, "failed", exc.message)
        except (KeyError, TypeError, ValueError) as exc:
            self._finish(step, "failed", f"cannot send this change: {exc!r}")
        else:
            self._finish(step, "done")

    def _run_batch(self, steps: list[_Step]) -> None:
        """Creates (or deletes) of one kind and application in one call; creates the server
        refused as a whole wait to be sent one by one, after the level's other calls."""
        kind = REGISTRY[steps[0].change.address.kind]
        deleting = steps[0].action == "delete"
        self.api.for_addresses(*(step.change.address for step in steps))
        try:
            if deleting:
                batch = kind.delete_batch(self.api, [step.change.live for step in steps], self.ctx)
            else:
                batch = kind.create_batch(self.api, [s.change.desired for s in steps], self.ctx)
        except PwconfError as exc:
            batch = Batch({step.change.address: exc.message for step in steps})
        except (KeyError, TypeError, ValueError) as exc:
            why = f"cannot send this change: {exc!r}"
            batch = Batch({step.change.address: why for step in steps})
        retried = set(batch.one_by_one)
        with self._lock:
            self._one_by_one += [step for step in steps if step.change.address in retried]
        failed = [step for step in steps if step.change.address in batch.failed]
        left = retried | batch.failed.keys()
        done = [step for step in steps if step.change.address not in left]
        for step in done:
            if deleting:
                self.state.record_applied(str(step.change.address), None)
            else:
                self._record(step.change)
        for step in failed:
            self._finish(step, "failed", batch.failed[step.change.address])
        for step in done:
            self._finish(step, "done")

    def _hold(self, step: _Step) -> None:
        group = (step.change.address.kind, step.change.address.app)
        with self._lock:
            self._held.setdefault(group, []).append(step)

    def _take_held(self, group: tuple[str, str | None]) -> list[_Step]:
        with self._lock:
            return self._held.pop(group, [])

    def _read_back_codes(self, group: tuple[str, str | None]) -> None:
        """One read for the codes of one application's new entities of one kind; until it
        answers they are not finished."""
        steps = self._take_held(group)
        if not steps:
            return
        self.api.for_addresses(*(step.change.address for step in steps))
        entities = [step.change.desired for step in steps]
        try:
            REGISTRY[group[0]].read_back_codes(self.api, entities, self.ctx)
        except PwconfError as exc:
            for step in steps:
                self._finish(step, "failed", exc.message)
            return
        self._finish_created(steps)

    def _finish_held(self) -> None:
        """Created entities still waiting for their codes when the apply stops (Ctrl-C, or a
        bug raised): they were created, so they are recorded and done."""
        for group in list(self._held):
            self._finish_created(self._take_held(group))

    def _finish_created(self, steps: list[_Step]) -> None:
        for step in steps:
            self._record(step.change)
        for step in steps:
            self._finish(step, "done")

    def _record(self, change: Change) -> None:
        address = str(change.address)
        self.state.record_applied(address, self._plan.desired_digest(address))

    def _record_unchanged(self, digests: list[tuple[str, str]]) -> None:
        """Entities the plan left alone match the manifests: remember them for drift checks."""
        self.state.record_applied_many(digests)
        for handle, code in self.ctx.view.code_by_handle.items():
            self.state.record_application(handle, code)

    def _finish(self, step: _Step, outcome: str, detail: str = "") -> None:
        if outcome != "skipped":
            # On the disk before the change counts as finished: no later level, report or
            # kill can see it done and unrecorded.
            self.state.sync_journal()
        self.outcomes[step.key] = outcome
        with self._emit_lock:
            setattr(self.result, outcome, getattr(self.result, outcome) + 1)
        self._emit(ChangeEvent(step.change.address, step.action, outcome, detail))


def _batched(steps: list[_Step]) -> tuple[list[_Step], list[list[_Step]]]:
    """The steps sent one by one, and the groups sent as one call: the creates or deletes of a
    kind that takes a list, by application."""
    singles: list[_Step] = []
    groups: dict[tuple[str, str, str | None], list[_Step]] = {}
    for step in steps:
        address = step.change.address
        kind = REGISTRY[address.kind]
        if (step.action == "create" and kind.batch_creates) or (
            step.action == "delete" and kind.batch_deletes
        ):
            groups.setdefault((step.action, address.kind, address.app), []).append(step)
        else:
            singles.append(step)
    singles += [group[0] for group in groups.values() if len(group) == 1]
    return singles, [group for group in groups.values() if len(group) > 1]


def _run_jobs(pool: ThreadPoolExecutor, jobs: list[Callable[[], None]]) -> None:
    """Every job on the pool; on Ctrl-C those not started are cancelled (those running end)."""
    futures = [pool.submit(job) for job in jobs]
    try:
        wait(futures)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    for future in futures:
        future.result()  # a bug in a step is raised here, not left as a step never finished


def _in_background(function: Callable[[Plan], T], plan: Plan) -> Future[T]:
    """`function(plan)` on a daemon thread: all P workers stay free for calls, and an
    interrupted apply does not wait for it."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(function(plan))
        except BaseException as exc:  # handed over to whoever asks for the result
            future.set_exception(exc)

    threading.Thread(target=run, name="apply-digests", daemon=True).start()
    return future


def _unchanged_digests(plan: Plan) -> list[tuple[str, str]]:
    """(address, digest) of every desired entity the plan does not change."""
    touched = {c.address for c in plan.changes}
    return [
        (str(address), digest(value))
        for address, value in plan.desired_values.items()
        if address not in touched
    ]
