"""A Secret never reaches any rendering, wherever it sits in a plan."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pwconf.model import Address, Secret
from pwconf.plan import Action, Change, FieldChange, Note, Plan
from pwconf.render import render_json, render_markdown, render_text
from pwconf.render.markdown import markdown_document

SECRET = "hunter2-secret"

RENDERERS: list[Callable[[Plan], str]] = [
    render_text,
    lambda plan: render_text(plan, color=True),
    render_json,
    render_markdown,
    lambda plan: render_markdown(plan, limit=2_000),
]


def leaky_plan() -> Plan:
    app = Address("application", None, "shop")
    secret = Secret(SECRET, origin="env:SHOP_P12_PASSWORD")
    return Plan(
        changes=[
            Change(
                app,
                Action.CREATE,
                "",
                after={"ios": {"key_password": secret}, "keys": [secret], "top": secret},
            ),
            Change(
                Address("application", None, "news"),
                Action.UPDATE,
                "",
                before={"password": secret},
                after={"password": {"nested": (secret,)}},
                fields=[
                    FieldChange("password", secret, Secret(SECRET)),
                    FieldChange("list", [secret], {"k": {secret}}),
                ],
            ),
            Change(
                Address("tag", None, "Plan"),
                Action.REPLACE,
                "",
                fields=[FieldChange("type", secret, "x", forces_replacement=True)],
            ),
        ],
        notes=[Note(app, "credentials are write-only")],
    )


@pytest.mark.parametrize("render", RENDERERS)
def test_secret_never_leaks(render: Callable[[Plan], str]) -> None:
    output = render(leaky_plan())
    assert "hunter2" not in output
    assert "(sensitive value)" in output


@pytest.mark.parametrize("render", RENDERERS)
def test_secret_in_the_scenario_never_leaks(scenario: Plan, render) -> None:
    assert "hunter2" not in render(scenario)


def test_secret_is_not_in_the_truncated_document() -> None:
    plan = leaky_plan()
    assert "hunter2" not in markdown_document(plan, plan.changes[:1], total=3)
