"""Progress on a terminal's stderr: one line redrawn in place, cleared before anything else
is printed, so that it never sticks to the plan or the report on stdout."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import click

from pwconf.words import counted, duration

CLEAR_LINE = "\r\x1b[K"
REDRAW_INTERVAL_S = 0.1
TICK_S = 1.0  # how often the apply's line is redrawn when no event comes
SLOW_READ_S = 2.0  # off a terminal, the read is summed up only when it took this long


class StatusLine:
    """The line at the bottom of a terminal. Thread-safe: apply's workers share it."""

    def __init__(self, stream: IO[str], interval: float = REDRAW_INTERVAL_S) -> None:
        self._stream = stream
        self._interval = interval
        self._lock = threading.RLock()
        self._text = ""
        self._drawn_at = float("-inf")

    @classmethod
    def on_stderr(cls) -> StatusLine | None:
        """A status line when stderr is a terminal; None otherwise (logs get no redraws)."""
        return cls(sys.stderr) if sys.stderr.isatty() else None

    def show(self, text: str, *, now: bool = False) -> None:
        with self._lock:
            self._text = text
            if now or time.monotonic() - self._drawn_at >= self._interval:
                self._write(CLEAR_LINE + text)
                self._drawn_at = time.monotonic()

    def clear(self) -> None:
        with self._lock:
            if self._text:
                self._write(CLEAR_LINE)
            self._text = ""

    def print_above(self, print_lines: Callable[[], None]) -> None:
        """Clear the line, let `print_lines` print, then draw the line again below."""
        with self._lock:
            text = self._text
            self.clear()
            print_lines()
            if text:
                self.show(text, now=True)

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


@contextmanager
def ticking(status: StatusLine | None, text: Callable[[], str]) -> Iterator[None]:
    """Redraw `status` every second (elapsed time moves during a slow call too), then clear it."""
    if status is None:
        yield
        return
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK_S):
            status.show(text(), now=True)

    threading.Thread(target=tick, name="progress", daemon=True).start()
    try:
        yield
    finally:
        stop.set()
        status.clear()


class ReadProgress:
    """The count of the account's reads (fetch's `progress`), drawn in place on a terminal and
    then replaced by `Read the account: 1,042 calls in 0.8s.`; elsewhere only a slow read's."""

    def __init__(self, status: StatusLine | None) -> None:
        self._status = status
        self._started = time.monotonic()

    def __call__(self, done: int, sent: int) -> None:
        if self._status is not None:
            self._status.show(f"Reading the account: {done:,}/{sent:,} calls")

    def finish(self, calls: int) -> None:
        """The total, once the counter is closed."""
        seconds = time.monotonic() - self._started
        if self._status is not None or seconds > SLOW_READ_S:
            text = f"Read the account: {counted(calls, 'call')} in {duration(seconds)}."
            click.echo(text, err=True)

    def close(self) -> None:
        """Clear the counter: before the plan prints, and when the read fails."""
        if self._status is not None:
            self._status.clear()
