"""How an apply is reported: change by change (a replace is one, finished when both its delete
and its create are), as text or JSON lines, then a closing summary.

    done create geozone.shop.gate
    FAILED create segment.lapsed: createFilter: Invalid expiration_date (status 210)
    skipped create preset.shop.comeback: depends on segment.lapsed (create)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from pwconf.apply import ApplyResult, CallEvent, ChangeEvent, Event
from pwconf.cli.interrupt import Terminated
from pwconf.cli.progress import StatusLine
from pwconf.model import Address
from pwconf.plan import Action, Plan
from pwconf.printable import printable
from pwconf.words import counted, duration

OUTCOME_COLORS = {"done": "green", "failed": "red", "skipped": "yellow"}


@dataclass
class _Object:
    """One change of the plan as its steps finish."""

    action: Action
    steps: tuple[str, ...]
    finished_steps: dict[str, ChangeEvent] = field(default_factory=dict)
    failed_status: str = ""
    remarks: list[str] = field(default_factory=list)  # `warning: ...`, `note: ...`

    @property
    def finished(self) -> bool:
        return len(self.finished_steps) == len(self.steps)

    @property
    def outcome(self) -> str:
        outcomes = {event.outcome for event in self.finished_steps.values()}
        if "failed" in outcomes:
            return "failed"
        return "skipped" if "skipped" in outcomes else "done"


@dataclass
class Tally:
    """Changes by outcome so far, and the calls and warnings that went with them."""

    changes: int = 0  # in the plan
    done: int = 0
    failed: int = 0
    skipped: int = 0
    calls: int = 0
    warnings: int = 0

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def not_started(self) -> int:
        return self.changes - self.finished


class ApplyReport:
    """Reports an apply's events (`on_event`, called one at a time). `echo` prints a line, above
    the progress `status` line if there is one; with `every_object` every finished change is
    printed, not only those that failed, were skipped or had warnings."""

    def __init__(
        self,
        plan: Plan,
        *,
        echo: Callable[[str], None],
        every_object: bool,
        status: StatusLine | None = None,
        color: bool = False,
        as_json: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._objects = {
            change.address: _Object(change.action, tuple(change.action.json_actions))
            for change in plan.changes
        }
        self.tally = Tally(changes=len(self._objects))
        self._echo = echo
        self._every_object = every_object
        self._status = status
        self._color = color
        self._as_json = as_json
        self._clock = clock
        self._started = clock()
        self.printed = 0

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def on_event(self, event: Event) -> None:
        if self._as_json:
            self._print(event_json(event))
        if isinstance(event, CallEvent):
            self._on_call(event)
        else:
            self._on_step(event)
        if self._status is not None:
            last = self.tally.finished == self.tally.changes
            self._status.show(self.progress_text(), now=last)

    def progress_text(self) -> str:
        """`Applying: 120/10,000 changes, 2 failed, 34s elapsed, 3.5/s`."""
        tally, elapsed = self.tally, self.elapsed
        parts = [f"Applying: {tally.finished:,}/{counted(tally.changes, 'change')}"]
        parts.append(f"{tally.failed:,} failed")
        if tally.skipped:
            parts.append(f"{tally.skipped:,} skipped")
        parts.append(f"{duration(elapsed)} elapsed")
        if elapsed > 0:
            parts.append(f"{tally.finished / elapsed:,.1f}/s")
        return ", ".join(parts)

    def half_done(self) -> list[Address]:
        """Replaced objects whose delete was done and whose create has not run."""
        objects = self._objects.items()
        return [address for address, item in objects if item.finished_steps and not item.finished]

    def _on_call(self, event: CallEvent) -> None:
        """One call, counted once; what it said goes to every object it was made for."""
        self.tally.calls += 1
        self.tally.warnings += len(event.warnings)
        reported = (self._objects[a] for a in event.addresses if a in self._objects)
        for item in reported:
            item.remarks += [f"warning: {event.method}: {text}" for text in event.warnings]
            item.remarks += [f"note: {event.method}: {text}" for text in event.notes]
            if not event.ok:
                item.failed_status = event.status

    def _on_step(self, event: ChangeEvent) -> None:
        item = self._objects.get(event.address)
        if item is None or event.step in item.finished_steps:
            return
        item.finished_steps[event.step] = event
        if not item.finished:
            return
        outcome = item.outcome
        setattr(self.tally, outcome, getattr(self.tally, outcome) + 1)
        if not self._as_json and (self._every_object or outcome != "done" or item.remarks):
            self._print(object_text(event.address, item, self._color))

    def _print(self, text: str) -> None:
        self.printed += 1
        if self._status is None:
            self._echo(text)
        else:
            self._status.print_above(lambda: self._echo(text))


def object_text(address: Address, item: _Object, color: bool) -> str:
    """`done create tag.Age`, or the outcome with why, then its warnings and notes."""
    word = "FAILED" if item.outcome == "failed" else item.outcome
    word = click.style(word, fg=OUTCOME_COLORS[item.outcome], bold=True) if color else word
    detail = _detail(item)
    line = f"{word} {item.action.value} {printable(str(address))}"
    line += f": {printable(detail)}" if detail else ""
    return "\n".join([line, *(f"    {printable(remark)}" for remark in item.remarks)])


def _detail(item: _Object) -> str:
    outcome = item.outcome
    if outcome == "done":
        return ""
    step = next(s for s in item.steps if item.finished_steps[s].outcome == outcome)
    detail = item.finished_steps[step].detail
    if outcome == "failed" and item.failed_status:
        detail += f" (status {item.failed_status})"
    if item.action is Action.REPLACE:
        if step == "delete":
            return f"the delete {outcome}: {detail}"
        if item.finished_steps["delete"].outcome == "done":
            return f"deleted, but the create {outcome}: {detail}"
    return detail


def summary_text(report: ApplyReport, result: ApplyResult) -> str:
    """The notes, then `Apply complete: 12 changes done in 3.4s (14 calls, 0 warnings).`"""
    tally = report.tally
    lines = [f"note: {note}" for note in result.notes]
    counts = _counts_text(tally)
    timing = f"in {duration(report.elapsed)} ({_calls_text(tally)})"
    if tally.failed or tally.skipped:
        lines.append(f"Apply incomplete: {counts} {timing}.")
        lines.append("Run `pwconf plan` to see what is left; `pwconf apply` again finishes it.")
    else:
        lines.append(f"Apply complete: {counts} {timing}.")
    return "\n".join(lines)


def interrupted_text(
    report: ApplyReport, state_file: Path | None, interrupt: KeyboardInterrupt
) -> str:
    """What an interrupted apply did and did not do, and how to finish it."""
    signal_name = "Terminated (SIGTERM)" if isinstance(interrupt, Terminated) else "Interrupted"
    tally, half_done = report.tally, report.half_done()
    counts = f"{_counts_text(tally)}, {tally.not_started - len(half_done):,} not started"
    if half_done:
        counts += f", {len(half_done):,} half done"
    lines = [
        f"{signal_name}: the calls in flight finished; no other call was started.",
        f"Apply interrupted after {duration(report.elapsed)}: {counts} ({_calls_text(tally)}).",
    ]
    lines += [f"  {address}: deleted, not created again yet" for address in half_done]
    saved = f"The state file {state_file} was saved" if state_file else "Nothing was saved"
    lines.append(f"{saved}; `pwconf apply` again finishes the job.")
    return "\n".join(lines)


def _counts_text(tally: Tally) -> str:
    text = f"{counted(tally.done, 'change')} done"
    if tally.failed or tally.skipped or tally.not_started:
        text += f", {tally.failed:,} failed, {tally.skipped:,} skipped"
    return text


def _calls_text(tally: Tally) -> str:
    return f"{counted(tally.calls, 'call')}, {counted(tally.warnings, 'warning')}"


def event_json(event: Event) -> str:
    if isinstance(event, CallEvent):
        record: dict[str, Any] = {
            "type": "call",
            # the first object it was made for; `addresses` names all of a batch
            "address": str(event.addresses[0]),
            "addresses": [str(address) for address in event.addresses],
            "method": event.method,
            "ok": event.ok,
            "status": event.status,
            "message": event.message,
            "duration": round(event.duration, 4),
            "warnings": list(event.warnings),
            "notes": list(event.notes),
        }
    else:
        record = {
            "type": "change",
            "address": str(event.address),
            "step": event.step,
            "outcome": event.outcome,
            "detail": event.detail,
        }
    return json.dumps(record, sort_keys=True)


def summary_json(
    report: ApplyReport, result: ApplyResult | None, *, interrupted: bool = False
) -> str:
    """The closing JSON line. Counts are of changes (a replace is one), as in the plan."""
    tally = report.tally
    return json.dumps(
        {
            "type": "summary",
            "ok": not interrupted and not tally.failed and not tally.skipped,
            "interrupted": interrupted,
            "changes": tally.changes,
            "done": tally.done,
            "failed": tally.failed,
            "skipped": tally.skipped,
            "not_started": tally.not_started,
            "warnings": tally.warnings,
            "calls": tally.calls,
            "elapsed_s": round(report.elapsed, 3),
            "notes": result.notes if result is not None else [],
        },
        sort_keys=True,
    )
