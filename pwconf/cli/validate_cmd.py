"""`pwconf validate`: check the manifests offline; no network, no token.

Problems are this command's output, so they go to stdout, one per line as
`file:line:col: error: message`, followed by a count. Exit code 0 when valid, 1 otherwise.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from pwconf.cli.options import manifest_options, problems_found, reports_errors
from pwconf.errors import ManifestError, Problem, UsageError
from pwconf.kinds import KIND_ORDER, kind_label
from pwconf.manifest import Analysis, analyse, parse_variables
from pwconf.render.words import counted


@click.command()
@manifest_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@reports_errors
def validate(
    paths: tuple[str, ...], variables: tuple[str, ...], var_files: tuple[str, ...], as_json: bool
) -> None:
    """Check the manifests under PATHS (default: the current directory) without any API call."""
    try:
        values = parse_variables(list(variables), list(var_files))
    except (ManifestError, UsageError) as exc:
        problems = exc.problems if isinstance(exc, ManifestError) else [Problem(exc.message)]
        _report(problems, files=0, counts={}, as_json=as_json)
        raise SystemExit(1) from None
    analysis = analyse(list(paths), values, os.environ)
    counts = analysis.state.counts()
    _report(analysis.problems, len(analysis.state.files), counts, as_json, analysis)
    raise SystemExit(0 if analysis.valid else 1)


def _report(
    problems: list[Problem],
    files: int,
    counts: dict[str, int],
    as_json: bool,
    analysis: Analysis | None = None,
) -> None:
    valid = analysis.valid if analysis is not None else not problems
    if as_json:
        click.echo(json.dumps(_as_json(valid, problems, files, counts), indent=2))
        return
    for problem in problems:
        click.echo(str(problem))
    if valid:
        click.echo(f"Valid: {summary(counts, files)}.")
    else:
        click.echo(problems_found(len(problems)))


def summary(counts: dict[str, int], files: int) -> str:
    """`1 application, 3 tags, ... (4 files)`."""
    parts = []
    for kind in KIND_ORDER:
        number = counts.get(kind, 0)
        parts.append(f"{number:,} {kind_label(kind, number)}")
    return f"{', '.join(parts)} ({counted(files, 'file')})"


def _as_json(
    valid: bool, problems: list[Problem], files: int, counts: dict[str, int]
) -> dict[str, Any]:
    return {
        "valid": valid,
        "files": files,
        "counts": {kind: counts.get(kind, 0) for kind in KIND_ORDER},
        "problems": [
            {
                "file": problem.position.file if problem.position else None,
                "line": problem.position.line if problem.position else None,
                "column": problem.position.column if problem.position else None,
                "severity": problem.severity,
                "message": problem.message,
            }
            for problem in problems
        ],
    }
