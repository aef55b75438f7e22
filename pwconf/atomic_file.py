"""Replacing a file so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """A temporary file (mode 0600, from mkstemp) in the same directory, fsynced, then renamed
    over `path`; the directory is fsynced too, so the rename itself survives a crash.

    A process killed outright (SIGKILL, power loss) cannot remove its temporary file, so the
    name carries the writer's pid and every write sweeps those left by processes now gone."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = _temp_prefix(target, os.getpid())
    fd, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    _remove_orphans(target)


def _temp_prefix(target: Path, pid: int) -> str:
    return f".{target.name}.{pid}."


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _remove_orphans(target: Path) -> None:
    """Temporary files of `target` whose writer has exited; live writers' files are left."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = _writer_pid(target, leftover)
        if pid is not None and pid != os.getpid() and not _process_alive(pid):
            leftover.unlink(missing_ok=True)


def _writer_pid(target: Path, leftover: Path) -> int | None:
    middle = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
    return int(middle) if middle.isdigit() else None


def _process_alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill on Windows terminates the process rather than probing it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists but belongs to someone else, or we cannot tell: keep its file
    return True
