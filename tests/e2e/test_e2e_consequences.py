"""What a plan must say about consequences it would otherwise hide (issue 16, item 4)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import invoke
from tests.e2e.test_e2e_apply import apply, call_api, clear_journal, journal

SHOP = """version: 1
settings: {prune: [segments]}
tags:
  Age: {type: integer}
segments:
  adults: {expression: 'T("Age", GTE, 18)'}
applications:
  shop:
    title: Shop
    presets:
      welcome:
        segment: adults
        platforms: [iOS]
        content: {message: Hello}
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all.yaml").write_text(text)
    return folder


def plan(folder: Path, state: Path):
    return invoke("plan", folder, "--state", state, "--detailed-exitcode", "--no-color")


def test_pruning_a_segment_an_unmanaged_preset_uses_says_so(account, tmp_path) -> None:
    folder, state = write(tmp_path / "m", SHOP), tmp_path / "s.json"
    assert apply(folder, state).exit_code == 0
    without = SHOP.replace("segments:\n  adults: {expression: 'T(\"Age\", GTE, 18)'}\n", "")
    write(folder, without.split("    presets:")[0])

    result = plan(folder, state)

    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.output.splitlines() if "segment.adults" in line]
    assert line.lstrip().startswith("-")
    assert "still used by preset.shop.welcome" in line


def test_an_object_deleted_outside_pwconf_is_a_create_marked_so(account, tmp_path) -> None:
    folder, state = write(tmp_path / "m", SHOP), tmp_path / "s.json"
    assert apply(folder, state).exit_code == 0
    call_api(account, "deleteTag", tag={"name": "Age"})

    result = plan(folder, state)

    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.output.splitlines() if "tag.Age" in line]
    assert line.lstrip().startswith("+") and line.endswith("# deleted outside pwconf")


def test_a_create_certain_to_fail_is_an_error_at_plan_time(account, tmp_path) -> None:
    text = SHOP.replace('T("Age", GTE, 18)', 'A("ZZZZZ-99999") * T("Age", GTE, 18)')
    folder = write(tmp_path / "m", text)
    clear_journal(account)

    result = plan(folder, tmp_path / "s.json")

    assert result.exit_code == 1
    assert "segment.adults" in result.output and "ZZZZZ-99999" in result.output
    assert "Traceback" not in result.output
    assert all(call["method"].startswith(("get", "list")) for call in journal(account))
