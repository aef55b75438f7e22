"""`pwconf apply`: plan, confirm, then make the calls in order and report each change."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from pwconf.apply import ApplyResult
from pwconf.cli.interrupt import exit_code, ignore_further_signals, terminate_like_interrupt
from pwconf.cli.options import planning_command, use_color
from pwconf.cli.plan_cmd import planning_session, server_label
from pwconf.cli.progress import StatusLine, ticking
from pwconf.cli.report import ApplyReport, interrupted_text, summary_json, summary_text
from pwconf.errors import PlanRefused, UsageError
from pwconf.fetch import Scope
from pwconf.model import Address
from pwconf.plan import Plan
from pwconf.render import plan_to_dict, render_text
from pwconf.runner import Connection, Planned, run_apply
from pwconf.savedplan import check_manifests_reachable, check_saved, load_saved


@planning_command(
    click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation."),
    click.option(
        "--plan",
        "plan_file",
        type=click.Path(dir_okay=False),
        help="Apply a plan saved with `pwconf plan --out`, if the account has not changed since.",
    ),
    click.option("--allow-data-loss", is_flag=True, help="Allow changes that destroy stored data."),
    click.option("--json", "as_json", is_flag=True, help="Stream the report as JSON lines."),
)
def apply(
    auto_approve: bool,
    plan_file: str | None,
    allow_data_loss: bool,
    as_json: bool,
    no_color: bool,
    **kw: Any,
) -> None:
    """Make the account match the manifests.

    Off a terminal, one line per finished change; on one, a progress line on stderr and a line
    for each change that failed, was skipped or had warnings. Ctrl-C or SIGTERM lets the calls
    in flight finish, saves the state file and reports what is left (exit 130 or 143).
    """
    saved = load_saved(Path(plan_file)) if plan_file else None
    if saved is not None:
        if not kw["paths"]:
            check_manifests_reachable(saved)
            kw["paths"] = tuple(saved.manifest_files)
        kw["scope"] = Scope(targets=frozenset(map(Address.parse, saved.touched)))
    color = use_color(no_color)
    terminate_like_interrupt()
    with planning_session(**kw, lock_for="pwconf apply") as (conn, planned):
        plan = planned.plan
        if saved is not None:
            check_saved(saved, plan, server_label(conn))
        if as_json:
            click.echo(json.dumps({"type": "plan", "plan": plan_to_dict(plan)}, sort_keys=True))
        else:
            click.echo(render_text(plan, color=color))
        if not plan.changes:
            return
        _check_data_loss(plan, allow_data_loss)
        if saved is None and not auto_approve:
            _confirm()
        result, report = _run(conn, planned, as_json, color)
    if as_json:
        click.echo(summary_json(report, result))
    else:
        click.echo(("\n" if report.printed else "") + summary_text(report, result))
    if report.tally.failed or report.tally.skipped:
        sys.exit(1)


def _run(
    conn: Connection, planned: Planned, as_json: bool, color: bool
) -> tuple[ApplyResult, ApplyReport]:
    """The apply with its report; an interrupted apply is reported, then exits 130 or 143."""
    status = StatusLine.on_stderr()
    report = ApplyReport(
        planned.plan,
        echo=click.echo,
        every_object=status is None or not sys.stdout.isatty(),
        status=status,
        color=color,
        as_json=as_json,
    )
    if not as_json:
        click.echo()  # the plan above, the report below
    try:
        with ticking(status, report.progress_text):
            return run_apply(conn, planned, report.on_event), report
    except KeyboardInterrupt as interrupt:
        ignore_further_signals()
        # The applier saved the state on its way out; saving again makes sure of it, even when
        # the signal struck during that save.
        planned.state.save()
        if as_json:
            click.echo(summary_json(report, None, interrupted=True))
        else:
            text = interrupted_text(report, planned.state.path, interrupt)
            click.echo(("\n" if report.printed else "") + text)
        raise SystemExit(exit_code(interrupt)) from None


def _check_data_loss(plan: Plan, allowed: bool) -> None:
    losing = [str(c.address) for c in plan.changes if c.data_loss]
    if losing and not allowed:
        raise PlanRefused(
            "the plan destroys stored data: " + ", ".join(losing),
            hint="review the plan; if this is meant, run again with --allow-data-loss",
        )


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise UsageError(
            "no terminal to confirm the plan on",
            hint="review the plan and run again with --auto-approve",
        )
    click.echo("\nDo you want to perform these actions? Only 'yes' will be accepted.")
    answer = click.prompt("Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        raise PlanRefused("apply cancelled: nothing was changed")
