"""One writer at a time per state file: an exclusive lock on `<state file>.lock` beside it.

`apply` and `plan --out` hold it from before they read the state until they are done; plain
`plan` never takes it. The file names its holder (host, pid, subcommand without its arguments,
which may carry `--var` values, start time) so that whoever is refused is told who is in the way.

The lock is `fcntl.flock`, not the file's existence: the kernel drops it when its process ends,
kill -9 included, so no guess is needed about a recorded pid (pids are reused). The holder
removes the file on release while still holding the lock; a process that locked the file just
before sees that its descriptor no longer matches the path, and starts over. A free flock on a
file naming another process on this host: it ended without releasing, and is taken over with a
note. Naming another host: on a filesystem shared between machines a flock may not be seen from
every host (NFS, SMB), so pwconf refuses until `pwconf force-unlock` removes the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from pwconf.errors import StateError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_S = 0.1
# A holder writes its name a moment after it locks; a refusal waits this long to name it.
NAMING_GRACE_S = 1.0


def lock_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".lock")


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    command: str
    started: str  # ISO 8601, UTC

    def describe(self) -> str:
        return f"`{self.command}` (pid {self.pid} on {self.host}, since {self.started})"

    @property
    def here(self) -> bool:
        return self.host == socket.gethostname()


# A lock file that does not say who wrote it (not written by pwconf, or cut short), and one
# held but still empty.
UNREADABLE = Holder("?", 0, "an unreadable lock file", "?")
UNNAMED = Holder("?", 0, "another pwconf", "?")


@dataclass
class Lock:
    """A held lock: release it with `release()` (or use `state_lock`)."""

    path: Path
    fd: int
    notes: list[str]

    def release(self) -> None:
        # Removed while still held, so no one can lock this file and then see it vanish.
        with contextlib.suppress(OSError):
            if _same_file(self.fd, self.path):
                self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self.fd)


def acquire(
    state_path: Path,
    command: str,
    timeout: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Lock:
    """The lock of `state_path`, waiting up to `timeout` seconds for another holder."""
    if fcntl is None:  # pragma: no cover - Windows
        raise StateError("locking the state file needs fcntl (Linux, macOS, BSD)")
    path = lock_path(state_path)
    with _errors_of(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, timeout)
    naming_deadline = time.monotonic() + NAMING_GRACE_S
    while True:
        with _errors_of(path):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            in_the_way = _try_lock(fd, path)
            if in_the_way is None:
                if not _same_file(fd, path):  # released and removed meanwhile: start over
                    os.close(fd)
                    continue
                previous = _read_holder(fd)
                if previous is None or previous.here or previous is UNREADABLE:
                    return _take(path, fd, command, previous)
                in_the_way = previous
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if in_the_way in (UNREADABLE, UNNAMED) and time.monotonic() < naming_deadline:
            sleep(POLL_S / 10)  # locked a moment ago: its holder is writing its name
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _refusal(state_path, in_the_way, timeout)
        sleep(min(POLL_S, remaining))


@contextlib.contextmanager
def state_lock(state_path: Path, command: str, timeout: float = 0.0) -> Iterator[Lock]:
    lock = acquire(state_path, command, timeout)
    try:
        yield lock
    finally:
        lock.release()


def force_unlock(state_path: Path) -> Holder | None:
    """Remove the lock file of `state_path`; the holder it named (None: there was none).
    Refused while a process holds the flock: that one is running and will release it."""
    path = lock_path(state_path)
    with _errors_of(path):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return None
    try:
        running = _try_lock(fd, path)
        if running is not None or not _same_file(fd, path):
            running = running or UNNAMED
            raise StateError(
                f"{state_path} is locked by {running.describe()}, which is still running",
                hint="let it finish, or stop it (Ctrl-C lets it record what it did)",
            )
        holder = _read_holder(fd) or UNREADABLE
        path.unlink(missing_ok=True)
        return holder
    finally:
        os.close(fd)


def _try_lock(fd: int, path: Path) -> Holder | None:
    """None when locked now; else who holds it (as far as the file says)."""
    with _errors_of(path):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            return _read_holder(fd) or UNNAMED
    return None


def _take(path: Path, fd: int, command: str, previous: Holder | None) -> Lock:
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    holder = Holder(socket.gethostname(), os.getpid(), command, started)
    with _errors_of(path):
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(holder), sort_keys=True).encode() + b"\n", 0)
        os.fsync(fd)
    notes = []
    if previous is UNREADABLE:
        notes = [f"took over {path}, which did not say who held it"]
    elif previous is not None:
        notes = [f"took over the lock of {previous.describe()}, which ended without releasing it"]
    return Lock(path, fd, notes)


def _read_holder(fd: int) -> Holder | None:
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw) if raw.strip() else None
        return None if data is None else Holder(**data)
    except (OSError, ValueError, TypeError):
        return UNREADABLE


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _refusal(state_path: Path, holder: Holder, timeout: float) -> StateError:
    waited = f" (waited {timeout:g} s)" if timeout > 0 else ""
    if holder.here or holder.host == "?":
        hint = "wait for it to end, or pass --lock-timeout SECONDS to wait for it"
    else:
        hint = (
            "if that run is over (its machine stopped), remove the lock with `pwconf force-unlock`"
        )
    return StateError(f"{state_path} is locked by {holder.describe()}{waited}", hint=hint)


@contextlib.contextmanager
def _errors_of(path: Path) -> Iterator[None]:
    """An OSError raised inside, told as a lock that cannot be used."""
    try:
        yield
    except OSError as exc:
        raise StateError(
            f"cannot lock {path}: {exc.strerror or exc}",
            hint="choose a state file on a local, writable filesystem with --state",
        ) from None
