"""`pwconf force-unlock`: remove a state file's lock that its holder can no longer release."""

from __future__ import annotations

import click

from pwconf.cli.options import reports_errors, workspace_option
from pwconf.lock import UNREADABLE, force_unlock, lock_path
from pwconf.state import state_path


@click.command("force-unlock")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False),
    help="State file (default: .pwconf-state.json beside the manifests).",
)
@workspace_option
@reports_errors
def force_unlock_cmd(paths: tuple[str, ...], state_file: str | None, workspace: str | None) -> None:
    """Remove the lock of the state file beside the manifests in PATHS.

    Needed only when the holder ran on another machine sharing the folder and cannot release
    it; a lock left by an ended process on this machine is taken over by the next apply.
    Refused while the holder is running."""
    path = state_path(paths, state_file, emulator=False, workspace=workspace)
    holder = force_unlock(path)
    if holder is None:
        click.echo(f"{path} is not locked.")
    elif holder is UNREADABLE:
        click.echo(f"Removed {lock_path(path)}, which did not say who held it.")
    else:
        click.echo(f"Removed the lock of {holder.describe()} on {path}.")
