"""`pwconf validate`: offline, one summary line when valid, every problem when not."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pwconf.cli.main import cli
from pwconf.manifest import load_desired, parse_variables
from pwconf.model import Address
from tests.manifest.conftest import Write
from tests.manifest.helpers import EXAMPLES

MULTI_ENV = EXAMPLES / "multi-env"
QUICKSTART_COUNTS = {
    "application": 1,
    "tag": 4,
    "event": 2,
    "campaign": 1,
    "segment": 3,
    "preset": 2,
    "geozone_cluster": 1,
    "geozone": 2,
}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token, and any attempt to open a socket fails the test."""
    monkeypatch.delenv("PUSHWOOSH_API_TOKEN", raising=False)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)


def validate(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["validate", *map(str, args)])


def test_quickstart_is_valid() -> None:
    result = validate(EXAMPLES / "quickstart")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Valid: 1 application, 4 tags, 2 events, 1 campaign, 3 segments, 2 presets, "
        "1 geozone cluster, 2 geozones (3 files).\n"
    )


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_multi_env_is_valid_for_each_environment(environment: str) -> None:
    var_file = MULTI_ENV / "vars" / f"{environment}.yaml"
    result = validate(MULTI_ENV / "manifests", "--var-file", var_file)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Valid: 1 application, 2 tags, 1 event, 0 campaigns, 2 segments"
    )


def test_multi_env_titles_follow_the_variables() -> None:
    titles = {}
    for environment in ("staging", "production"):
        variables = parse_variables([], [str(MULTI_ENV / "vars" / f"{environment}.yaml")])
        state = load_desired([str(MULTI_ENV / "manifests")], variables, {})
        titles[environment] = state.entities[Address("application", None, "shop")].attrs["title"]
    assert titles == {"staging": "Shop (staging)", "production": "Shop"}


def test_multi_env_without_variables_names_each_missing_one() -> None:
    result = validate(MULTI_ENV / "manifests")
    assert result.exit_code == 1
    assert "app.yaml:9:12: error: variable 'APP_TITLE' is not defined" in result.output


def test_quickstart_needs_no_environment_variable() -> None:
    state = load_desired([str(EXAMPLES / "quickstart")], {}, {})
    app = state.entities[Address("application", None, "shop")]
    assert app.attrs["ios"]["key_file"].origin == "file:secrets/fake-shop.p12"
    assert state.counts() == QUICKSTART_COUNTS


def test_problems_go_to_stdout_one_per_line(write: Write) -> None:
    write("a.yaml", "version: 1\ntags:\n  Age: {type: int}\n")
    write("b.yaml", "version: 1\nsegments:\n  s: {expression: 'T(\"Age\", EQ'}\n")
    result = validate()
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("a.yaml:3:15: error: 'type' of tag 'Age' must be one of:")
    assert lines[1].startswith("b.yaml:3:31: error: segment 's': invalid expression: expected ')'")
    assert lines[2] == "2 problems found."


def test_json_output(write: Write) -> None:
    write("a.yaml", "version: 1\ntags:\n  Age: {type: int}\n  Plan: {type: string}\n")
    result = validate("--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert report["files"] == 1
    assert report["counts"]["tag"] == 1
    assert report["problems"] == [
        {
            "file": "a.yaml",
            "line": 3,
            "column": 15,
            "severity": "error",
            "message": report["problems"][0]["message"],
        }
    ]


def test_json_output_when_valid() -> None:
    result = validate(EXAMPLES / "quickstart", "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["valid"] is True and report["problems"] == [] and report["files"] == 3
    assert report["counts"] == QUICKSTART_COUNTS


def test_bad_var_option_is_an_error(write: Write) -> None:
    write("a.yaml", "version: 1\n")
    result = validate("--var", "oops")
    assert result.exit_code == 1
    assert "--var expects NAME=VALUE" in result.output
    report = json.loads(validate("--var", "oops", "--json").output)
    assert report["valid"] is False and report["problems"][0]["line"] is None


def test_missing_path_and_empty_directory(write: Write, tmp_path: Path) -> None:
    result = validate("nowhere")
    assert result.exit_code == 1
    assert result.output.startswith("error: path 'nowhere' does not exist")
    (tmp_path / "empty").mkdir()
    result = validate("empty")
    assert result.exit_code == 1
    assert "no manifest files (*.yaml, *.yml) found under 'empty'" in result.output


def test_counts_are_pluralised(write: Write) -> None:
    write("a.yaml", "version: 1\ntags:\n  Age: {type: integer}\n")
    assert validate().output == (
        "Valid: 0 applications, 1 tag, 0 events, 0 campaigns, 0 segments, 0 presets, "
        "0 geozone clusters, 0 geozones (1 file).\n"
    )
