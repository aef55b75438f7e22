"""Entry point: the `pwconf` command group and its exit-code policy.

Exit codes follow Terraform: 0 success, 1 any error (click's usage errors included),
2 only for "changes present" under --detailed-exitcode.
"""

from __future__ import annotations

import sys

import click

from pwconf import __version__
from pwconf.cli import (
    apply_cmd,
    emulator_cmd,
    export_cmd,
    plan_cmd,
    unlock_cmd,
    validate_cmd,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pwconf")
def cli() -> None:
    """Manage a Pushwoosh account as code: validate, plan and apply YAML manifests."""


cli.add_command(validate_cmd.validate)
cli.add_command(plan_cmd.plan)
cli.add_command(apply_cmd.apply)
cli.add_command(export_cmd.export)
cli.add_command(emulator_cmd.emulator)
cli.add_command(unlock_cmd.force_unlock_cmd)


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="pwconf", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.ClickException as exc:
        exc.show()
        code = 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
