"""`pwconf emulator` (being written)."""

import click


@click.command()
def emulator() -> None:
    """Not written yet."""
    raise click.ClickException("pwconf emulator is not written yet")
