"""`pwconf apply`: plan, confirm, then make the calls in order and report each one."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import click

from pwconf.cli.options import (
    api_options,
    color_option,
    lock_timeout_option,
    manifest_options,
    reports_errors,
    scope_options,
    use_color,
)
from pwconf.cli.plan_cmd import planning_session, server_label
from pwconf.cli.report import event_json, event_text, summary_json, summary_text
from pwconf.errors import PlanRefused, UsageError
from pwconf.fetch import Scope
from pwconf.plan import Plan
from pwconf.render import plan_to_dict, render_text
from pwconf.runner import run_apply
from pwconf.savedplan import SavedPlan, addresses_from, load_saved, stale_objects


@click.command()
@manifest_options
@api_options
@scope_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="Apply a plan saved with `pwconf plan --out`, if the account has not changed since.",
)
@click.option("--allow-data-loss", is_flag=True, help="Allow changes that destroy stored data.")
@click.option("--json", "as_json", is_flag=True, help="Stream the report as JSON lines.")
@lock_timeout_option
@color_option
@reports_errors
def apply(
    auto_approve: bool, plan_file: str | None, allow_data_loss: bool, as_json: bool, **kw: Any
) -> None:
    """Make the account match the manifests."""
    saved = load_saved(Path(plan_file)) if plan_file else None
    if saved is not None:
        kw["paths"] = kw["paths"] or tuple(saved.manifest_files)
        kw["scope"] = Scope(targets=addresses_from(saved))
    color = use_color(kw["no_color"])
    _terminate_like_interrupt()
    with planning_session(**kw, lock_for="pwconf apply") as (conn, planned):
        plan = planned.plan
        if saved is not None:
            _check_saved(saved, plan, server_label(conn))
        _show_plan(plan, as_json, color)
        if not plan.has_changes:
            return
        _check_data_loss(plan, allow_data_loss)
        planned.state.check_writable()  # before asking, not after
        if saved is None and not auto_approve:
            _confirm()

        def on_event(event: Any) -> None:
            click.echo(event_json(event) if as_json else event_text(event, color))

        result = run_apply(conn, planned, kw["parallelism"], on_event)
    click.echo(summary_json(result) if as_json else "\n" + summary_text(result))
    if not result.ok:
        sys.exit(1)


def _show_plan(plan: Plan, as_json: bool, color: bool) -> None:
    if as_json:
        click.echo(json.dumps({"type": "plan", "plan": plan_to_dict(plan)}, sort_keys=True))
    else:
        click.echo(render_text(plan, color=color))


def _check_saved(saved: SavedPlan, plan: Plan, label: str) -> None:
    if saved.api_url != label:
        raise PlanRefused(f"the saved plan was made for {saved.api_url}, not {label}")
    stale = stale_objects(saved, plan)
    if stale:
        raise PlanRefused(
            "the saved plan is stale; changed since it was made:\n  " + "\n  ".join(stale),
            hint="run `pwconf plan --out FILE` again and review the new plan",
        )


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


def _terminate_like_interrupt() -> None:
    """SIGTERM (a CI runner cancelling the job) stops like Ctrl-C: calls in flight finish and
    the state file is saved, never half-written."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
