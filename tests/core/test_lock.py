"""The state file's lock: one holder, named to whoever is refused; a dead holder's lock is
taken over on the same host; another host's needs `force_unlock`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pwconf.errors import StateError
from pwconf.lock import acquire, force_unlock, lock_path, state_lock

HERE = socket.gethostname()


def write_holder(state: Path, host: str, pid: int) -> None:
    record = {"host": host, "pid": pid, "command": "pwconf apply", "started": "2030-01-01T00:00:00"}
    lock_path(state).write_text(json.dumps(record))


def test_the_lock_file_names_its_holder_while_held_and_goes_on_release(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    lock = acquire(state, "pwconf apply")
    holder = json.loads(lock_path(state).read_text())
    assert holder["pid"] == os.getpid() and holder["host"] == HERE
    assert holder["command"] == "pwconf apply" and holder["started"]
    assert lock.notes == []
    lock.release()
    assert not lock_path(state).exists()


def test_a_second_holder_is_refused_at_once_naming_the_first(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with state_lock(state, "pwconf apply"), pytest.raises(StateError) as refused:
        acquire(state, "pwconf plan --out")
    assert not lock_path(state).exists()  # released on the way out
    assert f"is locked by `pwconf apply` (pid {os.getpid()} on {HERE}" in refused.value.message
    assert "--lock-timeout" in refused.value.hint


def test_a_second_holder_waits_up_to_the_timeout(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = acquire(state, "pwconf apply")
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the first holder ends while the second waits
        waits.append(seconds)
        if len(waits) == 3:
            first.release()

    second = acquire(state, "pwconf apply", timeout=60, sleep=sleep)
    assert len(waits) == 3
    assert json.loads(lock_path(state).read_text())["pid"] == os.getpid()
    second.release()


def test_a_timeout_that_runs_out_is_a_refusal(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with state_lock(state, "pwconf apply"), pytest.raises(StateError, match=r"waited 0\.2 s"):
        acquire(state, "pwconf apply", timeout=0.2)


def test_a_lock_left_by_a_process_killed_with_sigkill_is_taken_over_with_a_note(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    holding = (
        "import sys, threading\n"
        "from pathlib import Path\n"
        "from pwconf.lock import acquire\n"
        f"acquire(Path({str(state)!r}), 'pwconf apply')\n"
        "print('held', flush=True)\n"
        "threading.Event().wait()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", holding], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "held\n"
    with pytest.raises(StateError, match=f"pid {child.pid} "):
        acquire(state, "pwconf apply")  # alive: refused
    started = json.loads(lock_path(state).read_text())["started"]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    lock = acquire(state, "pwconf apply")
    assert lock.notes == [
        f"took over the lock of `pwconf apply` (pid {child.pid} on {HERE}, since {started}), "
        "which ended without releasing it"
    ]
    lock.release()


def test_a_lock_naming_another_host_is_refused_until_force_unlocked(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    write_holder(state, "ci-runner-7", 4242)
    with pytest.raises(StateError) as refused:
        acquire(state, "pwconf apply")
    assert "`pwconf apply` (pid 4242 on ci-runner-7" in refused.value.message
    assert "pwconf force-unlock" in refused.value.hint

    holder = force_unlock(state)
    assert holder is not None and (holder.host, holder.pid) == ("ci-runner-7", 4242)
    assert not lock_path(state).exists()
    acquire(state, "pwconf apply").release()


def test_force_unlock_refuses_while_the_holder_runs(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with state_lock(state, "pwconf apply"):
        with pytest.raises(StateError, match="still running"):
            force_unlock(state)
        assert lock_path(state).exists()
    assert force_unlock(state) is None  # nothing left to unlock


def test_an_unreadable_lock_file_that_no_one_holds_is_taken_over(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    lock_path(state).write_text("{not json")
    lock = acquire(state, "pwconf apply")
    assert lock.notes and "did not say who held it" in lock.notes[0]
    lock.release()


def test_holders_take_turns_read_modify_write_loses_no_update(tmp_path: Path) -> None:
    state, counter = tmp_path / "state.json", tmp_path / "counter"
    counter.write_text("0")

    def worker() -> None:
        for _ in range(25):
            lock = acquire(state, "pwconf apply", timeout=60)
            value = int(counter.read_text())
            os.sched_yield()  # invite another thread in, which only the lock keeps out
            counter.write_text(str(value + 1))
            lock.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.read_text() == "100"
