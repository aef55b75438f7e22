import os
import subprocess
import sys
from pathlib import Path

import pytest

from pwconf import atomic_file
from pwconf.atomic_file import write_atomically


def _exited_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_file_gets_the_new_text_and_no_temporary_file_stays(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_keeps_the_old_text_and_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")

    def refuse(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic_file.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_files_left_by_killed_writers_are_swept_and_live_writers_files_kept(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    orphan = tmp_path / f".state.json.{_exited_pid()}.abc123.tmp"
    live = tmp_path / f".state.json.{os.getppid()}.def456.tmp"
    unrelated = tmp_path / ".other.json.1.x.tmp"
    for path in (orphan, live, unrelated):
        path.write_text("{")
    write_atomically(target, "{}")
    assert not orphan.exists()
    assert live.exists() and unrelated.exists()
    assert target.read_text() == "{}"
