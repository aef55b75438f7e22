"""`pwconf apply` (being written)."""

import click


@click.command()
def apply() -> None:
    """Not written yet."""
    raise click.ClickException("pwconf apply is not written yet")
