"""`pwconf export`: write manifests from a live account. The written file paths go to stdout,
one a line (for scripts); what was written and what was not, and why, to stderr.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import click

from pwconf.cli.options import api_options, reports_errors
from pwconf.cli.progress import ReadProgress, StatusLine
from pwconf.errors import UsageError
from pwconf.export import (
    Export,
    default_schema_url,
    export_account,
    other_manifests,
    write_export,
)
from pwconf.kinds import counted_kinds
from pwconf.runner import ConnectOptions, connect
from pwconf.state import State, state_path
from pwconf.words import counted


@click.command()
@click.option(
    "--out",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to write the manifests to (created if missing).",
)
@click.option(
    "--app",
    "apps",
    multiple=True,
    metavar="CODE",
    help="Only this application, by code (repeatable). Account-wide tags and segments are "
    "always written, except segments bound to an application left out.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist in --out.")
@click.option(
    "--schema-url",
    metavar="PATH|URL",
    help="What each file's `yaml-language-server` modeline points at. Default: the relative "
    "path to the nearest schemas/pwconf.schema.json in --out or a folder above it.",
)
@api_options
@reports_errors
def export(
    out: str, apps: tuple[str, ...], force: bool, schema_url: str | None, connection: ConnectOptions
) -> None:
    """Write manifests from the live account: one file per application, one for tags and
    segments. Credentials and events cannot be read back and are never written.

    With --emulator, the account is the embedded emulator's data file (--emulator-data,
    default ./.pwconf-emulator.json). Tags' user_specific flags, which Pushwoosh does not
    return, are read from the pwconf state file when there is one (--state; by default
    .pwconf-state.json in --out, and with --emulator .pwconf-emulator-state.json).
    """
    state_file = connection.state_file
    # The state file beside the manifests, as plan and apply find it: a re-export into a
    # managed folder (--force) reads what the last apply recorded.
    state_at = state_path(
        [out], state_file, emulator=connection.emulator, workspace=connection.workspace
    )
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out}: not a directory")
    if state_file and not state_at.is_file():
        raise UsageError(f"--state {state_file}: no such file")
    state = State.load(state_at) if state_at.is_file() else None
    schema_url, schema_found = (schema_url, True) if schema_url else default_schema_url(out_dir)
    with connect(connection, []) as conn, closing(ReadProgress(StatusLine.on_stderr())) as progress:
        result = export_account(
            conn.api,
            apps=list(dict.fromkeys(apps)),
            schema_url=schema_url,
            parallelism=conn.parallelism,
            state=state,
            progress=progress,
        )
    others = other_manifests(out_dir, result.files)
    written = write_export(out_dir, result.files, force=force)
    for path in written:
        click.echo(str(path))
    click.echo(summary(result, out_dir, others, schema_url, schema_found), err=True)


def summary(
    result: Export, out: Path, others: list[Path], schema_url: str, schema_found: bool
) -> str:
    """What was written, what was not and why, and what to check: for stderr."""
    counts = counted_kinds(result.counts)
    lines = [f"Wrote {counted(len(result.files), 'file')} to {out}: {counts}."]
    for heading, items in (("Not written:", result.notes), ("Check by hand:", result.warnings)):
        if items:
            lines += [heading, *(f"  - {item}" for item in items)]
    if others:
        names = ", ".join(str(p.relative_to(out)) for p in others[:5])
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        lines.append(
            f"note: {out} also holds other manifest files, which pwconf reads too: {names}{more}."
        )
    if not schema_found:
        lines.append(
            f"note: no schemas/pwconf.schema.json in {out} or above it; the modeline says "
            f"{schema_url}. Pass --schema-url for a path or URL your editor can open."
        )
    lines.append(f"Next: `pwconf validate {out}`; `pwconf plan {out}` should report no changes.")
    return "\n".join(lines)
