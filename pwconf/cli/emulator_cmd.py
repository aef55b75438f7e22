"""`pwconf emulator`: serve the Pushwoosh API emulator on a loopback address until stopped."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any

import click

from pwconf.emulator.answer_shapes import SHAPES
from pwconf.emulator.server import JOURNAL_SIZE, EmulatorError, EmulatorServer


def _parse_rate_limit(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> dict[str, float] | None:
    if value is None:
        return None
    try:
        every, burst, retry_after = value.split(",")
        return {"every": int(every), "burst": int(burst), "retry_after": float(retry_after)}
    except ValueError:
        raise click.BadParameter("expected EVERY,BURST,RETRY_AFTER, e.g. 100,3,1") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Loopback address to listen on (anything else is refused).")
@click.option("--port", type=click.IntRange(0, 65535), default=8089, show_default=True,
              help="Port to listen on; 0 takes a free one.")
@click.option("--data", "data_file", type=click.Path(dir_okay=False),
              help="JSON state file: loaded at start if present, saved after every change.")
@click.option("--token", "tokens", multiple=True,
              help="Server API token the emulator accepts (repeatable). Default: emulator-token.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for generated codes and fault dice.")
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Delay added to every API call.")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of calls answered 500/503 before the method runs.")
@click.option("--error-after-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of calls answered 500 after the method ran.")
@click.option("--drop-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of calls whose connection is closed without an answer.")
@click.option("--rate-limit", callback=_parse_rate_limit, metavar="EVERY,BURST,RETRY_AFTER",
              help="After every EVERY calls, BURST calls get 429 with Retry-After.")
@click.option("--journal-size", type=click.IntRange(min=1), default=JOURNAL_SIZE,
              show_default=True, help="How many API calls the journal keeps (oldest dropped).")
@click.option("--answer-shapes", "shapes", metavar="NAME[,NAME]", default="",
              help=f"Answer as public sources show Pushwoosh may: {', '.join(SHAPES)}.")
@click.option("--verbose", is_flag=True, help="Log every call to stderr.")
def emulator(tokens: tuple[str, ...], shapes: str, **settings: Any) -> None:
    """Serve the Pushwoosh API emulator (for tests and demos) until Ctrl-C or SIGTERM."""
    try:
        server = EmulatorServer(
            tokens=list(tokens) or None,
            answer_shapes=[name.strip() for name in shapes.split(",") if name.strip()],
            **settings,
        ).start()
    except EmulatorError as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    # set before the line below: whoever waits for it may send SIGTERM at once
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    # The token is the emulator's own, fake, configuration: printing it is the point.
    click.echo(f"pwconf emulator listening on {server.url} (token: {server.token})")  # flushes
    try:
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.2):
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    server.stop()
    click.echo("pwconf emulator stopped", err=True)
