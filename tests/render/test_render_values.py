"""Value formatting shared by the renderers."""

from __future__ import annotations

import datetime

import pytest

from pwconf.model import Secret
from pwconf.plan import ABSENT, KNOWN_AFTER_APPLY, SENSITIVE
from pwconf.render.values import display_value, flatten, json_value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("text", '"text"'),
        ("Grüße", '"Grüße"'),
        (42, "42"),
        (1.5, "1.5"),
        (True, "true"),
        (None, "null"),
        (["iOS", "Android"], '["iOS", "Android"]'),
        ({"a": 1, "b": [True]}, '{"a": 1, "b": [true]}'),
        ({}, "{}"),
        (SENSITIVE, "(sensitive value)"),
        (KNOWN_AFTER_APPLY, "(known after apply)"),
        (ABSENT, "(absent)"),
        (Secret("s3cret"), "(sensitive value)"),
        ({"p": Secret("s3cret")}, '{"p": (sensitive value)}'),
        (datetime.date(2027, 6, 30), '"2027-06-30"'),
        (frozenset({"b", "a"}), '["a", "b"]'),
        ("line\nbreak", '"line\\nbreak"'),
    ],
)
def test_display_value(value, text: str) -> None:
    assert display_value(value) == text


def test_display_value_never_cuts_a_value() -> None:
    assert display_value("a" * 200) == '"' + "a" * 200 + '"'
    assert display_value(list(range(100))) == "[" + ", ".join(map(str, range(100))) + "]"


def test_json_value() -> None:
    value = {"a": ABSENT, "b": [SENSITIVE, Secret("s3cret")], "c": KNOWN_AFTER_APPLY, 1: (1, 2)}
    assert json_value(value) == {
        "a": None,
        "b": ["(sensitive value)", "(sensitive value)"],
        "c": "(known after apply)",
        "1": [1, 2],
    }
    assert json_value(ABSENT) is None


def test_flatten_keeps_order_and_stops_at_lists_and_empty_mappings() -> None:
    attrs = {"b": 1, "a": {"y": [1, {"z": 2}], "x": {}}, "c": {"d": {"e": None}}}
    assert flatten(attrs) == [("b", 1), ("a.y", [1, {"z": 2}]), ("a.x", {}), ("c.d.e", None)]
