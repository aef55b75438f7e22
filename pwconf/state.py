"""The state file: what pwconf itself created or configured and cannot read back.

Pushwoosh has no method to list events, never echoes credentials and never echoes a tag's
`user_specific` flag. To stay honest (no invented diffs, no perpetual changes, no duplicates),
pwconf records, beside the manifests, what it applied:

- `events`: per application code, each event name pwconf created, with a digest of its definition;
- `credentials`: per application code, salted HMACs of the credentials pwconf configured (never the
  values); the salt is random per state file;
- `tags`: the `user_specific` flag of tags pwconf created;
- `applications`: the code of each application handle, so that a new title is an update, not a
  new application;
- `applied`: per address, a digest of the attributes last applied, which tells a change made
  outside pwconf (drift) from a change in the manifests.

The file is rewritten atomically (temporary file, fsync, rename): a crash never leaves half of it.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

from pwconf.atomic_file import write_atomically
from pwconf.errors import StateError

FORMAT_VERSION = 1
DEFAULT_NAME = ".pwconf-state.json"


class State:
    def __init__(self, path: Path | None, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        data = data or {}
        self.salt: str = data.get("salt") or secrets.token_hex(16)
        self.events: dict[str, dict[str, str]] = data.get("events", {})
        self.credentials: dict[str, dict[str, Any]] = data.get("credentials", {})
        self.tags: dict[str, dict[str, Any]] = data.get("tags", {})
        self.applications: dict[str, str] = data.get("applications", {})
        self.applied: dict[str, str] = data.get("applied", {})

    # --- reading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None) -> State:
        if path is None or not path.exists():
            return cls(path)
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
        return cls(path, data)

    def events_of(self, app_code: str) -> dict[str, str]:
        return dict(self.events.get(app_code, {}))

    # --- recording -----------------------------------------------------------------------
    def record_event(self, app_code: str, name: str, digest: str) -> None:
        with self._lock:
            self.events.setdefault(app_code, {})[name] = digest

    def record_credentials(self, app_code: str, platform: str, sealed: Any) -> None:
        with self._lock:
            self.credentials.setdefault(app_code, {})[platform] = sealed

    def record_application(self, handle: str, app_code: str) -> None:
        with self._lock:
            self.applications[handle] = app_code

    def forget_application(self, app_code: str) -> None:
        with self._lock:
            self.applications = {h: c for h, c in self.applications.items() if c != app_code}
            self.events.pop(app_code, None)
            self.credentials.pop(app_code, None)

    def record_tag(self, name: str, user_specific: bool) -> None:
        with self._lock:
            self.tags[name] = {"user_specific": user_specific}

    def forget_tag(self, name: str) -> None:
        with self._lock:
            self.tags.pop(name, None)

    def record_applied(self, address: str, digest: str | None) -> None:
        with self._lock:
            if digest is None:
                self.applied.pop(address, None)
            else:
                self.applied[address] = digest

    # --- writing -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "format_version": FORMAT_VERSION,
                "salt": self.salt,
                "events": self.events,
                "credentials": self.credentials,
                "tags": self.tags,
                "applications": self.applications,
                "applied": self.applied,
            }

    def save(self) -> None:
        if self.path is None:
            return
        try:
            write_atomically(self.path, json.dumps(self.to_dict(), indent=1, sort_keys=True))
        except OSError as exc:
            raise _unwritable(self.path, exc) from None

    def check_writable(self) -> None:
        """Fail now, before an apply's first call, if the state file could not be saved."""
        if self.path is None:
            return
        try:
            if self.path.is_dir():
                raise IsADirectoryError(f"{self.path} is a folder")
            for folder in self.path.parents:
                if folder.exists() and not folder.is_dir():
                    raise NotADirectoryError(f"{folder} is not a folder")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.path.parent):
                pass
        except OSError as exc:
            raise _unwritable(self.path, exc) from None


def _unwritable(path: Path, exc: OSError) -> StateError:
    return StateError(
        f"cannot write the state file {path}: {exc.strerror or exc}",
        hint="choose a writable place with --state, or free space and fix the folder's "
        "permissions",
    )


def default_state_path(paths: list[str], name: str = DEFAULT_NAME) -> Path:
    """Beside the manifests: in the first path if it is a directory, else in its folder."""
    first = Path(paths[0]) if paths else Path.cwd()
    folder = first if first.is_dir() else first.parent
    return folder / name
