"""`pwconf plan`: read the live account, diff it against the manifests, show the plan."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from pwconf.cli.options import (
    api_options,
    color_option,
    manifest_options,
    reports_errors,
    scope_options,
    use_color,
)
from pwconf.cli.progress import ReadProgress, StatusLine
from pwconf.fetch import Scope
from pwconf.render import render_json, render_markdown, render_text
from pwconf.runner import (
    Connection,
    ConnectOptions,
    Planned,
    connect,
    load,
    make_plan,
    parse_targets,
    state_path,
)
from pwconf.savedplan import save_plan
from pwconf.scope_check import check_scope
from pwconf.state import State


@click.command()
@manifest_options
@api_options
@scope_options
@click.option("--json", "as_json", is_flag=True, help="The plan as versioned JSON.")
@click.option("--markdown", is_flag=True, help="The plan as Markdown, for pull requests.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 with no changes, 2 with changes, 1 on error.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Save the plan for `pwconf apply --plan`."
)
@color_option
@reports_errors
def plan(as_json: bool, markdown: bool, detailed_exitcode: bool, out: str | None, **kw) -> None:
    """Show what apply would change in the account."""
    with planning_session(**kw) as (conn, planned):
        if out:
            save_plan(Path(out), planned.plan, server_label(conn))
    if as_json:
        click.echo(render_json(planned.plan))
    elif markdown:
        click.echo(render_markdown(planned.plan))
    else:
        click.echo(render_text(planned.plan, color=use_color(kw["no_color"])))
        if out:
            click.echo(f"\nSaved the plan to {out}; apply it with `pwconf apply --plan {out}`.")
    if detailed_exitcode and planned.plan.has_changes:
        sys.exit(2)


@contextmanager
def planning_session(
    *,
    paths: tuple[str, ...],
    variables: tuple[str, ...],
    var_files: tuple[str, ...],
    api_url: str | None,
    token_file: str | None,
    emulator: bool,
    emulator_data: str | None,
    state_file: str | None,
    parallelism: int,
    targets: tuple[str, ...],
    apps: tuple[str, ...],
    allow_mass_delete: bool,
    no_color: bool,
    scope: Scope | None = None,
) -> Iterator[tuple[Connection, Planned]]:
    """Shared by plan and apply: load, check the scope, connect, read the account, plan; the
    connection stays open for the caller until the block ends."""
    paths_list = list(paths)
    desired = load(paths_list, list(variables), list(var_files), os.environ)
    state = State.load(state_path(paths_list, state_file, emulator))
    if scope is None:
        scope = Scope(apps=frozenset(apps), targets=parse_targets(list(targets)))
        check_scope(desired, scope.apps, scope.targets, state)
    options = ConnectOptions(api_url, token_file, emulator, emulator_data, parallelism)
    with connect(options, paths_list) as conn:
        progress = ReadProgress(StatusLine.on_stderr())
        started = time.monotonic()
        try:
            planned = make_plan(
                conn,
                desired,
                state,
                scope=scope,
                parallelism=parallelism,
                allow_mass_delete=allow_mass_delete,
                progress=progress,
            )
        finally:
            progress.close()
        progress.finish(planned.live.calls, time.monotonic() - started)
        yield conn, planned


def server_label(conn: Connection) -> str:
    """Which account a saved plan belongs to; the embedded emulator's port changes per run."""
    return "embedded-emulator" if conn.embedded else conn.base_url
