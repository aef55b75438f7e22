"""`pwconf plan` (being written)."""

import click


@click.command()
def plan() -> None:
    """Not written yet."""
    raise click.ClickException("pwconf plan is not written yet")
