"""Golden plan output from the real pipeline: the scenario's v1 applied, v2 planned.

v2 touches every kind and every action. Regenerate with PWCONF_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.e2e.test_e2e_apply import apply

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("scenario.txt", ["--no-color"]),
        ("scenario.json", ["--json"]),
        ("scenario.md", ["--markdown"]),
    ],
)
def test_plan_output_matches_golden(account, scenario, name: str, flags: list[str]) -> None:
    assert apply(scenario["v1"], scenario["state"]).exit_code == 0

    result = invoke("plan", scenario["v2"], "--state", scenario["state"], *flags)

    assert result.exit_code == 0, result.output
    golden = GOLDEN / name
    if os.environ.get("PWCONF_UPDATE_GOLDEN"):
        golden.write_text(result.output)
    assert result.output == golden.read_text()
