"""`pwconf validate`: check the manifests offline. Problems are its output, so they go to stdout,
one a line as `file:line:col: error: message`, then a count. Exit code 0 when valid, 1 otherwise.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from pwconf.cli.options import manifest_options, problems_found, reports_errors
from pwconf.errors import ManifestError, Problem, UsageError
from pwconf.kinds import counted_kinds
from pwconf.manifest import Analysis, analyse, parse_variables
from pwconf.model import DesiredState
from pwconf.words import counted


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
        analysis = Analysis(DesiredState(), problems)
    else:
        analysis = analyse(list(paths), values, os.environ)
    files, counts = len(analysis.state.files), analysis.state.counts()
    if as_json:
        problems = [_problem_json(problem) for problem in analysis.problems]
        document = {"valid": analysis.valid, "files": files, "counts": counts, "problems": problems}
        click.echo(json.dumps(document, indent=2))
    else:
        for problem in analysis.problems:
            click.echo(str(problem))
        if analysis.valid:
            click.echo(f"Valid: {counted_kinds(counts)} ({counted(files, 'file')}).")
        else:
            click.echo(problems_found(len(analysis.problems)))
    raise SystemExit(0 if analysis.valid else 1)


def _problem_json(problem: Problem) -> dict[str, Any]:
    at = problem.position
    return {
        "file": at.file if at else None,
        "line": at.line if at else None,
        "column": at.column if at else None,
        "severity": "error",
        "message": problem.message,
    }
