"""The apply report: one line per finished object, a replace counted once, the summaries."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pwconf.apply import ApplyResult, CallEvent, ChangeEvent
from pwconf.cli.progress import ReadProgress, StatusLine
from pwconf.cli.report import (
    ApplyReport,
    event_json,
    interrupted_text,
    summary_json,
    summary_text,
)
from pwconf.model import Address
from pwconf.plan import Action, Change, Plan
from pwconf.words import counted, duration


def tags(count: int) -> Plan:
    return Plan(
        changes=[Change(Address("tag", None, f"T{n:05d}"), Action.CREATE, "") for n in range(count)]
    )


def ok_call(address: Address, method: str = "addTag", warnings: tuple[str, ...] = ()) -> CallEvent:
    return CallEvent((address,), method, True, "200", "", 0.01, warnings)


class Clock:
    """A clock that moves only when told: 2.5 s after the apply started, by default."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def report_for(plan: Plan, *, every_object: bool) -> tuple[ApplyReport, list[str]]:
    lines: list[str] = []
    clock = Clock()
    report = ApplyReport(plan, echo=lines.append, every_object=every_object, clock=clock)
    clock.now = 2.5
    return report, lines


def test_ten_thousand_objects_make_ten_thousand_lines_not_one_per_call() -> None:
    plan = tags(10_000)
    report, lines = report_for(plan, every_object=True)

    for change in plan.changes:
        report.on_event(ok_call(change.address))
        report.on_event(ChangeEvent(change.address, "create", "done"))

    assert len(lines) == 10_000
    assert lines[0] == "done create tag.T00000"
    assert report.tally.done == 10_000 and report.tally.calls == 10_000


def test_on_a_terminal_only_what_needs_attention_is_printed() -> None:
    plan = tags(3)
    report, lines = report_for(plan, every_object=False)
    first, second, third = (change.address for change in plan.changes)

    report.on_event(ok_call(first))
    report.on_event(ChangeEvent(first, "create", "done"))
    report.on_event(ok_call(second, warnings=("over the plan",)))
    report.on_event(ChangeEvent(second, "create", "done"))
    report.on_event(CallEvent((third,), "addTag", False, "210", "addTag: bad name", 0.01))
    report.on_event(ChangeEvent(third, "create", "failed", "addTag: bad name"))

    assert lines == [
        "done create tag.T00001\n    warning: addTag: over the plan",
        "FAILED create tag.T00002: addTag: bad name (status 210)",
    ]
    assert report.progress_text() == "Applying: 3/3 changes, 1 failed, 2.5s elapsed, 1.2/s"


def test_a_batch_is_one_call_naming_every_object_and_each_object_gets_its_own_line() -> None:
    zones = [Address("geozone", "shop", name) for name in ("dock", "gate")]
    plan = Plan(changes=[Change(address, Action.CREATE, "") for address in zones])
    lines: list[str] = []
    report = ApplyReport(plan, echo=lines.append, every_object=True, as_json=True)
    batch = CallEvent(tuple(zones), "addGeoZone", True, "200", "OK", 0.02, (), ("retried",))

    report.on_event(batch)
    report.on_event(ChangeEvent(zones[0], "create", "done"))
    report.on_event(ChangeEvent(zones[1], "create", "failed", "addGeoZone: bad"))

    call = json.loads(lines[0])
    assert call["addresses"] == ["geozone.shop.dock", "geozone.shop.gate"]
    assert call["address"] == "geozone.shop.dock"
    assert [json.loads(line)["outcome"] for line in lines[1:]] == ["done", "failed"]
    assert report.tally.calls == 1 and (report.tally.done, report.tally.failed) == (1, 1)

    text: list[str] = []
    report = ApplyReport(plan, echo=text.append, every_object=True)
    report.on_event(batch)
    for address in zones:
        report.on_event(ChangeEvent(address, "create", "done"))
    assert text == [f"done create {a}\n    note: addGeoZone: retried" for a in zones]


def test_a_replace_is_one_change_finished_by_its_create() -> None:
    address = Address("preset", "shop", "welcome")
    plan = Plan(changes=[Change(address, Action.REPLACE, "content cannot be updated in place")])
    report, lines = report_for(plan, every_object=True)

    report.on_event(ChangeEvent(address, "delete", "done"))
    assert lines == [] and report.half_done() == [address]
    report.on_event(CallEvent((address,), "createPreset", False, "HTTP 503", "busy", 0.1))
    report.on_event(ChangeEvent(address, "create", "failed", "createPreset: busy"))

    assert lines == [
        "FAILED replace preset.shop.welcome: deleted, but the create failed: "
        "createPreset: busy (status HTTP 503)"
    ]
    assert (report.tally.done, report.tally.failed, report.tally.changes) == (0, 1, 1)


