"""`pwconf emulator` as users run it: a real process, and click's runner for the refusals."""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from pwconf.cli.emulator_cmd import emulator
from pwconf.emulator.server import EmulatorError, EmulatorServer

# The real entry point, as the `pwconf` console script runs it.
PWCONF = [sys.executable, "-c", "from pwconf.cli.main import main; main()"]


def read_line(process: subprocess.Popen[str], timeout: float = 10) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "the emulator printed nothing"
    line = process.stdout.readline()
    if not line:  # it exited: show why
        process.wait(timeout=5)
        stderr = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"the emulator exited with {process.returncode}: {stderr}")
    return line


def test_serves_until_sigterm_and_saves(tmp_path: Path) -> None:
    data = tmp_path / "emulator.json"
    process = subprocess.Popen(
        [*PWCONF, "emulator", "--port", "0", "--data", str(data), "--token", "tok-1",
         "--token", "tok-2", "--seed", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = read_line(process)
        prefix, _, rest = line.partition(" on ")
        assert prefix == "pwconf emulator listening"
        url, _, token_part = rest.strip().partition(" ")
        assert url.startswith("http://127.0.0.1:") and url.endswith("/json/1.3")
        assert token_part == "(token: tok-1)"
        answer = requests.post(f"{url}/createApplication",
                               json={"request": {"auth": "tok-2", "title": "From CLI"}}, timeout=5)
        assert answer.json()["status_code"] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert process.stderr.read().strip() == "pwconf emulator stopped"  # quiet: no request log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    saved = json.loads(data.read_text())
    assert saved["accounts"][0]["applications"][0]["title"] == "From CLI"
    assert saved["seed"] == 4


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_server_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(EmulatorError, match="loopback"):
        EmulatorServer(host=host)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.2"])
def test_server_accepts_loopback_hosts(host: str) -> None:
    with EmulatorServer(host=host) as srv:
        assert requests.get(f"{srv.admin_url}/health", timeout=5).json() == {"status": "ok"}


def test_refuses_a_non_loopback_host() -> None:
    result = CliRunner().invoke(emulator, ["--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert "loopback" in result.output


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(emulator, ["--port", str(port)])
    assert result.exit_code == 1
    assert f"can not listen on 127.0.0.1:{port}" in result.output


def test_bad_fault_setting_is_a_clear_error() -> None:
    result = CliRunner().invoke(emulator, ["--port", "0", "--rate-limit", "0,1,1"])
    assert result.exit_code == 1
    assert "Error: rate_limit.every must be an integer >= 1" in result.output
