"""`pwconf export` (being written)."""

import click


@click.command()
def export() -> None:
    """Not written yet."""
    raise click.ClickException("pwconf export is not written yet")
