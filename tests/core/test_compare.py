"""The planner's comparison helpers: the exact fast check and canonical segment expressions."""

from __future__ import annotations

import math

import pytest

from pwconf.diff import changed_paths, same_value
from pwconf.kinds import REGISTRY
from pwconf.kinds.segment import canonical_expression
from pwconf.model import Address, Entity


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


def test_segments_compared_as_text_are_named_once() -> None:
    kind = REGISTRY["segment"]

    def segment(name: str, expression: str) -> tuple[Address, Entity]:
        address = Address("segment", None, name)
        return address, Entity(address, {"expression": expression})

    readable = dict([segment("ok", 'T("Age", GTE, 18)')])
    unreadable = dict(segment(f"s{n}", f"S({n})") for n in range(7))
    found = {**readable, **unreadable, **dict([segment("unmanaged", "S(0)")])}
    desired = {**readable, **unreadable}
    assert kind.comparison_notes(readable, desired) == []
    assert kind.comparison_notes(found, desired) == [
        "segments 's0', 's1', 's2', 's3', 's4' and 2 more: pwconf cannot read the expression "
        "the account holds, so it is compared with the manifests as text"
    ]
    one = dict([segment("s0", "S(0)")])
    assert kind.comparison_notes(one, one)[0].startswith("segment 's0': ")
