"""One apply at a time per state file, and no done call left unrecorded after kill -9.

Each apply here is a real `pwconf` process talking HTTP to the emulator, which runs in the test
process so that the test can hold its calls (to make two applies overlap for certain) or kill the
client at the moment a chosen call arrives (a random point of the apply, chosen by call count,
never by time).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from pwconf.emulator.core import METHODS
from pwconf.emulator.server import EmulatorServer
from pwconf.lock import lock_path
from pwconf.state import journal_path
from tests.e2e.test_e2e_apply import snapshot

PARALLELISM = 4
FCM = {"type": "service_account", "project_id": "fake-project", "private_key": "fake-key"}


def write_world(root: Path, apps: int, events: int, geozones: int) -> Path:
    """A folder of manifests: tags and segments, then per application Android credentials,
    events, presets, a cluster and geozones. Returns the manifest folder."""
    secrets = root / "secrets"
    secrets.mkdir(parents=True)
    (secrets / "fcm.json").write_text(json.dumps(FCM))
    manifests = root / "manifests"
    manifests.mkdir()
    account = ["version: 1", "tags:"]
    account += [f"  Tag{n}: {{type: string}}" for n in range(8)]
    account += ["segments:"]
    account += [f'  seg{n}:\n    expression: T("Tag{n}", EQ, "x")' for n in range(4)]
    (manifests / "account.yaml").write_text("\n".join(account) + "\n")
    for a in range(apps):
        lines = [
            "version: 1",
            "applications:",
            f"  app{a}:",
            f"    title: App {a}",
            "    android:",
            "      fcm_service_account: ${file:../secrets/fcm.json}",
            "    events:",
        ]
        lines += [
            f"      Event{e}: {{description: event {e}, attributes: {{sku: string}}}}"
            for e in range(events)
        ]
        lines += ["    presets:"]
        lines += [
            f"      p{p}: {{segment: seg{p}, platforms: [Android], content: {{message: Hi {p}}}}}"
            for p in range(2)
        ]
        lines += ["    geozone_clusters:", "      stores: {cooldown: 600}", "    geozones:"]
        lines += [
            f"      z{z}: {{lat: 50.{z:03d}, lng: 8.{a:03d}, range: 100, cooldown: 60, "
            f"preset: p{z % 2}, cluster: stores}}"
            for z in range(geozones)
        ]
        (manifests / f"app{a}.yaml").write_text("\n".join(lines) + "\n")
    return manifests


class CallHook:
    """Wraps the emulator's method calls: `on_write(n)` runs before the n-th write call of the
    current round; `hold` keeps every call waiting until it is set."""

    def __init__(self, server: EmulatorServer) -> None:
        self._core = server.core
        self._count = 0
        self._lock = threading.Lock()
        self.on_write: Callable[[int], None] | None = None
        self.hold = threading.Event()
        self.hold.set()
        server.core = self  # type: ignore[assignment]

    def new_round(self, on_write: Callable[[int], None] | None = None) -> None:
        with self._lock:
            self._count = 0
            self.on_write = on_write

    def handle(self, method: str, request: Any) -> Any:
        self.hold.wait(timeout=120)
        spec = METHODS.get(method)
        if spec is not None and spec.writes:
            with self._lock:
                self._count += 1
                number, hook = self._count, self.on_write
            if hook is not None:
                hook(number)
        return self._core.handle(method, request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._core, name)


def pwconf(*args: str | Path, server: EmulatorServer) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PUSHWOOSH_API_URL": server.url,
        "PUSHWOOSH_API_TOKEN": server.token,
        "PYTHONUNBUFFERED": "1",  # every line reaches the pipe before a kill can lose it
        "NO_COLOR": "1",
    }
    command = [sys.executable, "-m", "pwconf.cli.main", *map(str, args)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run(*args: str | Path, server: EmulatorServer) -> tuple[int, str, str]:
    process = pwconf(*args, server=server)
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def plan_json(manifests: Path, state: Path, server: EmulatorServer) -> list[dict[str, Any]]:
    code, out, err = run("plan", manifests, "--state", state, "--json", server=server)
    assert code == 0, err
    return json.loads(out)["changes"]


def account_of(server: EmulatorServer) -> dict[str, Any]:
    snap = snapshot(server)
    (account,) = [a for a in snap["accounts"] if a["id"] == snap["default_account"]]
    return account


@pytest.fixture
def slow_account(emulator: EmulatorServer) -> EmulatorServer:
    requests.put(f"{emulator.admin_url}/faults", json={"latency_ms": 5}, timeout=5)
    return emulator


def test_two_applies_started_together_one_is_refused_naming_the_holder(
    slow_account: EmulatorServer, tmp_path: Path
) -> None:
    manifests = write_world(tmp_path, apps=2, events=3, geozones=3)
    state = tmp_path / "state.json"
    hook = CallHook(slow_account)
    hook.hold.clear()  # whoever holds the lock is kept at its first call, so the two overlap
    args = ("apply", manifests, "--state", state, "--auto-approve", "--parallelism", "4")
    first, second = pwconf(*args, server=slow_account), pwconf(*args, server=slow_account)

    refused = _first_to_exit(first, second)
    winner = second if refused is first else first
    out, err = refused.communicate(timeout=60)
    holder = json.loads(lock_path(state).read_text())
    hook.hold.set()
    winner_out, winner_err = winner.communicate(timeout=300)

    assert refused.returncode == 1
    assert holder["pid"] == winner.pid
    assert f"is locked by `pwconf apply` (pid {winner.pid} on {socket.gethostname()}, since " in err
    assert "--lock-timeout" in err
    assert "Traceback" not in err
    assert winner.returncode == 0, winner_err
    assert not lock_path(state).exists()
    account = account_of(slow_account)
    titles = [app["title"] for app in account["applications"]]
    assert sorted(titles) == ["App 0", "App 1"]
    assert all(
        len(app["events"]) == 3 and len(app["geozones"]) == 3 for app in account["applications"]
    )
    assert plan_json(manifests, state, slow_account) == []


def _first_to_exit(*processes: subprocess.Popen[str]) -> subprocess.Popen[str]:
    exited = threading.Event()
    first: list[subprocess.Popen[str]] = []

    def watch(process: subprocess.Popen[str]) -> None:
        process.wait()
        first.append(process)
        exited.set()

    for process in processes:
        threading.Thread(target=watch, args=(process,), daemon=True).start()
    assert exited.wait(timeout=120), "neither process ended"
    return first[0]


def test_a_second_apply_waits_with_lock_timeout_then_runs(
    slow_account: EmulatorServer, tmp_path: Path
) -> None:
    manifests = write_world(tmp_path, apps=1, events=2, geozones=2)
    state = tmp_path / "state.json"
    hook = CallHook(slow_account)
    hook.hold.clear()
    first = pwconf("apply", manifests, "--state", state, "--auto-approve", server=slow_account)
    _wait_for(lambda: lock_path(state).exists() and lock_path(state).read_text().strip())
    second = pwconf(
        "apply",
        manifests,
        "--state",
        state,
        "--auto-approve",
        "--lock-timeout",
        "300",
        server=slow_account,
    )
    hook.hold.set()
    assert first.wait(timeout=300) == 0
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "No changes" in out


def _wait_for(condition: Callable[[], object]) -> None:
    event = threading.Event()
    for _ in range(3000):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("the condition never held")


# --- kill -9 ------------------------------------------------------------------------------


def test_kill_9_at_random_points_loses_no_record_of_a_done_change(
    slow_account: EmulatorServer, tmp_path: Path
) -> None:
    manifests = write_world(tmp_path, apps=4, events=10, geozones=8)
    state = tmp_path / "state.json"
    hook = CallHook(slow_account)
    rng = random.Random(int(os.environ.get("PWCONF_KILL_SEED", "1414")))
    killed_pids: list[int] = []

    for _round in range(3):
        remaining = plan_json(manifests, state, slow_account)
        writes = sum(len(change["actions"]) for change in remaining)
        kill_at = rng.randint(1, max(1, writes - PARALLELISM))
        process = _apply_killed_at(manifests, state, slow_account, hook, kill_at)
        out, err = process.communicate(timeout=300)
        assert process.returncode == -signal.SIGKILL, err
        if killed_pids:
            assert f"took over the lock of `pwconf apply` (pid {killed_pids[-1]} " in err
        killed_pids.append(process.pid)
        _check_nothing_done_is_forgotten(manifests, state, slow_account, out)

    hook.new_round()
    code, out, err = run(
        "apply",
        manifests,
        "--state",
        state,
        "--auto-approve",
        "--parallelism",
        str(PARALLELISM),
        server=slow_account,
    )
    assert code == 0, err
    assert not journal_path(state).exists() and not lock_path(state).exists()
    account = account_of(slow_account)
    assert sorted(app["title"] for app in account["applications"]) == [f"App {a}" for a in range(4)]
    for app in account["applications"]:
        assert len(app["events"]) == 10 and len(app["presets"]) == 2
        assert len(app["clusters"]) == 1 and len(app["geozones"]) == 8
    assert plan_json(manifests, state, slow_account) == []


def _apply_killed_at(
    manifests: Path, state: Path, server: EmulatorServer, hook: CallHook, kill_at: int
) -> subprocess.Popen[str]:
    started = threading.Event()
    process_box: list[subprocess.Popen[str]] = []

    def kill(number: int) -> None:
        if number == kill_at:
            started.wait(timeout=60)
            os.kill(process_box[0].pid, signal.SIGKILL)
            hook.new_round()  # the calls still arriving from the dead process run as usual

    hook.new_round(kill)
    process = pwconf(
        "apply",
        manifests,
        "--state",
        state,
        "--auto-approve",
        "--json",
        "--parallelism",
        str(PARALLELISM),
        server=server,
    )
    process_box.append(process)
    started.set()
    return process


def _check_nothing_done_is_forgotten(
    manifests: Path, state: Path, server: EmulatorServer, out: str
) -> None:
    """Every change reported done before the kill is known to the next plan; what the server
    did that the plan does not know is at most one call per worker (in flight at the kill)."""
    done = {
        record["address"]
        for record in map(json.loads, out.splitlines())
        if record.get("type") == "change" and record["outcome"] == "done"
    }
    changes = plan_json(manifests, state, server)
    assert done.isdisjoint({change["address"] for change in changes})
    account = account_of(server)
    handle_of = {app["code"]: f"app{app['title'].split()[-1]}" for app in account["applications"]}
    made = {
        f"event.{handle_of[app['code']]}.{event['name']}"
        for app in account["applications"]
        for event in app["events"]
    }
    configured = {
        f"application.{handle_of[app['code']]}"
        for app in account["applications"]
        if app["providers"].get("android")
    }
    recreated = {c["address"] for c in changes if c["address"] in made}
    reconfigured = {
        c["address"]
        for c in changes
        if c["address"] in configured
        and any(f["path"].startswith("android") for f in c["changed_fields"])
    }
    assert len(recreated | reconfigured) <= PARALLELISM, (recreated, reconfigured)
