"""The state journal: each record an apply makes, appended to a file beside the state file.

Each record is one JSON line, written with a single `write()` on an O_APPEND descriptor as it is
made, and `fsync`ed before its change is reported finished, so before a later level can use it.
After kill -9 the kernel still holds every line written; the only record lost is one whose call
answered and whose line was not written yet. After power loss every change reported finished is
on the disk; a last line cut short is ignored on reading. `fsync` is a group commit: P workers
finishing at once cost one `fsync`, not P.

The first line names the journal (a random id). The state file, rewritten from state and
journal, records that id as folded before the journal is removed: a crash between the two leaves
a journal that the next reader sees is already in the state and skips.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from pwconf.atomic_file import fsync_directory
from pwconf.errors import StateError


def journal_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".journal")


class Journal:
    """An open journal, appended to by several threads."""

    def __init__(self, path: Path, fd: int, ident: str) -> None:
        self.path = path
        self.ident = ident
        self._fd = fd
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0  # lines written
        self._synced = 0  # lines known to be on the disk

    @classmethod
    def create(cls, path: Path) -> Journal:
        """A new journal (replacing none: the caller has folded and removed the last one)."""
        ident = secrets.token_hex(8)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        journal = cls(path, fd, ident)
        journal.append({"journal": ident})
        journal.sync()
        fsync_directory(path.parent)  # the new name itself survives a crash
        return journal

    def append(self, record: Any) -> None:
        line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        with self._write_lock:
            _write_all(self._fd, line)
            self._written += 1

    def sync(self) -> None:
        """Every line appended so far is on the disk when this returns."""
        with self._write_lock:
            wanted = self._written
        with self._sync_lock:
            if self._synced >= wanted:
                return
            with self._write_lock:
                covered = self._written
            os.fsync(self._fd)
            self._synced = covered

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def remove(self) -> None:
        self.close()
        remove_journal(self.path)


def read_journal(path: Path) -> tuple[str | None, list[Any]]:
    """(id, records) of the journal at `path`; (None, []) when there is none. A last line
    without its newline was cut short by a crash and is left out; a journal cut short before
    its first line ends has the id "" and no records."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None, []
    except OSError as exc:
        raise StateError(f"cannot read the state journal {path}: {exc.strerror or exc}") from None
    lines = raw.split(b"\n")[:-1]  # the part after the last newline is unfinished
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise StateError(
                f"the state journal {path} is damaged at line {number}",
                hint="move it away; the next plan re-learns what it can read from the account",
            ) from None
    if not records:
        return "", []
    header = records[0]
    if not isinstance(header, dict) or not isinstance(header.get("journal"), str):
        raise StateError(f"{path} is not a pwconf state journal")
    return header["journal"], records[1:]


def remove_journal(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise StateError(
            f"cannot remove the state journal {path}: {exc.strerror or exc}",
            hint="its records are in the state file now: remove it by hand",
        ) from None
    fsync_directory(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
