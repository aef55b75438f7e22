"""Semantic checks: references, expressions against tag types, uniqueness."""

from __future__ import annotations

import pytest

from pwconf.kinds.tag import DEFAULT_TAGS, TAG_TYPES, operator_problems
from pwconf.segments import parse, tag_terms
from tests.manifest.conftest import Write
from tests.manifest.helpers import find, run, where

HEAD = """\
version: 1
tags:
  Age: {type: integer}
  Plan: {type: string}
  Interests: {type: list}
  Signup: {type: date}
  Premium: {type: boolean}
  Spent: {type: decimal}
  Build: {type: version}
  Team: {type: string, application_specific: true}
applications:
  shop: {title: Shop, code: ABCDE-12345}
  blog: {title: Blog}
segments:
  s:
    expression: """


def problems_for(write: Write, expression: str) -> list[str]:
    write("m.yaml", HEAD + expression + "\n")
    return [p.message.removeprefix("segment 's': ") for p in run().problems]


VALID = [
    'T("Age", GTE, 18) * T("Age", BETWEEN, [18, 65]) + T("Age", IN, [1, 2])',
    'T("Plan", EQ, "gold") + T("Plan", NOTIN, ["a"]) + T("Plan", NOTSET)',
    'T("Interests", IN, ["cars"]) \\ T("Interests", NOTIN, ["boats", "planes"])',
    'T("Signup", GTE, "30 days ago") * T("Signup", BETWEEN, ["2024-01-01", "2024-12-31 10:00"])',
    'T("Premium", EQ, true) + T("Premium", NOTSET)',
    'T("Spent", LTE, 9.99) * T("Spent", GTE, 10)',
    'T("Build", GTE, "1.2.3") * T("Build", LTE, "2")',
    'AT(@shop, "Team", EQ, "Lions") + AT("ABCDE-12345", "Team", NOTSET)',
    'A(@shop, ["iOS", "Android"]) + A(@blog) + A("FFFFF-00000")',
    'T("Language", IN, ["en", "de"]) * T("Push Alerts Enabled", EQ, true)',
    'AT(@shop, "Application Version", GTE, "5.1") * T("Last Application Open", LTE, "7 days ago")',
    'E("Purchase", 3, GTE, @shop) * A(@shop)',
]


@pytest.mark.parametrize("expression", VALID)
def test_valid_expressions(write: Write, expression: str) -> None:
    assert problems_for(write, expression) == []


INVALID = [
    ('T("Plan", GTE, "a")', "tag 'Plan' is of type string: GTE does not apply"),
    ('T("Premium", NOTEQ, true)', "tag 'Premium' is of type boolean: NOTEQ does not apply"),
    ('T("Interests", EQ, "a")', "tag 'Interests' is of type list: EQ does not apply"),
    ('T("Age", EQ, 1.5)', "EQ needs a whole number, not the number 1.5"),
    ('T("Age", EQ, true)', "EQ needs a whole number, not true"),
    ('T("Spent", EQ, "9.99")', "EQ needs a number, not the string '9.99'"),
    ('T("Signup", GTE, "yesterday")', 'GTE needs a date "YYYY-MM-DD" or "N days ago"'),
    ('T("Signup", GTE, "2024-02-30")', "GTE needs a date"),
    ('T("Build", GTE, 5)', 'GTE needs a version string such as "1.2.3"'),
    ('T("Premium", EQ, "yes")', "EQ needs true or false"),
    ('T("Plan", IN, "gold")', 'IN needs a non-empty list, e.g. ["a", "b"]'),
    ('T("Plan", IN, [])', "IN needs a non-empty list"),
    ('T("Plan", NOTIN, ["a", 1])', "the items of NOTIN must each be a string, not the number 1"),
    ('T("Age", BETWEEN, [1, 2, 3])', "BETWEEN needs a list of two values [min, max]"),
    ('T("Age", BETWEEN, [65, 18])', "BETWEEN [65, 18]: the first value must not exceed the second"),
    ('T("Age", BETWEEN, ["a", "b"])', "the items of BETWEEN must each be a whole number"),
    ('T("Age", NOTSET, 1)', "NOTSET takes no value"),
    ('T("Age", GTE)', "GTE needs a value"),
    ('T("Nope", EQ, 1)', "unknown tag 'Nope'; declare it under `tags:` with its type"),
    ('T("Team", EQ, "x")', "tag 'Team' is application_specific: use AT(@handle"),
    ('AT(@shop, "Plan", EQ, "x")', "tag 'Plan' is not application_specific"),
    ("A(@nope)", "unknown application @nope"),
    ('A("shop")', "'shop' is not an application code (XXXXX-XXXXX); write @handle"),
    ('E("Purchase", @nope)', "unknown application @nope"),
]


