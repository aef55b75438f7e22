"""The planner's comparison helpers: the exact fast check and canonical segment expressions."""

from __future__ import annotations

import math

import pytest

from pwconf.diff import changed_paths, same_value
from pwconf.kinds.segment import canonical_expression


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": 1}, {"a": 1}),
        ({"a": 1.5, "b": None, "c": "x"}, {"b": None, "c": "x", "a": 1.5}),
        ({"a": {"b": [1, {"c": True}]}}, {"a": {"b": [1, {"c": True}]}}),
    ],
)
def test_same_value_holds_for_equal_values_of_equal_types(left: object, right: object) -> None:
    assert same_value(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": 1}, {"a": True}),
        ({"a": 1}, {"a": 1.0}),
        ({"a": {"b": [0, 1]}}, {"a": {"b": [False, 1]}}),
        ({"a": [1]}, {"a": (1,)}),
        ({"a": 1}, {"a": 2}),
        ({"a": 1}, {"a": 1, "b": None}),
    ],
)
def test_same_value_refuses_what_json_tells_apart_or_cannot_see(
    left: object, right: object
) -> None:
    assert not same_value(left, right)


def test_changed_paths_sees_types_that_python_equality_hides() -> None:
    assert changed_paths({"a": 1, "b": "x"}, {"a": True, "b": "x"}) == [("a", 1, True)]
    assert changed_paths({"a": 1}, {"a": 1.0}) == [("a", 1, 1.0)]


def test_changed_paths_ignores_key_order_tuples_and_nan() -> None:
    assert changed_paths({"a": [1], "b": 2}, {"b": 2, "a": (1,)}) == []
    assert changed_paths({"a": math.nan}, {"a": math.nan}) == []


def test_canonical_expression_maps_codes_with_each_view() -> None:
    text = 'A("ABCDE-12345") * T("Age", gte, 18)'
    assert canonical_expression(text, {"ABCDE-12345": "shop"}) == 'A(@shop) * T("Age", GTE, 18)'
    assert canonical_expression(text, {}) == 'A("ABCDE-12345") * T("Age", GTE, 18)'
    assert canonical_expression(text, {"ABCDE-12345": "news"}) == 'A(@news) * T("Age", GTE, 18)'


def test_canonical_expression_of_event_terms_keeps_their_arguments() -> None:
    text = 'E("Purchase", @shop, "ABCDE-12345", 1)'
    for view in ({"ABCDE-12345": "news"}, None):
        assert canonical_expression(text, view) == 'E("Purchase", @shop, "ABCDE-12345", 1)'


def test_canonical_expression_without_codes_and_unparsable_text() -> None:
    assert canonical_expression(' t( "Age" ,eq,1 )+A(@shop)', {"X": "y"}) == (
        'T("Age", EQ, 1) + A(@shop)'
    )
    assert canonical_expression("  not an expression ", {}) == "not an expression"
