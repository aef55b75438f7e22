"""`pwconf validate` (being written)."""

import click


@click.command()
def validate() -> None:
    """Not written yet."""
    raise click.ClickException("pwconf validate is not written yet")
