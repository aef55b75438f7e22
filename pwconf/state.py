"""The state file: what pwconf created or configured and cannot read back, kept beside the
manifests so that it claims no invented diffs, perpetual changes or duplicates.

- the kinds' records, one section per kind that keeps one (see `pwconf.kinds`); `salt`, random
  per file, seals the credentials recorded;
- `applied`: per address, a digest of what was last applied (drift vs a change in the manifests);
- `accounts`: salted fingerprints of the API URL and token it was used with;
- `journal_folded`: the id of the last journal written into the file.

The file is rewritten atomically. During an apply each record also goes to a journal beside it:
one JSON line, written with a single `write()` on an O_APPEND descriptor as it is made, and
`fsync`ed before its change is reported finished, so before a later level can use it. After
kill -9 the kernel still holds every line written; the only record lost is one whose call
answered and whose line was not written yet. After power loss every change reported finished is
on the disk; a last line cut short is ignored on reading. `fsync` is a group commit: P workers
finishing at once cost one `fsync`, not P.

The journal's first line names it (a random id). The file is rewritten from state and journal at
the end, or by the next `apply` or `plan --out` after a crash, and records that id as folded
before the journal is removed: a crash between the two leaves a journal that the next reader
sees is already in the state and skips.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from pwconf.atomic_file import fsync_directory, write_atomically
from pwconf.errors import StateError, UsageError

FORMAT_VERSION = 1
DEFAULT_NAME = ".pwconf-state.json"
EMULATOR_NAME = ".pwconf-emulator-state.json"  # with --emulator
WORKSPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# The file's own keys; every other object in it is a section of the kinds' records.
OWN_KEYS = frozenset({"format_version", "salt", "applied", "accounts", "journal_folded"})
CHANGES = ("record", "forget", "applied", "applied_many")  # what the journal records, by name


class State:
    def __init__(self, path: Path | None, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        data = data or {}
        self.salt: str = data.get("salt") or secrets.token_hex(16)
        self.records: dict[str, dict[str, Any]] = {
            name: value for name, value in data.items() if name not in OWN_KEYS
        }
        self.applied: dict[str, str] = data.get("applied", {})
        self.accounts: list[str] = list(data.get("accounts", []))
        self.journal_folded: str | None = data.get("journal_folded")
        self._journal: Journal | None = None  # open: this process writes it
        self._journal_ident: str | None = None  # of the journal beside the file, open or found
        self._unsaved = False

    @classmethod
    def load(cls, path: Path | None) -> State:
        """The state file with the records of a journal not yet written into it.

        The journal is read before the file: an apply finishing meanwhile writes the file with
        the journal's id as folded before it removes the journal, so the pair read is never
        older than the journal."""
        if path is None:
            return cls(path)
        ident, records = read_journal(journal_path(path))
        state = cls(path, _read_state_file(path)) if path.exists() else cls(path)
        state._journal_ident = ident
        if ident not in (None, state.journal_folded):
            state._replay(records)
        return state

    def recorded(self, section: str, key: str | None = None) -> Any:
        """A copy of a section of the kinds' records, or of its entry `key` (None when absent),
        taken while no worker of an apply changes it."""
        with self._lock:
            found = self.records.get(section, {})
            return copy.deepcopy(found if key is None else found.get(key))

    def record(self, section: str, *keys: str, value: Any) -> None:
        """records[section][key1]...[keyN] = value."""
        self._change("record", section, *keys, value)

    def forget(self, *entries: tuple[str, str]) -> None:
        """Drop each (section, key) entry, in one journal record."""
        self._change("forget", [list(entry) for entry in entries])

    def record_applied(self, address: str, digest: str | None) -> None:
        self._change("applied", address, digest)

    def record_applied_many(self, digests: list[tuple[str, str]]) -> None:
        """Many digests as one journal record."""
        self._change("applied_many", [list(pair) for pair in digests])

    def _change(self, op: str, *args: Any) -> None:
        with self._lock:
            self._apply(op, *args)
            if self._journal is not None:
                self._journal.append([op, *args])

    def _apply(self, op: str, *args: Any) -> None:
        """One change, named as in the journal (a malformed one raises TypeError or ValueError)."""
        if op == "record":
            section, *keys, last, value = args
            node = self.records.setdefault(section, {})
            for key in keys:
                node = node.setdefault(key, {})
            node[last] = value
        elif op == "forget":
            (entries,) = args
            for section, key in entries:
                self.records.get(section, {}).pop(key, None)
        elif op == "applied":
            address, digest = args
            if digest is None:
                self.applied.pop(address, None)
            else:
                self.applied[address] = digest
        elif op == "applied_many":
            (digests,) = args
            self.applied.update((address, digest) for address, digest in digests)
        else:
            raise ValueError(f"unknown journal record {op!r}")

    def _replay(self, records: list[Any]) -> None:
        for record in records:
            try:
                for op, *args in self._todays(record):
                    self._apply(op, *args)
            except (TypeError, ValueError, AttributeError, IndexError):
                raise StateError(
                    f"the state journal beside {self.path} holds a malformed record: "
                    f"{str(record)[:80]}"
                ) from None

    def _todays(self, record: Any) -> list[list[Any]]:
        """`record` as today's journal records (an older pwconf's are translated by the kinds,
        which name the sections)."""
        if isinstance(record, list) and record and record[0] in CHANGES:
            if record[0] == "forget" and len(record) == 3:  # before one record forgot many
                return [["forget", [record[1:]]]]
            return [record]
        from pwconf.kinds import journal_records_of_old  # here: the kinds import this module

        todays = None
        if isinstance(record, list) and record and isinstance(record[0], str):
            todays = journal_records_of_old(record, self)
        if todays is None:
            raise StateError(
                f"the state journal beside {self.path} holds a record this pwconf does not "
                f"know: {str(record)[:80]}",
                hint="use the pwconf version that wrote it",
            )
        return todays

    def claim_account(
        self, fingerprint: str, live_app_codes: Collection[str], recorded_app_codes: Collection[str]
    ) -> str | None:
        """Refuse a state file made for another account; a note when the file is taken for this
        account on the evidence of its applications.

        `fingerprint` identifies the API URL and token (`ApiClient.account_fingerprint`). One
        account may have several tokens (CI, personal, rotated), so an unknown fingerprint is
        accepted when an application code the file recorded is in the account (Pushwoosh's
        codes are unique to an account)."""
        if fingerprint in self.accounts:
            return None
        recorded = set(recorded_app_codes)
        if recorded.isdisjoint(live_app_codes) and (self.accounts or recorded):
            raise StateError(
                f"{self.path} is the state of another Pushwoosh account (API URL and token) "
                "than this one; choose this account's state with --state FILE, or with "
                "--workspace NAME (.pwconf-state.NAME.json)"
            )
        known_before = bool(self.accounts)
        with self._lock:
            self.accounts.append(fingerprint)
            self._unsaved = True
        if known_before:
            return (
                f"{self.path} was used with another API URL or token so far; its applications "
                "are in this account, so it is taken as this account's state"
            )
        return None

    def save(self) -> None:
        """Rewrite the file; the records of a journal, open or found, are in it from now on,
        and the journal is removed."""
        if self.path is None:
            return
        with self._lock:
            data = {
                "format_version": FORMAT_VERSION,
                "salt": self.salt,
                **self.records,
                "applied": self.applied,
                "accounts": self.accounts,
                "journal_folded": self._journal_ident or self.journal_folded,
            }
        try:
            write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True))
        except OSError as exc:
            raise _unwritable(self.path, exc) from None
        self.journal_folded = data["journal_folded"]
        self._unsaved = False
        if self._journal_ident is not None:
            if self._journal is not None:
                self._journal.close()
            self._journal = self._journal_ident = None
            remove_journal(journal_path(self.path))

    def start_journal(self) -> None:
        """From now on every record also goes to a journal beside the file. A crash's journal,
        and a state the file does not hold yet (its salt), are written into the file first. The
        caller holds the state's lock (`pwconf.lock`)."""
        if self.path is None or self._journal is not None:
            return
        if not self.path.exists():
            self.save()
        self.save_pending()
        try:
            self._journal = Journal(journal_path(self.path))
        except FileExistsError:
            raise StateError(
                f"another process is writing the state journal beside {self.path}",
                hint="only one apply at a time may use a state file; wait for it to end",
            ) from None
        except OSError as exc:
            raise _unwritable(journal_path(self.path), exc) from None
        self._journal_ident = self._journal.ident

    def sync_journal(self) -> None:
        """What was recorded so far is on the disk (a no-op without a journal)."""
        journal = self._journal
        if journal is not None:
            try:
                journal.sync()
            except OSError as exc:
                raise _unwritable(journal.path, exc) from None

    def save_pending(self) -> None:
        """Write what the file does not hold yet (a crash's journal, a new account); the caller
        holds the state's lock."""
        if self._journal_ident is not None or self._unsaved:
            self.save()


