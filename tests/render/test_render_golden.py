"""Golden files for the three plan renderings of a scenario and of a plan without changes.

The files live in tests/render/golden/. After an intended change of output, regenerate them with

    PWCONF_UPDATE_GOLDEN=1 pytest tests/render

and review the diff of tests/render/golden/ before committing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pwconf.plan import Plan
from pwconf.render import render_json, render_markdown, render_text

RENDERERS: dict[str, Callable[[Plan], str]] = {
    "txt": render_text,
    "json": render_json,
    "md": render_markdown,
}


@pytest.mark.parametrize("extension", sorted(RENDERERS))
def test_scenario_matches_golden(scenario: Plan, golden, extension: str) -> None:
    golden(f"scenario.{extension}", RENDERERS[extension](scenario))


@pytest.mark.parametrize("extension", sorted(RENDERERS))
def test_no_changes_matches_golden(no_changes: Plan, golden, extension: str) -> None:
    golden(f"no_changes.{extension}", RENDERERS[extension](no_changes))


def test_colored_scenario_matches_golden(scenario: Plan, golden) -> None:
    golden("scenario_color.txt", render_text(scenario, color=True))
