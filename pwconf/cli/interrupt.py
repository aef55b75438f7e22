"""Ctrl-C and SIGTERM: both stop pwconf the same way, with the shell's exit codes (130, 143)."""

from __future__ import annotations

import signal
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI runner cancelling the job), raised like Ctrl-C's KeyboardInterrupt so that
    the same code stops cleanly: calls in flight finish and the state file is saved."""


def terminate_like_interrupt() -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, handler)


def ignore_further_signals() -> None:
    """While the state is saved and the report printed: a second signal must not cut them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def exit_code(interrupt: BaseException) -> int:
    """128 plus the signal's number, as a shell reports a process stopped by it."""
    signum = signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT
    return 128 + signum
