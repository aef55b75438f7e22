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
    lock_timeout_option,
    manifest_options,
    reports_errors,
    scope_options,
    use_color,
)
from pwconf.cli.progress import ReadProgress, StatusLine
from pwconf.fetch import Scope
from pwconf.lock import state_lock
from pwconf.model import DesiredState
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
from pwconf.state import State, check_state_choice, check_writable


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
@lock_timeout_option
@color_option
@reports_errors
def plan(as_json: bool, markdown: bool, detailed_exitcode: bool, out: str | None, **kw) -> None:
    """Show what apply would change in the account."""
    # Only a saved plan needs the lock: it is to be applied against this state as it is.
    with planning_session(**kw, lock_for="pwconf plan --out" if out else None) as (
        conn,
        planned,
    ):
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
    workspace: str | None,
    parallelism: int,
    targets: tuple[str, ...],
    apps: tuple[str, ...],
    allow_mass_delete: bool,
    no_color: bool,
    lock_timeout: float = 0,
    lock_for: str | None = None,
    scope: Scope | None = None,
) -> Iterator[tuple[Connection, Planned]]:
    """Shared by plan and apply: load, check the scope, connect, read the account, plan; the
    connection stays open for the caller until the block ends. With `lock_for` (the command,
    for whoever is kept waiting), the state file is locked for as long."""
    check_state_choice(state_file, workspace)
    paths_list = list(paths)
    desired = load(paths_list, list(variables), list(var_files), os.environ)
    if scope is None:
        scope = Scope(apps=frozenset(apps), targets=parse_targets(list(targets)))
        if not scope.is_full:  # a full scope matches everything: no state file to read for it
            known = State.load(state_path(paths_list, state_file, emulator, workspace))
            check_scope(desired, scope.apps, scope.targets, known)
    options = ConnectOptions(api_url, token_file, emulator, emulator_data, parallelism)
    with connect(options, paths_list) as conn:
        path = state_path(paths_list, state_file, conn.embedded, workspace)
        with _locked(path, lock_for, lock_timeout):
            locked = lock_for is not None
            yield conn, _plan(conn, desired, path, scope, parallelism, allow_mass_delete, locked)


@contextmanager
def _locked(path: Path, command: str | None, timeout: float) -> Iterator[None]:
    if command is None:
        yield
        return
    check_writable(path)  # the lock file goes beside it: say what is wrong in the state's terms
    with state_lock(path, command, timeout) as lock:
        for note in lock.notes:
            click.echo(f"note: {note}", err=True)
        yield


def _plan(
    conn: Connection,
    desired: DesiredState,
    path: Path,
    scope: Scope,
    parallelism: int,
    allow_mass_delete: bool,
    locked: bool,
) -> Planned:
    """Plan against the state at `path`. Holding its lock, write into the file what a crash
    left in its journal, and the account it is used with."""
    state = State.load(path)
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
    fingerprint = conn.api.client.account_fingerprint(state.salt, server_label(conn))
    live_codes = set(planned.live.view.handle_by_code) | set(planned.live.unmatched_apps)
    note = state.claim_account(fingerprint, live_codes)
    if note:
        click.echo(f"note: {note}", err=True)
    if locked:
        state.save_pending()
    return planned


def server_label(conn: Connection) -> str:
    """Which account a saved plan belongs to; the embedded emulator's port changes per run."""
    return "embedded-emulator" if conn.embedded else conn.base_url

