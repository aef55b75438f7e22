"""The Terraform-style text plan: layout, markers, grouping, colour."""

from __future__ import annotations

import json
import re

from pwconf.model import Address
from pwconf.plan import (
    ABSENT,
    KNOWN_AFTER_APPLY,
    SENSITIVE,
    Action,
    Change,
    FieldChange,
    Note,
    Plan,
)
from pwconf.render import render_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TAG = Address("tag", None, "Age")


def one_change_plan(change: Change, **kwargs) -> Plan:
    return Plan(changes=[change], **kwargs)


def test_plain_output_has_no_escape_codes(scenario: Plan) -> None:
    assert "\x1b" not in render_text(scenario)
    assert "\x1b" not in render_text(scenario, color=False)


def test_colour_only_adds_escape_codes(scenario: Plan) -> None:
    colored = render_text(scenario, color=True)
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == render_text(scenario)


def test_symbols_are_coloured_by_action(scenario: Plan) -> None:
    colored = render_text(scenario, color=True)
    assert "\x1b[32m\x1b[1m  +\x1b[0m application.news" in colored  # green
    assert "\x1b[33m\x1b[1m  ~\x1b[0m application.shop" in colored  # yellow
    assert "\x1b[35m\x1b[1m-/+\x1b[0m tag.Plan" in colored  # magenta
    assert "\x1b[31m\x1b[1m  -\x1b[0m tag.Legacy" in colored  # red


def test_closing_line_counts_each_action(scenario: Plan) -> None:
    last = render_text(scenario).splitlines()[-1]
    assert last == "Plan: 6 to add, 3 to change, 2 to replace, 2 to destroy."


def test_no_changes_says_so_with_unchanged_count() -> None:
    text = render_text(Plan(unchanged=1))
    assert text == "No changes. The account matches the manifests.\n1 managed object unchanged."


def test_legend_lists_only_the_symbols_used() -> None:
    text = render_text(one_change_plan(Change(TAG, Action.CREATE, "", after={"type": "integer"})))
    assert text.splitlines()[0] == "Actions: + create"


def test_create_shows_every_field_flattened() -> None:
    after = {"type": "integer", "content": {"message": {"en": "Hi"}}, "code": KNOWN_AFTER_APPLY}
    text = render_text(one_change_plan(Change(TAG, Action.CREATE, "", after=after)))
    assert '      type = "integer"' in text
    assert '      content.message.en = "Hi"' in text
    assert "      code = (known after apply)" in text


def test_update_shows_only_changed_fields_with_markers() -> None:
    change = Change(
        TAG,
        Action.UPDATE,
        "",
        before={"a": 1, "b": 2},
        after={"a": 1, "b": 3},
        fields=[FieldChange("b", 2, 3), FieldChange("c", ABSENT, SENSITIVE)],
    )
    lines = render_text(one_change_plan(change)).splitlines()
    block = lines[lines.index("  ~ tag.Age") :]
    assert block[1:3] == ["      b: 2 -> 3", "      c: (absent) -> (sensitive value)"]
    assert "a:" not in "\n".join(block)


def test_replace_marks_fields_that_force_it() -> None:
    change = Change(
        TAG,
        Action.REPLACE,
        "type is immutable",
        fields=[
            FieldChange("type", "string", "integer", forces_replacement=True),
            FieldChange("user_specific", False, True),
        ],
    )
    text = render_text(one_change_plan(change))
    assert "-/+ tag.Age (type is immutable)" in text
    assert '      type: "string" -> "integer" # forces replacement' in text
    assert "      user_specific: false -> true\n" in text + "\n"


def test_delete_shows_only_address_and_data_loss() -> None:
    change = Change(TAG, Action.DELETE, "", before={"type": "list"}, data_loss=True)
    lines = render_text(one_change_plan(change)).splitlines()
    start = lines.index("  - tag.Age")
    assert lines[start + 1].startswith("      ! data loss: ")
    assert lines[start + 2] == ""
    assert "list" not in "\n".join(lines)


def test_drift_is_marked_on_the_header() -> None:
    change = Change(TAG, Action.UPDATE, "", fields=[FieldChange("type", "a", "b")], drift=True)
    assert "  ~ tag.Age # changed outside pwconf" in render_text(one_change_plan(change))


def test_drift_already_in_the_reason_is_not_repeated() -> None:
    change = Change(TAG, Action.UPDATE, "differs; changed outside pwconf", drift=True)
    text = render_text(one_change_plan(change))
    assert "  ~ tag.Age (differs; changed outside pwconf)\n" in text