@pytest.mark.parametrize(("expression", "fragment"), INVALID)
def test_invalid_expressions(write: Write, expression: str, fragment: str) -> None:
    messages = problems_for(write, expression)
    assert any(fragment in message for message in messages), messages


def test_problems_in_one_expression_are_all_reported_with_their_columns(write: Write) -> None:
    write("m.yaml", HEAD + 'T("Age", EQ, "x") + A(@nope) * T("Nope", NOTSET)\n')
    problems = run().problems
    assert [where(p) for p in problems] == [(16, 30), (16, 39), (16, 50)]


def test_column_inside_a_folded_block_expression(write: Write) -> None:
    write("m.yaml", HEAD + '>-\n      A(@shop)\n      * T("Nope", NOTSET)\n')
    problem = find(run().problems, "unknown tag 'Nope'")
    assert where(problem) == (18, 11)


def test_default_tags_types() -> None:
    assert DEFAULT_TAGS["Application Version"] == "version"
    assert DEFAULT_TAGS["Push Alerts Enabled"] == "boolean"
    assert len(DEFAULT_TAGS) == 10
    assert set(DEFAULT_TAGS.values()) <= set(TAG_TYPES)


@pytest.mark.parametrize(
    ("value", "tag_type", "expected"),
    [
        ("x", "string", True),
        (1, "string", False),
        (1, "integer", True),
        (True, "integer", False),
        (1.5, "decimal", True),
        (False, "decimal", False),
        ("1 day ago", "date", True),
        ("2024-01-31", "date", True),
        ("2024-01-31 23:59:59", "date", True),
        ("2024-1-31", "date", False),
        ("10.2.0", "version", True),
        ("v10", "version", False),
        (True, "boolean", True),
        ("true", "boolean", False),
    ],
)
def test_fits(value: object, tag_type: str, expected: bool) -> None:
    assert TAG_TYPES[tag_type].fits(value) is expected


def test_operator_problems_point_at_the_operator_or_the_value() -> None:
    term = tag_terms(parse('T("x", GTE, "a")'))[0]
    assert operator_problems(term, "string")[0][1] == term.operator_column
    term = tag_terms(parse('T("x", EQ, "a")'))[0]
    assert operator_problems(term, "integer")[0][1] == term.value_column


# --- references -------------------------------------------------------------------------

APP = "version: 1\napplications:\n  shop:\n    title: Shop\n"


def test_a_preset_may_not_use_a_segment_bound_to_another_application(write: Write) -> None:
    write(
        "m.yaml",
        APP
        + "    presets:\n      p: {segment: blog-only, platforms: [iOS], content: {message: x}}\n"
        + "  blog: {title: Blog}\n"
        + "segments:\n  blog-only: {expression: A(@blog), application: blog}\n",
    )
    problem = find(run().problems, "uses segment 'blog-only', which is bound to application 'blog'")
    assert where(problem) == (6, 20)


def test_a_geozone_needs_preset_or_content(write: Write) -> None:
    write(
        "m.yaml",
        APP + "    geozones:\n      z: {lat: 1, lng: 1, range: 50, cooldown: 1}\n",
    )
    problem = find(run().problems, "has neither `preset:` and `content:`")
    assert where(problem) == (6, 7)


def test_a_geozone_may_not_use_another_applications_preset(write: Write) -> None:
    write(
        "m.yaml",
        APP
        + "    geozones:\n      z: {lat: 1, lng: 1, range: 50, cooldown: 1, preset: p}\n"
        + "  blog:\n    title: Blog\n    presets:\n"
        + "      p: {platforms: [iOS], content: {message: x}}\n",
    )
    find(run().problems, "uses preset 'p', which application 'shop' does not declare")


def test_application_codes_are_unique(write: Write) -> None:
    write(
        "m.yaml",
        "version: 1\napplications:\n  a: {title: A, code: ABCDE-12345}\n"
        "  b: {title: B, code: ABCDE-12345}\n",
    )
    problem = find(run().problems, "has the same code 'ABCDE-12345' as application 'a'")
    assert where(problem) == (4, 23)


def test_references_to_broken_entities_are_not_reported_again(write: Write) -> None:
    write(
        "m.yaml",
        APP
        + "    presets:\n      p: {segment: s, platforms: [iOS], content: {message: x}, bad: 1}\n"
        + "    geozones:\n      z: {lat: 1, lng: 1, range: 50, cooldown: 1, preset: p}\n"
        + "segments:\n  s: {expression: 'T(\"Nope\", NOTSET)', colour: red}\n",
    )
    messages = [p.message for p in run().problems]
    assert len(messages) == 2, messages
    assert all("unknown key" in message for message in messages)
