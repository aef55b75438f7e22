"""What a user reads, through the CLI against the emulator: values never cut, scopes that match
nothing refused, apply's progress and report, and one wording for counts and errors."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import invoke
from tests.e2e.test_e2e_apply import apply, clear_journal, journal, plan

TAGS = "version: 1\ntags:\n" + "".join(f"  T{n:03d}: {{type: string}}\n" for n in range(40))


def write(folder: Path, text: str, name: str = "all.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def screen(raw: str) -> list[str]:
    """The lines a terminal shows for `raw`: `\\r` returns to column 0, `ESC[K` erases to the
    end of the line."""
    lines: list[str] = []
    line: list[str] = []
    column = 0
    index = 0
    while index < len(raw):
        if raw.startswith("\x1b[K", index):
            del line[column:]
            index += 3
            continue
        char = raw[index]
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append("".join(line))
            line, column = [], 0
        else:
            line[column : column + 1] = [char]
            column += 1
        index += 1
    return [*lines, "".join(line)] if line else lines


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """pwconf with stdout and stderr on one pseudo-terminal, as a user at a shell runs it."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pwconf.cli.main", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**env, "NO_COLOR": "1"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode()


# --- item 1: the plan shows the change in a long value -----------------------------------


def test_a_change_at_the_end_of_a_long_expression_is_visible_in_the_plan(
    account, quickstart, tmp_path
) -> None:
    state = tmp_path / "state.json"
    assert apply(quickstart, state).exit_code == 0
    audience = quickstart / "audience.yaml"
    audience.write_text(audience.read_text().replace('EQ, "fr")', 'EQ, "de")'))

    result = plan(quickstart, state, "--no-color")

    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    start = lines.index("      expression: # forces replacement")
    before, after = lines[start + 1], lines[start + 2]
    assert before.startswith("        - ") and before.endswith('T(\\"Language\\", EQ, \\"fr\\")"')
    assert after.startswith("        + ") and after.endswith('T(\\"Language\\", EQ, \\"de\\")"')
    assert len(before) == len(after)  # in full, lined up character by character
    assert "…" not in result.stdout

    markdown = plan(quickstart, state, "--markdown").stdout
    assert '+       + "AT(@shop, \\"Favorite Team\\"' in markdown
    assert 'EQ, \\"de\\")"' in markdown and "…" not in markdown


# --- item 2: --app and --target that match nothing ---------------------------------------


def test_an_app_that_matches_nothing_is_an_error_before_any_call(account, quickstart) -> None:
    clear_journal(account)

    result = invoke("plan", quickstart, "--detailed-exitcode", "--app", "shp")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "error: --app shp matches nothing in the manifests or the state file; "
        "did you mean shop?"
    )
    assert journal(account) == []


def test_a_target_that_matches_nothing_is_an_error_before_any_call(account, quickstart) -> None:
    clear_journal(account)

    result = invoke(
        "apply", quickstart, "--auto-approve", "--target", "segment.summer-fan",
        "--target", "tag.Age", "--target", "tag.Nothing-like-it",
    )

    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "error: 2 options match nothing in the manifests or the state file:",
        "  --target segment.summer-fan (did you mean segment.summer-fans?)",
        "  --target tag.Nothing-like-it",
    ]
    assert journal(account) == []


def test_a_target_known_only_to_the_state_file_can_still_be_deleted(account, tmp_path) -> None:
    manifests, state = tmp_path / "m", tmp_path / "state.json"
    write(manifests, "version: 1\nsettings: {prune: [tags]}\ntags:\n  Old: {type: string}\n"
          "  Kept: {type: string}\n")
    assert apply(manifests, state).exit_code == 0
    write(manifests, "version: 1\nsettings: {prune: [tags]}\ntags:\n  Kept: {type: string}\n")

    result = invoke("plan", manifests, "--state", state, "--target", "tag.Old", "--no-color")

    assert result.exit_code == 0, result.output
    assert "  - tag.Old" in result.stdout
    assert "Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy." in result.stdout


# --- item 6: progress ------------------------------------------------------------------


