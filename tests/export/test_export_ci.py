"""examples/ci: the GitHub Actions workflows and the pre-commit hook use pwconf as it is."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from export_helpers import invoke

from pwconf.cli.main import cli
from pwconf.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "examples" / "ci"
WORKFLOWS = sorted((CI / ".github" / "workflows").glob("*.yml"))
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PWCONF = Path(sys.executable).with_name("pwconf")
SHELL_OPERATORS = {">", ">>", "2>", "2>>", "<", "|", "||", "&&", ";", "&", "2>&1"}


def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    if True in data:
        data["on"] = data.pop(True)
    return data


def run_scripts(workflow: dict[str, Any]) -> list[str]:
    return [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]


def pwconf_commands(script: str) -> list[list[str]]:
    """Each `pwconf ...` command line of a shell script, as words, up to the first operator."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0] != "pwconf":
            continue
        args = []
        for word in words[1:]:
            if word in SHELL_OPERATORS or word.startswith(("2>", ">")):
                break
            args.append(word)
        commands.append(args)
    return commands


def option_names(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def check_command(args: list[str]) -> str:
    assert args, "a bare `pwconf` in a workflow"
    name = args[0]
    assert isinstance(cli, click.Group)
    command = cli.commands.get(name)
    assert command is not None, f"`pwconf {name}` is not a pwconf command"
    known = option_names(command)
    for word in args[1:]:
        if word.startswith("-"):
            option = word.split("=", 1)[0]
            assert option in known, f"`pwconf {name}` has no option {option}"
    return name


def test_there_are_workflows_and_a_readme() -> None:
    assert len(WORKFLOWS) >= 3
    readme = (CI / "README.md").read_text(encoding="utf-8")
    for path in WORKFLOWS:
        assert path.name in readme


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_yaml_with_jobs(path: Path) -> None:
    workflow = load_workflow(path)
    assert workflow["name"]
    assert workflow["on"]
    assert workflow["jobs"]
    for job in workflow["jobs"].values():
        assert job["runs-on"]
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), step


def test_workflows_have_the_expected_triggers() -> None:
    triggers: dict[str, Any] = {}
    for path in WORKFLOWS:
        on = load_workflow(path)["on"]
        triggers.update({k: v for k, v in on.items() if k != "workflow_dispatch"})
    assert "pull_request" in triggers
    assert "main" in triggers["push"]["branches"]
    assert triggers["schedule"][0]["cron"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_pwconf_command_in_a_workflow_exists(path: Path) -> None:
    commands = [c for script in run_scripts(load_workflow(path)) for c in pwconf_commands(script)]
    assert commands, f"{path.name} runs no pwconf command"
    for args in commands:
        check_command(args)


def test_the_workflows_cover_validate_plan_apply_and_drift() -> None:
    by_trigger: dict[str, list[list[str]]] = {}
    for path in WORKFLOWS:
        workflow = load_workflow(path)
        commands = [c for s in run_scripts(workflow) for c in pwconf_commands(s)]
        for trigger in workflow["on"]:
            by_trigger.setdefault(trigger, []).extend(commands)
    pr = by_trigger["pull_request"]
    assert any(c[0] == "validate" for c in pr)
    assert any(c[0] == "plan" and "--markdown" in c for c in pr)
    assert any(c[0] == "apply" for c in by_trigger["push"])
    assert any(c[0] == "plan" and "--detailed-exitcode" in c for c in by_trigger["schedule"])


def test_the_command_checker_catches_mistakes() -> None:
    with pytest.raises(AssertionError):
        check_command(["plna"])
    with pytest.raises(AssertionError):
        check_command(["plan", "--detailed-exit-code"])
    assert pwconf_commands('set +e\npwconf plan "$DIR" --markdown > plan.md 2> err\n') == [
        ["plan", "$DIR", "--markdown"]
    ]


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "pwconf-validate"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    words = shlex.split(hook["entry"])
    assert words[0] == "pwconf"
    check_command(words[1:])
    assert words[1] == "validate"


def run_hook(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    hook = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))[0]
    words = shlex.split(hook["entry"])
    command = [str(PWCONF), *words[1:], *map(str, hook.get("args", [])), *map(str, args)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWOOSH_")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_pre_commit_hook_validates_the_quickstart(tmp_path: Path) -> None:
    quickstart = ROOT / "examples" / "quickstart"
    if not quickstart.is_dir():
        pytest.skip("examples/quickstart is not written yet")
    done = run_hook(quickstart, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_hook_validates_an_export_and_fails_on_a_broken_one(
    account: EmulatorServer, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    assert invoke("export", "--out", out).exit_code == 0
    done = run_hook(out, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "broken.yaml").write_text("version: 1\ntags:\n  Age: {type: integr}\n")
    failed = run_hook(out, cwd=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "broken.yaml" in failed.stdout + failed.stderr


def completion(shell_words: str, cword: int) -> str:
    env = {**os.environ, "_PWCONF_COMPLETE": "bash_complete", "COMP_WORDS": shell_words}
    env["COMP_CWORD"] = str(cword)
    done = subprocess.run([str(PWCONF)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_shell_completion_as_documented() -> None:
    assert "export" in completion("pwconf exp", 1)
    assert "--schema-url" in completion("pwconf export --sch", 2)
    readme = (CI / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_PWCONF_COMPLETE={shell}_source pwconf" in readme
        env = {**os.environ, "_PWCONF_COMPLETE": f"{shell}_source"}
        done = subprocess.run([str(PWCONF)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "_PWCONF_COMPLETE" in done.stdout, done.stderr
