"""The Markdown plan: layout, escaping, and truncation under GitHub's size limits."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwconf.model import Address
from pwconf.plan import Action, Change, FieldChange, Note, Plan
from pwconf.render import render_markdown
from pwconf.render.markdown import GITHUB_COMMENT_LIMIT, markdown_document

NOTE = re.compile(
    r"_Plan truncated: ([\d,]+) of ([\d,]+) changes shown; run pwconf plan locally for the full "
    r"plan\._"
)


def big_plan(count: int) -> Plan:
    changes = []
    for number in range(count):
        address = Address("preset", f"app{number % 7}", f"preset-{number:05d}")
        changes.append(
            Change(
                address,
                [Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE][number % 4],
                "presets cannot be updated",
                after={"platforms": ["iOS", "Android"], "content": {"message": f"Hello {number}"}},
                fields=[FieldChange("content.message", "Hi", f"Hello {number}", True)],
            )
        )
    return Plan(changes=changes, unmanaged={"tags": ["Old"]}, notes=[Note(None, "a note")])


def outside_fences(markdown: str) -> str:
    """The Markdown with fenced blocks removed: text inside them is literal, not HTML."""
    kept, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return "\n".join(kept)


def assert_well_formed(markdown: str) -> None:
    """Every fence opened is closed, and every <details> tag too."""
    fences = [line for line in markdown.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0
    html = outside_fences(markdown)
    assert html.count("<details>") == html.count("</details>")
    if "<details>" in html:
        assert html.index("<details>") < html.rindex("</details>")


def test_title_summary_table_and_details(scenario: Plan) -> None:
    markdown = render_markdown(scenario)
    assert markdown.startswith("### pwconf plan\n\n**Plan: 6 to add, 3 to change")
    assert "| `-/+` replace | `tag.Plan` | type is immutable; **data loss** |" in markdown
    assert "<details><summary>Full plan</summary>\n\n```diff\n" in markdown
    assert_well_formed(markdown)


def test_diff_lines_start_with_the_action(scenario: Plan) -> None:
    markdown = render_markdown(scenario)
    body = markdown.split("```diff\n", 1)[1].split("\n```", 1)[0]
    assert "+   application.news (not in the account)" in body
    assert '+     title = "News"' in body
    assert "-/+ tag.Plan (type is immutable)" in body
    assert "-   tag.Legacy (not in manifests and prune is on)" in body
    assert '~     title: "Shop" -> "Shop EU"' in body
    assert all(line[:1] in {"", "+", "-", "~", " "} for line in body.splitlines())


def test_long_and_multiline_values_are_shown_whole_with_their_diff_signs() -> None:
    expression = 'T("Country", IN, ["FR", "BE", "CH", "LU", "MC"]) * ' + 'T("Language", IN, ["fr"])'
    message = "Bonjour\nNos soldes commencent\nA bientot"
    changes = [
        Change(
            Address("segment", None, "summer-fans"),
            Action.REPLACE,
            "expression cannot be updated in place",
            fields=[FieldChange("expression", expression, expression.replace("fr", "de"), True)],
        ),
        Change(
            Address("preset", "shop", "sale"),
            Action.UPDATE,
            "",
            fields=[FieldChange("message", message, message.replace("bientot", "demain"))],
        ),
    ]

    body = render_markdown(Plan(changes=changes)).split("```diff\n", 1)[1].split("\n```")[0]

    lines = body.splitlines()
    assert lines[lines.index("~     expression: # forces replacement") + 1 :][:2] == [
        "-       - " + json.dumps(expression),
        "+       + " + json.dumps(expression.replace("fr", "de")),
    ]
    start = lines.index("~     message: <<-EOT")
    assert lines[start + 1 : start + 5] == [
        "          Bonjour",
        "          Nos soldes commencent",
        "-       - A bientot",
        "+       + A demain",
    ]
    assert "…" not in body


def test_small_plan_is_not_truncated(scenario: Plan) -> None:
    assert "Plan truncated" not in render_markdown(scenario)


def test_thousands_of_changes_are_truncated_within_the_limit() -> None:
    plan = big_plan(3000)
    markdown = render_markdown(plan)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    match = NOTE.search(markdown)
    assert match, "truncation note missing"
    shown, total = int(match[1].replace(",", "")), int(match[2].replace(",", ""))
    assert total == 3000
    assert match[2] == "3,000"  # thousands separators
    assert 0 < shown < total
    assert markdown.count("\n| `") == shown  # one table row per change shown
    assert_well_formed(markdown)
    assert markdown.rstrip().endswith(match[0])


def test_truncation_shows_as_many_changes_as_fit() -> None:
    plan = big_plan(300)
    limit = 20_000
    markdown = render_markdown(plan, limit=limit)
    shown = int(NOTE.search(markdown)[1].replace(",", ""))
    one_more = markdown_document(plan, plan.changes[: shown + 1], total=len(plan.changes))
    assert len(markdown) <= limit < len(one_more)


@pytest.mark.parametrize("limit", [1_048_576, 65_000, 5_000, 1_000, 400])
def test_output_never_exceeds_the_limit(limit: int) -> None:
    markdown = render_markdown(big_plan(2000), limit=limit)
    assert len(markdown) <= limit
    assert NOTE.search(markdown) or limit >= 1_048_576
    assert_well_formed(markdown)


def test_too_many_notes_still_fit() -> None:
    plan = big_plan(10)
    plan.notes = [Note(None, "n" * 100) for _ in range(2000)]
    markdown = render_markdown(plan, limit=5_000)
    assert len(markdown) <= 5_000
    assert "_Plan truncated: 0 of 10 changes shown" in markdown


def test_no_changes(no_changes: Plan) -> None:
    markdown = render_markdown(no_changes)
    assert "**No changes. The account matches the manifests.** 42 managed objects unchanged." in (
        markdown
    )
    assert "<details>" not in markdown
    assert "beta-testers" in markdown


def test_table_cells_escape_pipes_and_markup() -> None:
    change = Change(Address("tag", None, "a|b`c"), Action.CREATE, "because | <b>bold</b> *x*")
    markdown = render_markdown(Plan(changes=[change]))
    row = next(line for line in markdown.splitlines() if line.startswith("| `+`"))
    assert row == r"| `+` create | ``tag.a\|b`c`` | because \| \<b\>bold\</b\> \*x\* |"


def test_fence_outgrows_backticks_in_values() -> None:
    change = Change(Address("tag", None, "Age"), Action.CREATE, "", after={"x": "````"})
    markdown = render_markdown(Plan(changes=[change]))
    assert "`````diff\n" in markdown
    assert "\n`````\n" in markdown


actions = st.sampled_from([Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE])
names = st.text(min_size=1, max_size=40)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(actions, names, st.text(max_size=300)), max_size=60),
    st.integers(min_value=300, max_value=8_000),
)
def test_any_plan_fits_any_reasonable_limit(items, limit: int) -> None:
    changes = [
        Change(Address("tag", None, name), action, reason, after={"v": reason})
        for action, name, reason in items
    ]
    markdown = render_markdown(Plan(changes=changes), limit=limit)
    assert len(markdown) <= limit
    assert_well_formed(markdown)
