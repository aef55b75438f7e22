"""A --var-file kept inside the manifest folder is a var file, not a manifest (as Terraform never
reads a -var-file as configuration)."""

from __future__ import annotations

import shutil
from pathlib import Path

import requests

from pwconf.emulator.server import EmulatorServer
from pwconf.manifest import load_desired, parse_variables
from pwconf.model import Address
from tests.conftest import invoke
from tests.manifest.helpers import FIXTURES

CASE = FIXTURES / "var-file-inside-manifest-folder"
VAR_FILE = CASE / "staging-vars.yaml"


def test_validate_reads_it_as_variables_only() -> None:
    result = invoke("validate", CASE, "--var-file", VAR_FILE)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Valid: 1 application, 0 tags, 1 event, 0 campaigns")
    assert result.output.endswith("(1 file).\n")


def test_the_variables_reach_the_manifests() -> None:
    state = load_desired([str(CASE)], parse_variables([], [str(VAR_FILE)]), {})
    assert [Path(file).name for file in state.files] == ["app.yaml"]
    assert state.entities[Address("application", None, "shop")].attrs["title"] == "Shop (staging)"


def test_it_is_recognised_in_a_sub_folder_and_through_another_path(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    shutil.copytree(CASE, folder)
    (folder / "env").mkdir()
    (folder / "staging-vars.yaml").rename(folder / "env" / "staging.yaml")
    (tmp_path / "link.yaml").symlink_to(folder / "env" / "staging.yaml")
    for var_file in (folder / "env" / "staging.yaml", tmp_path / "link.yaml"):
        result = invoke("validate", folder, "--var-file", var_file)
        assert result.exit_code == 0, result.output


def test_plan_against_the_emulator_creates_the_titled_application(
    account: EmulatorServer, tmp_path: Path
) -> None:
    result = invoke("plan", CASE, "--var-file", VAR_FILE, "--state", tmp_path / "state.json")
    assert result.exit_code == 0, result.output
    assert 'title = "Shop (staging)"' in result.output
    assert 'description = "Completed order"' in result.output
    assert "Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy." in result.output
    calls = requests.get(f"{account.admin_url}/calls", timeout=5).json()
    assert calls and all(call["method"].startswith(("get", "list")) for call in calls)


def test_without_var_file_it_is_read_as_the_manifest_it_is_not() -> None:
    result = invoke("validate", CASE)
    assert result.exit_code == 1
    assert "staging-vars.yaml:1:1: error: missing `version: 1`" in result.output


def test_named_as_a_manifest_path_it_is_read_as_one() -> None:
    result = invoke("validate", CASE / "app.yaml", VAR_FILE, "--var-file", VAR_FILE)
    assert result.exit_code == 1
    assert "staging-vars.yaml:1:1: error: missing `version: 1`" in result.output
