"""Fixtures shared by the end-to-end tests: an emulator on a free loopback port, the CLI."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pwconf.cli.main import cli
from pwconf.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCENARIO = ROOT / "tests" / "e2e" / "scenario"
P12_PASSWORD = "p12-password-e2e-4417"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(host="127.0.0.1", port=0, seed=7) as server:
        yield server


@pytest.fixture
def account(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    """The emulator, with the environment pointing pwconf at it."""
    monkeypatch.setenv("PUSHWOOSH_API_URL", emulator.url)
    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", emulator.token)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return emulator


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A private copy of examples/quickstart, so state files land in tmp."""
    target = tmp_path / "quickstart"
    shutil.copytree(EXAMPLES / "quickstart", target)
    return target


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The two versions of the scenario manifests, with one state file for both."""
    monkeypatch.setenv("PWCONF_TEST_P12_PASSWORD", P12_PASSWORD)
    return {"v1": SCENARIO / "v1", "v2": SCENARIO / "v2", "state": tmp_path / "state.json"}


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
