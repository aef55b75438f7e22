"""Options shared by several commands, defined once."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from pwconf.errors import ManifestError, PwconfError
from pwconf.printable import printable, printable_lines
from pwconf.runner import ConnectOptions
from pwconf.words import counted

F = TypeVar("F", bound=Callable[..., Any])


def _all(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator for several, listed in the order --help shows them."""

    def decorate(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return decorate


manifest_options = _all(
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option(
        "--var",
        "variables",
        multiple=True,
        metavar="NAME=VALUE",
        help="A variable for ${var:NAME} (repeatable).",
    ),
    click.option(
        "--var-file",
        "var_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="YAML file of variables for ${var:NAME} (repeatable).",
    ),
)

color_option = click.option("--no-color", is_flag=True, help="Plain output (also: NO_COLOR).")

workspace_option = click.option(
    "--workspace",
    envvar="PWCONF_WORKSPACE",
    metavar="NAME",
    help="Keep the state in .pwconf-state.NAME.json, one per account (env PWCONF_WORKSPACE).",
)


def _connection_options(*, with_state: bool) -> Callable[[F], F]:
    """Where the account is and how to reach it (and which state file goes with it), passed on
    as one `ConnectOptions` named `connection`. The token never comes from the command line."""

    stateless = () if with_state else ("state_file", "workspace")
    names = [f.name for f in dataclasses.fields(ConnectOptions) if f.name not in stateless]

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def with_connection(*args: Any, **kwargs: Any) -> Any:
            chosen = {name: kwargs.pop(name) for name in names}  # each one an option below
            return func(*args, connection=ConnectOptions(**chosen), **kwargs)

        return with_connection  # type: ignore[return-value]

    state_options = [
        click.option(
            "--state",
            "state_file",
            type=click.Path(dir_okay=False),
            help="State file; by default .pwconf-state.json beside the manifests, and with "
            "--emulator .pwconf-emulator-state.json.",
        ),
        workspace_option,
    ]
    return _all(
        click.option(
            "--api-url",
            envvar="PUSHWOOSH_API_URL",
            help="Pushwoosh API base URL (default: the real service; env PUSHWOOSH_API_URL).",
        ),
        click.option(
            "--token-file",
            type=click.Path(dir_okay=False),
            help="File holding the server API token (default: env PUSHWOOSH_API_TOKEN).",
        ),
        click.option(
            "--emulator",
            is_flag=True,
            help="Run against an embedded Pushwoosh emulator: no token, no network.",
        ),
        click.option(
            "--emulator-data",
            type=click.Path(dir_okay=False),
            help="The embedded emulator's data file (default: .pwconf-emulator.json beside "
            "the manifests).",
        ),
        *(state_options if with_state else []),
        click.option(
            "--parallelism",
            type=click.IntRange(1, 64),
            default=10,
            show_default=True,
            help="API calls in flight at once.",
        ),
        decorate,
    )


api_options = _connection_options(with_state=True)
account_options = _connection_options(with_state=False)  # for a command that keeps no state


def planning_command(*own_options: Callable[[F], F]) -> Callable[[F], click.Command]:
    """plan's and apply's options, theirs (`own_options`) among them, and error reporting."""
    return _all(  # type: ignore[return-value]
        click.command(),
        manifest_options,
        api_options,
        click.option(
            "--allow-mass-delete",
            is_flag=True,
            help="Allow deleting more than 30% of a kind's live objects.",
        ),
        click.option(
            "--target",
            "targets",
            multiple=True,
            metavar="KIND.NAME",
            help="Only this entity, e.g. tag.Age or preset.shop.welcome (repeatable).",
        ),
        click.option(
            "--app",
            "apps",
            multiple=True,
            metavar="HANDLE",
            help="Only this application and what is inside it (repeatable).",
        ),
        *own_options,
        click.option(
            "--lock-timeout",
            type=click.FloatRange(min=0),
            default=0,
            metavar="SECONDS",
            help="Wait this long for another apply or plan --out on the same state file to end "
            "(default 0: refuse at once).",
        ),
        color_option,
        reports_errors,
    )


def use_color(no_color: bool) -> bool:
    """Colour only on a terminal, and never under NO_COLOR or --no-color."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(sys.stdout, "isatty", lambda: False)())


def problems_found(count: int) -> str:
    """`1 problem found.`, `2 problems found.`: the one wording of every command."""
    return f"{counted(count, 'problem')} found."


def reports_errors(func: F) -> F:
    """Turn pwconf's errors into `error: ...` (and `hint: ...`) on stderr and exit code 1;
    never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ManifestError as exc:
            for problem in exc.problems:
                click.echo(printable(str(problem)), err=True)
            click.echo(f"{problems_found(len(exc.problems))} Nothing was sent.", err=True)
            raise SystemExit(1) from None
        except PwconfError as exc:
            click.echo(f"error: {printable_lines(exc.message)}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]
