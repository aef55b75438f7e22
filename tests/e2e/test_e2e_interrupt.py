"""Ctrl-C and SIGTERM in the middle of an apply: a real process against a slow emulator."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pwconf.emulator.server import EmulatorServer
from tests.e2e.test_e2e_safety import _wait_for_writes

QUICKSTART_CHANGES = 16
INTERRUPTED = re.compile(
    r"Apply interrupted after [\d.]+s: (\d+) changes? done, (\d+) failed, (\d+) skipped, "
    r"(\d+) not started \((\d+) calls?, \d+ warnings?\)\."
)


@pytest.mark.parametrize(
    ("stop", "code", "heading"),
    [
        (signal.SIGINT, 130, "Interrupted"),
        (signal.SIGTERM, 143, "Terminated (SIGTERM)"),
    ],
)
def test_a_signal_mid_apply_reports_what_was_done_and_what_is_left(
    tmp_path: Path, quickstart: Path, stop: signal.Signals, code: int, heading: str
) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(port=0, latency_ms=150) as server:
        env = {
            **os.environ,
            "PUSHWOOSH_API_URL": server.url,
            "PUSHWOOSH_API_TOKEN": server.token,
            "NO_COLOR": "1",
        }
        command = [sys.executable, "-m", "pwconf.cli.main", "apply", str(quickstart),
                   "--state", str(state), "--auto-approve", "--parallelism", "1"]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        _wait_for_writes(server, count=3)
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=30)

        assert process.returncode == code, stdout + stderr
        assert "Traceback" not in stderr
        report = stdout.split("Plan: 16 to add", 1)[1]
        assert f"{heading}: the calls in flight finished; no other call was started." in report
        match = INTERRUPTED.search(report)
        assert match, report
        done, failed, skipped, not_started, calls = map(int, match.groups())
        assert done + failed + skipped + not_started == QUICKSTART_CHANGES
        assert 1 <= done < QUICKSTART_CHANGES and not_started > 0
        assert len(re.findall(r"^done create ", report, re.MULTILINE)) == done
        assert f"The state file {state} was saved; `pwconf apply` again finishes the job." in report
        recorded = json.loads(state.read_text())["applied"]
        assert len(recorded) == done  # the state holds exactly what was done

        server.faults.latency_ms = 0
        finish = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert finish.returncode == 0, finish.stdout + finish.stderr
        assert f"Plan: {not_started} to add" in finish.stdout
