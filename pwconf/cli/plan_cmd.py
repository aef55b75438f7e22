"""`pwconf plan`: read the live account, diff it against the manifests, show the plan."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

import click

from pwconf.cli.options import planning_command, use_color
from pwconf.cli.progress import ReadProgress, StatusLine
from pwconf.fetch import Scope
from pwconf.kinds.application import recorded_codes
from pwconf.lock import state_lock
from pwconf.render import render_json, render_markdown, render_text
from pwconf.runner import (
    Connection,
    ConnectOptions,
    Planned,
    check_scope,
    connect,
    load,
    make_plan,
    parse_targets,
)
from pwconf.savedplan import save_plan
from pwconf.state import State, check_writable, state_path


@planning_command(
    click.option("--json", "as_json", is_flag=True, help="The plan as versioned JSON."),
    click.option("--markdown", is_flag=True, help="The plan as Markdown, for pull requests."),
    click.option(
        "--detailed-exitcode",
        is_flag=True,
        help="Exit 0 with no changes, 2 with changes, 1 on error.",
    ),
    click.option(
        "--out", type=click.Path(dir_okay=False), help="Save the plan for `pwconf apply --plan`."
    ),
)
def plan(
    as_json: bool, markdown: bool, detailed_exitcode: bool, out: str | None, no_color: bool, **kw
) -> None:
    """Show what apply would change in the account."""
    # Only a saved plan needs the lock: it is to be applied against this state as it is.
    lock_for = "pwconf plan --out" if out else None
    with planning_session(**kw, lock_for=lock_for) as (conn, planned):
        if out:
            save_plan(Path(out), planned.plan, server_label(conn))
    if as_json:
        click.echo(render_json(planned.plan))
    elif markdown:
        click.echo(render_markdown(planned.plan))
    else:
        click.echo(render_text(planned.plan, color=use_color(no_color)))
        if out:
            click.echo(f"\nSaved the plan to {out}; apply it with `pwconf apply --plan {out}`.")
    if detailed_exitcode and planned.plan.changes:
        sys.exit(2)


@contextmanager
def planning_session(
    *,
    paths: tuple[str, ...],
    variables: tuple[str, ...],
    var_files: tuple[str, ...],
    connection: ConnectOptions,
    targets: tuple[str, ...],
    apps: tuple[str, ...],
    allow_mass_delete: bool,
    lock_timeout: float,
    lock_for: str | None,
    scope: Scope | None = None,
) -> Iterator[tuple[Connection, Planned]]:
    """Load, check the scope (a narrowed one against the state file, before any call), connect,
    read the account and plan; the connection stays open until the block ends. With `lock_for`
    (the command, named to whoever waits) the state file stays locked as long, and a crash's
    journal is written into it once the plan is made."""
    path = state_path(
        paths, connection.state_file, emulator=connection.emulator, workspace=connection.workspace
    )
    desired = load(paths, variables, var_files, os.environ)
    state = None
    if scope is None:
        scope = Scope(apps=frozenset(apps), targets=parse_targets(targets))
        if not scope.is_full:  # a full scope matches everything: no state file to read for it
            state = State.load(path)
            check_scope(desired, scope.apps, scope.targets, state)
    with connect(connection, paths) as conn, ExitStack() as locked:
        if lock_for is not None:
            check_writable(path)  # the lock file goes beside it: say what is wrong in its terms
            for note in locked.enter_context(state_lock(path, lock_for, lock_timeout)).notes:
                click.echo(f"note: {note}", err=True)
        if state is None or lock_for is not None:  # under the lock, read as the lock found it
            state = State.load(path)
        with closing(ReadProgress(StatusLine.on_stderr())) as progress:
            planned = make_plan(
                conn,
                desired,
                state,
                scope=scope,
                allow_mass_delete=allow_mass_delete,
                progress=progress,
            )
        progress.finish(planned.live.calls)
        _claim_account(conn, planned)
        if lock_for is not None:
            state.save_pending()
        yield conn, planned


def _claim_account(conn: Connection, planned: Planned) -> None:
    """The state file notes which account it is used with, and refuses another's."""
    state, live = planned.state, planned.live
    fingerprint = conn.api.client.account_fingerprint(state.salt, server_label(conn))
    note = state.claim_account(fingerprint, live.view.listed_titles, recorded_codes(state).values())
    if note:
        click.echo(f"note: {note}", err=True)


def server_label(conn: Connection) -> str:
    """Which account a saved plan belongs to; the embedded emulator's port changes per run."""
    return "embedded-emulator" if conn.embedded else conn.base_url
