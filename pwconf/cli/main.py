"""Entry point: the `pwconf` command group. Exit codes follow Terraform: 0 success, 1 any error
(click's usage errors included), 2 only for "changes present" under --detailed-exitcode; a
shell's 130 after Ctrl-C and 143 after SIGTERM."""

from __future__ import annotations

import sys

import click

from pwconf import __version__
from pwconf.cli.apply_cmd import apply
from pwconf.cli.emulator_cmd import emulator
from pwconf.cli.export_cmd import export
from pwconf.cli.interrupt import exit_code
from pwconf.cli.plan_cmd import plan
from pwconf.cli.probe_cmd import probe_cmd
from pwconf.cli.unlock_cmd import force_unlock_cmd
from pwconf.cli.validate_cmd import validate

UNCUT = 10_000  # longer than any first sentence


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pwconf")
def cli() -> None:
    """Manage a Pushwoosh account as code: validate, plan and apply YAML manifests."""


for command in (validate, plan, apply, export, emulator, force_unlock_cmd, probe_cmd):
    # `pwconf --help` lists each command's first sentence whole: click would cut it at the width
    command.short_help = command.get_short_help_str(limit=UNCUT)
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="pwconf", standalone_mode=False)
    except click.exceptions.Abort as exc:
        code = _stopped(exc.__cause__)
    except click.ClickException as exc:
        show_click_error(exc)
        code = 1
    except KeyboardInterrupt as exc:
        code = _stopped(exc)
    sys.exit(code if isinstance(code, int) else 0)


def _stopped(cause: BaseException | None) -> int:
    """Ctrl-C or SIGTERM that no command reported (an apply interrupted during its calls
    reports what it did and exits on its own)."""
    if isinstance(cause, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return exit_code(cause)
    click.echo("Aborted.", err=True)  # end of input at a prompt
    return 1


def show_click_error(exc: click.ClickException) -> None:
    """click's own errors (unknown option, bad value) worded as pwconf's: `error: ...`."""
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"Try '{exc.ctx.command_path} --help' for help.\n", err=True)
    click.echo(f"error: {exc.format_message()}", err=True)


if __name__ == "__main__":
    main()