def check_writable(path: Path) -> None:
    """Raise a StateError naming the problem if a file could not be written at `path`."""
    try:
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder")
        for folder in path.parents:
            if folder.exists() and not folder.is_dir():
                raise NotADirectoryError(f"{folder} is not a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _read_state_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(
            f"cannot read the state file {path}: {exc}",
            hint="restore it from a backup, or move it away to start afresh "
            "(pwconf then re-learns what it can read)",
        ) from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise StateError(f"{path} is not a pwconf state file of format {FORMAT_VERSION}")
    damaged = sorted(k for k, v in data.items() if k not in OWN_KEYS and not isinstance(v, dict))
    if damaged:  # dropped here, they would be erased at the next save
        raise StateError(
            f"the state file {path} is damaged: {', '.join(damaged)} should be an object",
            hint="restore it from a backup",
        )
    return data


def _unwritable(path: Path, exc: OSError) -> StateError:
    return StateError(
        f"cannot write the state file {path}: {exc.strerror or exc}",
        hint="choose a writable place with --state, or free space and fix the folder's permissions",
    )


def state_path(
    paths: Sequence[str], explicit: str | None, *, emulator: bool, workspace: str | None
) -> Path:
    """--state, else the state file beside the manifests (the embedded emulator's with
    --emulator); in workspace `prod`, `.pwconf-state.json` is `.pwconf-state.prod.json`."""
    if explicit and workspace:
        raise UsageError("--state and --workspace both choose the state file: give one of them")
    if explicit:
        return Path(explicit)
    name = EMULATOR_NAME if emulator else DEFAULT_NAME
    if workspace:
        if not WORKSPACE.fullmatch(workspace):
            raise UsageError(
                f"--workspace {workspace!r}: use letters, digits, '-' and '_' (it becomes part of "
                "the state file's name)"
            )
        stem, _, suffix = name.rpartition(".")
        name = f"{stem}.{workspace}.{suffix}"
    return default_state_path(paths, name)


def default_state_path(paths: Sequence[str], name: str) -> Path:
    """Beside the manifests: in the first path if it is a directory, else in its folder."""
    first = Path(paths[0]) if paths else Path.cwd()
    folder = first if first.is_dir() else first.parent
    return folder / name


# --- the journal --------------------------------------------------------------------------


def journal_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".journal")


class Journal:
    """An open journal, appended to by several threads."""

    def __init__(self, path: Path) -> None:
        """A new journal (replacing none: the caller has folded and removed the last one)."""
        self.path = path
        self.ident = secrets.token_hex(8)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0  # lines written
        self._synced = 0  # lines known to be on the disk
        self.append({"journal": self.ident})
        self.sync()
        fsync_directory(path.parent)  # the new name itself survives a crash

    def append(self, record: Any) -> None:
        line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        with self._write_lock:
            unwritten = memoryview(line)
            while unwritten:
                unwritten = unwritten[os.write(self._fd, unwritten) :]
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