def test_off_a_terminal_apply_prints_one_line_per_finished_object(account, tmp_path) -> None:
    manifests = write(tmp_path / "m", TAGS)

    result = apply(manifests, tmp_path / "state.json")

    assert result.exit_code == 0, result.output
    report = result.stdout.split("Plan: 40 to add, 0 to change, 0 to replace, 0 to destroy.\n")[1]
    lines = report.splitlines()
    assert lines[0] == ""  # a blank line between the plan and the report
    assert lines[1:41] == [f"done create tag.T{n:03d}" for n in range(40)]
    assert re.fullmatch(
        r"Apply complete: 40 changes done in [\d.]+s \(40 calls, 0 warnings\)\.", lines[-1]
    )
    assert len(lines) == 43  # blank, 40 objects, blank, summary


def test_on_a_terminal_progress_is_one_line_that_never_sticks_to_the_output(
    emulator, quickstart, tmp_path
) -> None:
    env = {
        **os.environ,
        "PUSHWOOSH_API_URL": emulator.url,
        "PUSHWOOSH_API_TOKEN": emulator.token,
    }
    state = str(tmp_path / "state.json")
    code, raw = run_on_terminal(["apply", str(quickstart), "--state", state, "--auto-approve"], env)

    assert code == 0, raw
    shown = screen(raw)
    reads = len(requests.get(f"{emulator.admin_url}/calls", timeout=5).json()) - 18  # 18 by apply
    assert shown[0] == f"Read the account: {reads} calls in {shown[0].split(' in ')[1]}"
    assert shown[1].startswith("Actions: + create")  # the plan starts on a line of its own
    assert not [line for line in shown if "Reading the account" in line or "Applying:" in line]
    assert "Applying: 16/16 changes, 0 failed" in raw  # it was drawn, then cleared
    assert not [line for line in shown if line.startswith("done ")]
    assert re.fullmatch(
        r"Apply complete: 16 changes done in [\d.]+s \(18 calls, 0 warnings\)\.", shown[-1]
    )
    assert shown[-2] == "" and shown[-3].startswith("Plan: 16 to add")


# --- item 8: one wording ---------------------------------------------------------------


def test_counts_errors_and_hints_have_one_wording(account, tmp_path) -> None:
    one = write(tmp_path / "one", "version: 1\ntags:\n  Age: {type: integr}\n")
    two = write(tmp_path / "two", "version: 1\ntags:\n  Age: {type: integr}\n  B: {type: x}\n")

    assert invoke("plan", one).stderr.splitlines()[-1] == "1 problem found. Nothing was sent."
    assert invoke("plan", two).stderr.splitlines()[-1] == "2 problems found. Nothing was sent."
    assert invoke("validate", two).stdout.splitlines()[-1] == "2 problems found."
    refused = invoke("plan", tmp_path / "missing")
    usage = subprocess.run(
        [sys.executable, "-m", "pwconf.cli.main", "plan", "--parallelism", "0"],
        capture_output=True, text=True, check=False,
    )
    assert usage.returncode == 1
    for text in (refused.stderr, usage.stderr):
        assert "error: " in text and "Error:" not in text
    assert "(s)" not in refused.stderr + usage.stderr


def test_a_replace_counts_as_one_change_in_the_apply_summary(account, scenario) -> None:
    assert apply(scenario["v1"], scenario["state"]).exit_code == 0

    result = apply(scenario["v2"], scenario["state"], "--allow-data-loss")

    assert result.exit_code == 0, result.output
    assert "Plan: 9 to add, 3 to change, 5 to replace, 6 to destroy." in result.stdout
    assert "Apply complete: 23 changes done in " in result.stdout
    assert "done replace tag.Age" in result.stdout.splitlines()


def test_help_is_never_cut_and_names_the_emulator_state_file() -> None:
    overview = invoke("--help").stdout
    commands = overview.split("Commands:")[1]
    assert not [line for line in commands.splitlines() if line.rstrip().endswith("...")]
    words = " ".join(commands.split())
    assert "until Ctrl-C or SIGTERM." in words and "without any API call." in words
    plan_help = re.sub(r"-\s+", "-", " ".join(invoke("plan", "--help").stdout.split()))
    assert "and with --emulator .pwconf-emulator-state.json." in plan_help


def test_large_counts_have_thousands_separators(tmp_path) -> None:
    many = "version: 1\ntags:\n" + "".join(f"  T{n:04d}: {{type: string}}\n" for n in range(1200))
    result = invoke("validate", write(tmp_path / "m", many))
    assert result.exit_code == 0
    assert "1,200 tags" in result.stdout
