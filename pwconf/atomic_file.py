"""Replacing a file so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path

# A writer holds its temporary file for the milliseconds of one write; one this old was left by
# a process killed outright (SIGKILL, power loss), which no handler can clean up after.
STALE_AFTER_S = 3600

_swept: set[Path] = set()


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """A temporary file (mode 0600, from mkstemp) in the same directory, fsynced, then renamed
    over `path`; the directory is fsynced too, so the rename itself survives a crash. The first
    write to `path` in a process removes its stale temporary files."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
    if target not in _swept:
        _swept.add(target)
        remove_stale_temporaries(target)


def remove_stale_temporaries(target: Path) -> None:
    """Best effort: what cannot be listed, checked or removed is left as it is."""
    # mkstemp's random part has no dot, so a neighbour's files (`state.json.1`'s) never match.
    own = re.compile(rf"\.{re.escape(target.name)}\.[A-Za-z0-9_]+\.tmp")
    cutoff = time.time() - STALE_AFTER_S
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            if own.fullmatch(entry.name):
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                        os.unlink(entry.path)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new name in `directory` survive a crash."""
    with contextlib.suppress(OSError):  # not every platform can open a directory
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
