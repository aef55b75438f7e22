"""How apply's events look on a terminal and as JSON lines."""

from __future__ import annotations

import json
from typing import Any

import click

from pwconf.apply import ApplyResult, CallEvent, ChangeEvent, Event

OUTCOME_STYLE = {
    "done": ("green", "done"),
    "failed": ("red", "FAILED"),
    "skipped": ("yellow", "skipped"),
}


def event_text(event: Event, color: bool) -> str:
    if isinstance(event, CallEvent):
        return _call_text(event, color)
    return _change_text(event, color)


def _call_text(event: CallEvent, color: bool) -> str:
    status = "OK" if event.ok and not event.warnings else event.status
    if not event.ok:
        status = click.style(status, fg="red") if color else status
    line = f"  {event.address}: {event.method} {status} ({event.duration:.2f}s)"
    if not event.ok:
        line += f": {event.message}"
    extra = [f"    warning: {w}" for w in event.warnings] + [f"    note: {n}" for n in event.notes]
    return "\n".join([line, *extra])


def _change_text(event: ChangeEvent, color: bool) -> str:
    fg, word = OUTCOME_STYLE[event.outcome]
    word = click.style(word, fg=fg, bold=True) if color else word
    detail = f": {event.detail}" if event.detail else ""
    return f"{word} {event.step} {event.address}{detail}"


def summary_text(result: ApplyResult) -> str:
    lines = [f"note: {note}" for note in result.notes]
    verdict = "Apply complete" if result.ok else "Apply incomplete"
    lines.append(
        f"{verdict}: {result.done} done, {result.failed} failed, {result.skipped} skipped, "
        f"{result.warnings} warning(s), {result.calls} call(s)."
    )
    if not result.ok:
        lines.append("Run `pwconf plan` to see what is left; `pwconf apply` again finishes it.")
    return "\n".join(lines)


def event_json(event: Event) -> str:
    if isinstance(event, CallEvent):
        record: dict[str, Any] = {
            "type": "call",
            "address": str(event.address),
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


def summary_json(result: ApplyResult) -> str:
    return json.dumps(
        {
            "type": "summary",
            "ok": result.ok,
            "done": result.done,
            "failed": result.failed,
            "skipped": result.skipped,
            "warnings": result.warnings,
            "calls": result.calls,
            "notes": result.notes,
        },
        sort_keys=True,
    )
