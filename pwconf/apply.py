"""Carry out a plan: calls in dependency order, each outcome reported as an event.

Order (contract §10): every delete, bottom-up by kind; then creates and updates, top-down. A
replace is its delete in the first pass and its create in the second. Within one kind, up to
`parallelism` calls run at once. A failed change skips what depends on it; independent work
finishes. Events go to the `on_event` callback.

Calls are spared where the contract allows: creates and deletes of a kind that takes a list
(geozones) go in one call per application and level, one by one only when the server refuses
the batch as a whole; the codes of new entities whose create returns none (presets) are read in
one call per application after the level's creates, only when a later change needs them. Each
object still has its own outcome, journal record and dependents.

What a change records is in the state's journal, on the disk, before the change is reported
finished (`pwconf.state`); the state file is rewritten once, at the end, also after Ctrl-C.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pwconf.errors import ApiError, PwconfError
from pwconf.kinds import KIND_ORDER, REGISTRY
from pwconf.kinds.application import record_matched_codes
from pwconf.kinds.base import ApplyContext, Batch, LiveView, unsendable
from pwconf.model import Address, digest
from pwconf.plan import Change, Plan
from pwconf.state import State


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


@dataclass
class _Step:
    change: Change
    action: str  # create | update | delete
    needs: set[tuple[Address, str]] = field(default_factory=set)

    @property
    def key(self) -> tuple[Address, str]:
        return (self.change.address, self.action)


@dataclass(frozen=True)
class _ObservedApi:
    """The API, each call told as a CallEvent for the changes at `addresses`."""

    # underscored, so that no name of the API it stands for is hidden by one of its own
    _api: Any
    _emit: Callable[[Event], None]
    _addresses: tuple[Address, ...]

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._api, name)
        if not callable(target):
            return target

        def observed(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                result = target(*args, **kwargs)
            except ApiError as exc:
                status = str(exc.status_code or f"HTTP {exc.http_status}")
                took = time.monotonic() - started
                self._emit(
                    CallEvent(self._addresses, exc.method or name, False, status, exc.message, took)
                )
                raise
            self._emit(
                CallEvent(
                    self._addresses,
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
        for action in change.action.json_actions:
            steps[change.address, action] = _Step(change, action)
    _link_dependencies(steps)
    deletes: dict[str, list[_Step]] = {kind: [] for kind in reversed(KIND_ORDER)}
    writes: dict[str, list[_Step]] = {kind: [] for kind in KIND_ORDER}
    for (address, action), step in steps.items():
        (deletes if action == "delete" else writes)[address.kind].append(step)
    return [level for level in (*deletes.values(), *writes.values()) if level]


def _link_dependencies(steps: dict[tuple[Address, str], _Step]) -> None:
    for step in steps.values():
        if step.action != "delete":  # after its own delete (a replace), and what it points at
            wanted = [(step.change.address, "delete")]
            wanted += [(ref, a) for ref in step.change.depends_on for a in ("create", "update")]
            step.needs = {key for key in wanted if key in steps}
    # A delete waits for the deletes of whatever refers to its entity (bottom-up).
    deleting = {
        step.change.address: step
        for step in steps.values()
        if step.action == "delete" and step.change.live is not None
    }
    for address, step in deleting.items():
        for target in REGISTRY[address.kind].references(step.change.live):
            if target in deleting:
                deleting[target].needs.add(step.key)


class Applier:
    def __init__(
        self,
        api: Any,
        state: State,
        view: LiveView,
        codes: dict[Address, str],
        parallelism: int = 10,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self._emit_lock = threading.Lock()
        self._on_event = on_event
        self.result = ApplyResult()
        self.api = api
        self.state = state
        self.ctx = ApplyContext(view, codes, state, notes=self.result.notes)
        self.parallelism = parallelism
        self.outcomes: dict[tuple[Address, str], str] = {}

    def _observed(self, *addresses: Address) -> _ObservedApi:
        return _ObservedApi(self.api, self._emit, addresses)

    def _emit(self, event: Event) -> None:
        with self._emit_lock:
            if isinstance(event, CallEvent):
                self.result.calls += 1
                self.result.warnings += len(event.warnings)
            else:
                setattr(self.result, event.outcome, getattr(self.result, event.outcome) + 1)
            if self._on_event:
                self._on_event(event)

    def run(self, plan: Plan) -> ApplyResult:
        self._plan = plan
        self.state.start_journal()
        unchanged = _unchanged_digests(plan)  # needs no API call: it overlaps the calls
        levels = plan_steps(plan)
        self._needed = {key for level in levels for step in level for key in step.needs}
        self._held: dict[tuple[str, str | None], list[_Step]] = {}
        self._one_by_one: list[_Step] = []
        self._lock = threading.Lock()
        try:
            with ThreadPoolExecutor(self.parallelism, thread_name_prefix="apply") as pool:
                for level in levels:
                    self._run_level(pool, level)
            # What the plan left alone matches the manifests: remembered for drift checks.
            self.state.record_applied_many(unchanged.result())
            record_matched_codes(self.state, self.ctx.view.code_by_handle)
        finally:
            self._finish_held()
            self.state.save()
        return self.result

    def _run_level(self, pool: ThreadPoolExecutor, level: list[_Step]) -> None:
        runnable = []
        for step in level:
            blocked = [key for key in step.needs if self.outcomes.get(key) != "done"]
            if blocked:
                why = ", ".join(f"{address} ({action})" for address, action in sorted(blocked))
                self._finish(step, "skipped", f"depends on {why}")
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
        api = self._observed(change.address)
        try:
            if step.action == "delete":
                kind.delete(api, change.live, self.ctx)
            elif step.action == "create":
                kind.create(api, change.desired, self.ctx)
                if kind.codes_read_back and step.key in self._needed:
                    with self._lock:  # finished once its code is read back
                        self._held.setdefault((kind.name, change.address.app), []).append(step)
                    return
            else:
                paths = [f.path for f in change.fields]
                kind.update(api, change.desired, change.live, paths, self.ctx)
            self._record(step)
        except _SEND_ERRORS as exc:
            self._finish(step, "failed", _why(exc))
        else:
            self._finish(step, "done")

    def _run_batch(self, steps: list[_Step]) -> None:
        """One call for many; what the server refused as a whole waits to be sent one by one."""
        kind = REGISTRY[steps[0].change.address.kind]
        api = self._observed(*(step.change.address for step in steps))
        try:
            if steps[0].action == "delete":
                batch = kind.delete_batch(api, [step.change.live for step in steps], self.ctx)
            else:
                batch = kind.create_batch(api, [s.change.desired for s in steps], self.ctx)
        except _SEND_ERRORS as exc:
            batch = Batch({step.change.address: _why(exc) for step in steps})
        retried = set(batch.one_by_one)
        with self._lock:
            self._one_by_one += [step for step in steps if step.change.address in retried]
        for step in steps:
            if step.change.address in batch.failed:
                self._finish(step, "failed", batch.failed[step.change.address])
        left = retried | batch.failed.keys()
        self._finish_done([step for step in steps if step.change.address not in left])

    def _read_back_codes(self, group: tuple[str, str | None]) -> None:
        """One read for the codes of a group's new entities, which are finished only then."""
        with self._lock:
            steps = self._held.pop(group, [])
        if not steps:
            return
        api = self._observed(*(step.change.address for step in steps))
        try:
            REGISTRY[group[0]].read_back_codes(api, [s.change.desired for s in steps], self.ctx)
        except PwconfError as exc:
            for step in steps:
                self._finish(step, "failed", exc.message)
            return
        self._finish_done(steps)

    def _finish_held(self) -> None:
        """Created entities still waiting for their codes when the apply stops (Ctrl-C, or a
        bug raised): they were created, so they are recorded and done."""
        with self._lock:
            held, self._held = self._held, {}
        for steps in held.values():
            self._finish_done(steps)

    def _finish_done(self, steps: list[_Step]) -> None:
        """Each recorded, then each finished: one journal sync covers them all."""
        for step in steps:
            self._record(step)
        for step in steps:
            self._finish(step, "done")

    def _record(self, step: _Step) -> None:
        address = str(step.change.address)
        if step.action == "delete":
            self.ctx.codes.pop(step.change.address, None)  # a later create learns the new one
            self.state.record_applied(address, None)
        else:
            self.state.record_applied(address, self._plan.desired_digest(address))

    def _finish(self, step: _Step, outcome: str, detail: str = "") -> None:
        if outcome != "skipped":
            # On the disk before the change counts as finished: no later level, report or
            # kill can see it done and unrecorded.
            self.state.sync_journal()
        self.outcomes[step.key] = outcome
        self._emit(ChangeEvent(step.change.address, step.action, outcome, detail))