def test_summaries_count_changes_and_give_the_elapsed_time() -> None:
    plan = tags(2)
    report, _ = report_for(plan, every_object=True)
    for change in plan.changes:
        report.on_event(ok_call(change.address))
        report.on_event(ChangeEvent(change.address, "create", "done"))

    text = summary_text(report, ApplyResult(notes=["event.shop.Buy: adopted"]))
    assert text.splitlines() == [
        "note: event.shop.Buy: adopted",
        "Apply complete: 2 changes done in 2.5s (2 calls, 0 warnings).",
    ]
    assert '"elapsed_s": 2.5' in summary_json(report, ApplyResult())
    assert '"done": 2' in summary_json(report, ApplyResult())


def test_the_json_records_of_apply_have_exactly_their_documented_keys() -> None:
    address = Address("tag", None, "Age")
    call = json.loads(event_json(CallEvent((address,), "addTag", True, "200", "OK", 0.1)))
    change = json.loads(event_json(ChangeEvent(address, "create", "done")))
    report, _ = report_for(tags(1), every_object=True)
    summary = json.loads(summary_json(report, ApplyResult()))

    assert set(call) == {
        "type", "address", "addresses", "method", "ok", "status", "message", "duration",
        "warnings", "notes",
    }  # fmt: skip
    assert set(change) == {"type", "address", "step", "outcome", "detail"}
    assert set(summary) == {
        "type", "ok", "interrupted", "changes", "done", "failed", "skipped", "not_started",
        "warnings", "calls", "elapsed_s", "notes",
    }  # fmt: skip


def test_an_interrupted_apply_says_what_is_left_and_how_to_finish() -> None:
    replaced = Address("tag", None, "Plan")
    plan = tags(3)
    plan.changes.append(Change(replaced, Action.REPLACE, "type cannot be updated in place"))
    report, _ = report_for(plan, every_object=True)
    report.on_event(ChangeEvent(plan.changes[0].address, "create", "done"))
    report.on_event(ChangeEvent(replaced, "delete", "done"))

    text = interrupted_text(report, Path("m/.pwconf-state.json"), KeyboardInterrupt())

    lines = text.splitlines()
    assert lines[0] == "Interrupted: the calls in flight finished; no other call was started."
    assert lines[1] == (
        "Apply interrupted after 2.5s: 1 change done, 0 failed, 0 skipped, 2 not started, "
        "1 half done (0 calls, 0 warnings)."
    )
    assert lines[2] == "  tag.Plan: deleted, not created again yet"
    assert lines[3] == (
        "The state file m/.pwconf-state.json was saved; `pwconf apply` again finishes the job."
    )


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_read_counter_is_cleared_and_replaced_by_its_total() -> None:
    terminal = FakeTerminal()
    progress = ReadProgress(StatusLine(terminal, interval=0))

    progress(1, 4)
    progress(1_041, 1_042)
    progress.close()

    assert terminal.getvalue() == (
        "\r\x1b[KReading the account: 1/4 calls"
        "\r\x1b[KReading the account: 1,041/1,042 calls"
        "\r\x1b[K"
    )


def test_a_status_line_steps_aside_for_permanent_lines() -> None:
    terminal = FakeTerminal()
    status = StatusLine(terminal, interval=0)
    status.show("Applying: 1/2 changes")

    status.print_above(lambda: terminal.write("FAILED create tag.A: no\n"))

    assert terminal.getvalue() == (
        "\r\x1b[KApplying: 1/2 changes"
        "\r\x1b[KFAILED create tag.A: no\n"
        "\r\x1b[KApplying: 1/2 changes"
    )


def test_counts_are_worded_once() -> None:
    assert counted(1, "problem") == "1 problem"
    assert counted(2, "problem") == "2 problems"
    assert counted(10_000, "change") == "10,000 changes"
    assert [duration(s) for s in (0.04, 9.96, 42.4, 187, 3725)] == [
        "0.0s", "10.0s", "42s", "3m 07s", "1h 02m",
    ]


def test_on_a_terminal_the_progress_line_follows_each_event_below_the_printed_lines() -> None:
    terminal = FakeTerminal()
    plan = tags(2)
    clock = Clock()
    report = ApplyReport(
        plan,
        echo=lambda text: terminal.write(text + "\n"),
        every_object=False,
        status=StatusLine(terminal, interval=0),
        clock=clock,
    )
    first, second = (change.address for change in plan.changes)

    report.on_event(ChangeEvent(first, "create", "failed", "addTag: bad"))
    report.on_event(ChangeEvent(second, "create", "done"))

    assert terminal.getvalue() == (
        "FAILED create tag.T00000: addTag: bad\n"
        "\r\x1b[KApplying: 1/2 changes, 1 failed, 0.0s elapsed"
        "\r\x1b[KApplying: 2/2 changes, 1 failed, 0.0s elapsed"
    )