def test_changes_are_grouped_by_application_in_plan_order() -> None:
    changes = [
        Change(Address("application", None, "shop"), Action.UPDATE, ""),
        Change(TAG, Action.CREATE, ""),
        Change(Address("preset", "shop", "welcome"), Action.CREATE, ""),
        Change(Address("event", "news", "Open"), Action.CREATE, ""),
        Change(Address("segment", None, "adults"), Action.CREATE, ""),
    ]
    lines = [line for line in render_text(Plan(changes=changes)).splitlines() if line]
    assert lines[1:9] == [
        '# application "shop"',
        "  ~ application.shop",
        "  + preset.shop.welcome",
        "# account-wide",
        "  + tag.Age",
        "  + segment.adults",
        '# application "news"',
        "  + event.news.Open",
    ]


LONG_EXPRESSION = (
    'A(@shop, ["iOS", "Android"]) * T("Plan", IN, ["gold", "platinum"]) * '
    'T("Country", IN, ["FR", "BE", "CH"]) * T("Language", IN, ["en", "es", "fr"])'
)
SEGMENT = Address("segment", None, "summer-fans")


def test_a_long_value_is_shown_in_full_so_a_change_at_its_end_is_visible() -> None:
    changed = LONG_EXPRESSION.replace('"fr"])', '"de"])')
    field = FieldChange("expression", LONG_EXPRESSION, changed, forces_replacement=True)
    change = Change(SEGMENT, Action.REPLACE, "expression cannot be updated in place",
                    fields=[field])

    lines = render_text(one_change_plan(change)).splitlines()

    start = lines.index("      expression: # forces replacement")
    before, after = lines[start + 1], lines[start + 2]
    assert before == "        - " + json.dumps(LONG_EXPRESSION)
    assert after == "        + " + json.dumps(changed)
    assert "…" not in "\n".join(lines)


def test_a_long_created_value_is_shown_in_full() -> None:
    change = Change(SEGMENT, Action.CREATE, "", after={"expression": LONG_EXPRESSION})
    text = render_text(one_change_plan(change))
    assert f"      expression = {json.dumps(LONG_EXPRESSION)}" in text.splitlines()


def test_text_of_several_lines_changes_as_a_line_diff() -> None:
    before = "\n".join(f"line {n}" for n in range(1, 13))
    after = before.replace("line 6", "line six")
    change = Change(Address("preset", "shop", "news"), Action.UPDATE, "",
                    fields=[FieldChange("content.message", before, after)])

    lines = render_text(one_change_plan(change)).splitlines()

    start = lines.index("      content.message: <<-EOT")
    assert lines[start + 1 :] == [
        "          # (2 unchanged lines hidden)",
        "          line 3",
        "          line 4",
        "          line 5",
        "        - line 6",
        "        + line six",
        "          line 7",
        "          line 8",
        "          line 9",
        "          # (3 unchanged lines hidden)",
        "        EOT",
        "",
        "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.",
    ]


def test_a_created_text_of_several_lines_is_a_heredoc() -> None:
    change = Change(Address("preset", "shop", "news"), Action.CREATE, "",
                    after={"message": "Hello\n\nWorld"})
    lines = render_text(one_change_plan(change)).splitlines()
    start = lines.index("      message = <<-EOT")
    assert lines[start + 1 : start + 5] == ["          Hello", "", "          World", "        EOT"]


def test_a_difference_a_line_diff_cannot_show_is_shown_escaped() -> None:
    field = FieldChange("content.message", "Hello\nWorld", "Hello\r\nWorld")
    change = Change(Address("preset", "shop", "news"), Action.UPDATE, "", fields=[field])
    text = render_text(one_change_plan(change))
    assert 'content.message: "Hello\\nWorld" -> "Hello\\r\\nWorld"' in text


def test_value_lines_are_coloured_by_side() -> None:
    field = FieldChange("expression", LONG_EXPRESSION, LONG_EXPRESSION + " ")
    change = Change(SEGMENT, Action.UPDATE, "", fields=[field])
    colored = render_text(one_change_plan(change), color=True)
    assert "\x1b[31m        - " in colored and "\x1b[32m        + " in colored
    assert ANSI.sub("", colored) == render_text(one_change_plan(change))


def test_unmanaged_lists_ten_names_then_a_count() -> None:
    names = [f"T{number}" for number in range(13)]
    text = render_text(Plan(unmanaged={"tags": names, "events": []}))
    assert (
        "Unmanaged: 13 tags not in the manifests, left alone: "
        "T0, T1, T2, T3, T4, T5, T6, T7, T8, T9 and 3 more"
    ) in text
    assert "settings.prune" in text
    assert "event" not in text


def test_unmanaged_says_singular_for_one() -> None:
    text = render_text(Plan(unmanaged={"geozone_clusters": ["downtown"]}))
    assert "Unmanaged: 1 geozone cluster not in the manifests, left alone: downtown" in text
    assert "prune: [geozone_clusters]" in text


def test_notes_are_listed_with_their_address() -> None:
    text = render_text(Plan(notes=[Note(TAG, "left alone"), Note(None, "general")]))
    assert "Notes:\n  - tag.Age: left alone\n  - general" in text