# What a change cannot be sent for: the server's refusal, or a value no call can carry.
_SEND_ERRORS = (PwconfError, KeyError, TypeError, ValueError)


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, PwconfError) else unsendable(exc)


def _batched(steps: list[_Step]) -> tuple[list[_Step], list[list[_Step]]]:
    """The steps sent one by one, and the groups sent as one call (by kind and application)."""
    singles: list[_Step] = []
    groups: dict[tuple[str, str, str | None], list[_Step]] = {}
    for step in steps:
        address = step.change.address
        kind = REGISTRY[address.kind]
        if kind.batched and step.action != "update":
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


def _unchanged_digests(plan: Plan) -> Future[list[tuple[str, str]]]:
    """(address, digest) of every desired entity the plan does not change, taken on a daemon
    thread: all P workers stay free for calls, and an interrupted apply does not wait for it."""
    future: Future[list[tuple[str, str]]] = Future()

    def run() -> None:
        touched = {c.address for c in plan.changes}
        values = plan.desired_values.items()
        try:
            future.set_result([(str(a), digest(v)) for a, v in values if a not in touched])
        except BaseException as exc:  # handed over to whoever asks for the result
            future.set_exception(exc)

    threading.Thread(target=run, name="apply-digests", daemon=True).start()
    return future
