"""Options shared by several commands, defined once."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from pwconf.errors import ManifestError, PwconfError

F = TypeVar("F", bound=Callable[..., Any])


def manifest_options(func: F) -> F:
    """PATHS plus --var/--var-file: what every manifest-reading command takes."""
    func = click.option(
        "--var-file",
        "var_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="YAML file of variables for ${var:NAME} (repeatable).",
    )(func)
    func = click.option(
        "--var",
        "variables",
        multiple=True,
        metavar="NAME=VALUE",
        help="A variable for ${var:NAME} (repeatable).",
    )(func)
    return click.argument("paths", nargs=-1, type=click.Path())(func)  # type: ignore[return-value]


def color_option(func: F) -> F:
    return click.option("--no-color", is_flag=True, help="Plain output (also: NO_COLOR).")(func)  # type: ignore[return-value]


def use_color(no_color: bool, stream: Any = None) -> bool:
    """Colour only on a terminal, and never under NO_COLOR or --no-color."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def reports_errors(func: F) -> F:
    """Turn pwconf's errors into a message on stderr and exit code 1; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ManifestError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s) found; nothing was sent.", err=True)
            raise SystemExit(1) from None
        except PwconfError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"Hint: {exc.hint}", err=True)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]
