"""Safety rails and interruption, through the CLI against the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from pwconf.atomic_file import STALE_AFTER_S
from pwconf.emulator.server import EmulatorServer
from tests.conftest import invoke
from tests.e2e.test_e2e_apply import apply, plan, snapshot, written

MANY_TAGS = "version: 1\nsettings: {prune: [tags]}\ntags:\n" + "".join(
    f"  T{n:02d}: {{type: string}}\n" for n in range(12)
)


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all.yaml").write_text(text)
    return folder


def test_a_plan_deleting_most_of_a_kind_is_refused(account, tmp_path) -> None:
    manifests, state = write(tmp_path / "m", MANY_TAGS), tmp_path / "s.json"
    assert apply(manifests, state).exit_code == 0
    write(manifests, "version: 1\nsettings: {prune: [tags]}\ntags:\n  T00: {type: string}\n")

    refused = plan(manifests, state)
    assert refused.exit_code == 1
    assert "deletes 11 of 12 live tags" in refused.output
    assert "--allow-mass-delete" in refused.output

    allowed = plan(manifests, state, "--allow-mass-delete")
    assert allowed.exit_code == 2
    assert "0 to add, 0 to change, 0 to replace, 11 to destroy" in allowed.output


def test_an_empty_set_of_manifests_plans_nothing(account, tmp_path) -> None:
    result = invoke("plan", tmp_path, "--detailed-exitcode")
    assert result.exit_code == 1
    assert "no manifest files" in result.output


def test_target_and_app_narrow_the_plan(account, quickstart, tmp_path) -> None:
    state = tmp_path / "s.json"
    only_tag = invoke("plan", quickstart, "--state", state, "--json", "--target", "tag.Age")
    assert [c["address"] for c in json.loads(only_tag.output)["changes"]] == ["tag.Age"]

    only_app = invoke("plan", quickstart, "--state", state, "--json", "--app", "shop")
    addresses = [c["address"] for c in json.loads(only_app.output)["changes"]]
    assert "application.shop" in addresses
    assert all(a.split(".")[0] not in ("tag", "segment") for a in addresses)


def test_usage_errors_exit_1_not_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pwconf.cli.main", "plan", "--no-such-option"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "No such option" in result.stderr


def test_the_token_is_never_taken_from_the_command_line() -> None:
    result = invoke("plan", "--token", "abc")
    assert result.exit_code != 0
    assert "No such option" in result.output


def test_an_apply_whose_state_file_cannot_be_written_makes_no_write_call(
    account, quickstart, tmp_path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = apply(quickstart, blocker / "state.json")
    assert result.exit_code == 1
    assert "cannot write the state file" in result.output
    assert "Traceback" not in result.output
    assert written(account) == []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_apply_leaves_no_half_file_and_can_finish(
    tmp_path: Path, quickstart: Path, stop: signal.Signals
) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(port=0, latency_ms=150) as server:
        env = {**os.environ, "PUSHWOOSH_API_URL": server.url, "PUSHWOOSH_API_TOKEN": server.token}
        command = [
            sys.executable,
            "-m",
            "pwconf.cli.main",
            "apply",
            str(quickstart),
            "--state",
            str(state),
            "--auto-approve",
            "--parallelism",
            "1",
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        _wait_for_writes(server, count=3)
        process.send_signal(stop)
        process.wait(timeout=30)
        assert process.returncode != 0

        if state.exists():
            json.loads(state.read_text())  # whole, never half-written
        left = list(tmp_path.glob(".state.json.*.tmp"))
        if stop == signal.SIGTERM:
            assert not left
        for path in left:  # SIGKILL struck mid-write: once stale, the next apply removes it
            stale = time.time() - STALE_AFTER_S - 60
            os.utime(path, (stale, stale))
        server.faults.latency_ms = 0
        plan_command = [
            *command[:3],
            "plan",
            str(quickstart),
            "--state",
            str(state),
            "--detailed-exitcode",
        ]
        remaining = subprocess.run(plan_command, env=env, capture_output=True, text=True)
        assert remaining.returncode == 2, remaining.stderr

        finish = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert finish.returncode == 0, finish.stdout + finish.stderr
        clean = subprocess.run(plan_command, env=env, capture_output=True, text=True)
        assert clean.returncode == 0, clean.stdout
        assert not list(tmp_path.glob(".state.json.*.tmp"))
        (account,) = snapshot(server)["accounts"]
        assert Counter(a["title"] for a in account["applications"]) == Counter({"Shop": 1})
        shop = account["applications"][0]
        for group in ("events", "presets", "clusters", "geozones"):
            names = [item["name"] for item in shop[group]]
            assert len(names) == len(set(names))


def _wait_for_writes(server: EmulatorServer, count: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        calls = requests.get(f"{server.admin_url}/calls", timeout=5).json()
        writes = [c for c in calls if not c["method"].startswith(("get", "list"))]
        if len(writes) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the apply made no writes")
