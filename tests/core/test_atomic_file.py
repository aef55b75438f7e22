import os
import time
from pathlib import Path

import pytest

from pwconf import atomic_file
from pwconf.atomic_file import STALE_AFTER_S, remove_stale_temporaries, write_atomically


def _aged(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


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


def test_the_first_write_removes_stale_temporary_files_of_that_file_only(tmp_path: Path) -> None:
    stale = tmp_path / ".state.json.k1ll3d_x.tmp"
    fresh = tmp_path / ".state.json.wr1t1ng0.tmp"  # a writer may be busy with it
    neighbour = tmp_path / ".state.json.1.abcdefgh.tmp"  # state.json.1's
    for path in (stale, fresh, neighbour):
        path.write_text("{")
    folder = tmp_path / ".state.json.d1rector.tmp"
    folder.mkdir()
    for path in (stale, neighbour, folder):
        _aged(path, STALE_AFTER_S + 60)

    write_atomically(tmp_path / "state.json", "{}")

    assert not stale.exists()
    assert fresh.exists() and neighbour.exists() and folder.is_dir()
    assert (tmp_path / "state.json").read_text() == "{}"


def test_sweeping_a_folder_that_cannot_be_listed_is_no_error(tmp_path: Path) -> None:
    remove_stale_temporaries(tmp_path / "missing" / "state.json")
