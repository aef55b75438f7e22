"""YAML → data with a position for every key and value."""

from __future__ import annotations

import pytest

from pwconf.errors import Position
from pwconf.manifest import yamlpos
from pwconf.manifest.yamlpos import YamlProblem, load_document

TEXT = """\
version: 1
tags:
  Age: {type: integer}
  "Plan": {type: string, user_specific: true}
segments:
  adults:
    expression: T("Age", GTE, 18)
    expiration_date: 2027-06-30
list: [a, b]
yes: no
"""


def doc(text: str) -> yamlpos.Document:
    return load_document("m.yaml", "m.yaml", text)


def test_values_and_positions() -> None:
    document = doc(TEXT)
    assert document.data["tags"]["Age"] == {"type": "integer"}
    assert document.where(("tags", "Age", "type")) == Position("m.yaml", 3, 15)
    assert document.key_where(("tags", "Plan")) == Position("m.yaml", 4, 3)
    assert document.where(("segments", "adults", "expression")) == Position("m.yaml", 7, 17)
    assert document.where(("list", 1)) == Position("m.yaml", 9, 11)
    assert document.key_where(("list", 1)) == Position("m.yaml", 9, 11)


def test_where_falls_back_to_the_closest_enclosing_value() -> None:
    assert doc(TEXT).where(("tags", "Age", "nope", 3)) == Position("m.yaml", 3, 8)


def test_dates_stay_text_and_keys_are_their_text() -> None:
    data = doc(TEXT).data
    assert data["segments"]["adults"]["expiration_date"] == "2027-06-30"
    assert data["yes"] is False  # YAML 1.1: the value `no` is a boolean, the key stays "yes"


def test_merge_keys_explicit_keys_win_and_earlier_merges_win() -> None:
    document = doc(
        """\
base: &base {a: 1, b: 1}
more: &more {b: 2, c: 2}
merged:
  <<: [*base, *more]
  a: 0
"""
    )
    assert document.data["merged"] == {"a": 0, "b": 1, "c": 2}
    # a merged value is where it is written: in the anchored mapping
    assert document.where(("merged", "c")) == Position("m.yaml", 2, 23)
    assert document.where(("merged", "a")) == Position("m.yaml", 5, 6)


def test_merge_keys_nest() -> None:
    document = doc("a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n")
    assert document.data["c"] == {"z": 3, "y": 2, "x": 1}


@pytest.mark.parametrize("fast", [True, False])
def test_an_anchor_defined_twice_is_refused(fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not fast:
        monkeypatch.setattr(yamlpos, "FAST_COMPOSE_DEPTH", -1)
    with pytest.raises(YamlProblem) as caught:
        doc("a: &x [1]\nb: &x [2]\nc: *x\n")
    assert "anchor &x is defined twice (first at line 1, column 4)" in caught.value.message
    assert (caught.value.line, caught.value.column) == (2, 4)


def test_aliases_give_independent_copies() -> None:
    data = doc("a: &x {k: [1]}\nb: *x\n").data
    data["a"]["k"].append(2)
    assert data["b"] == {"k": [1]}


@pytest.mark.parametrize(
    ("text", "fragment", "line", "column"),
    [
        ("a: [1,\n", "not valid YAML", 2, 1),
        ("a: &x [*x]\n", "a cycle", 1, 4),
        ("a: {b: &x {c: *x}}\n", "a cycle", 1, 8),
        ("a: 1\na: 2\n", "duplicate key 'a' (first defined at line 1)", 2, 1),
        ("a: !!int nope\n", "invalid value", 1, 4),
        ("a: !!set {x}\n", "unsupported YAML tag", 1, 4),
        ("a: <<\n", "only allowed as a mapping key", 1, 4),
        ("x:\n\t- 1\n", "tab character", 2, 1),
        ("a: 1\n...\n---\nb: 2\n", "one YAML document", 3, 1),
    ],
)
def test_problems(text: str, fragment: str, line: int, column: int) -> None:
    with pytest.raises(YamlProblem) as caught:
        doc(text)
    assert fragment in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


def test_event_composer_gives_the_same_result_as_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXT + "base: &b {k: [1, {z: 2}]}\ncopy:\n  <<: *b\n  extra: *b\n"
    fast = doc(text)
    monkeypatch.setattr(yamlpos, "FAST_COMPOSE_DEPTH", -1)  # force the event composer
    slow = doc(text)
    assert slow.data == fast.data
    assert {k: slow.where(k) for k in slow.values} == {k: fast.where(k) for k in fast.values}
    assert {k: slow.key_where(k) for k in slow.keys} == {k: fast.key_where(k) for k in fast.keys}


def test_event_composer_refuses_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlpos, "FAST_COMPOSE_DEPTH", -1)
    with pytest.raises(YamlProblem, match="a cycle"):
        doc("a: &x [1, *x]\n")


def test_wide_alias_fan_out_is_bounded_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    with pytest.raises(YamlProblem, match="alias bomb"):
        doc("\n".join(lines) + "\n")


# --- positions inside a scalar ------------------------------------------------------------

LOCATE_CASES = [
    # (YAML value as written on line 1 after "k: ", the character sought, its column)
    ('T("Age", EQ, 1)', "E", 13),
    ('"T(\\"Age\\", EQ, 1)"', "E", 16),
    ("'it''s E'", "E", 11),
]


@pytest.mark.parametrize(("written", "char", "column"), LOCATE_CASES)
def test_locate_inside_one_line_scalars(written: str, char: str, column: int) -> None:
    document = doc(f"k: {written}\n")
    value = document.data["k"]
    position = document.locate(document.where(("k",)), value, value.index(char))
    assert (position.line, position.column) == (1, column)


def test_locate_inside_block_scalars() -> None:
    document = doc('k: >-\n  A(@shop)\n  + T("Age", EQ, 1)\nz: |\n  one\n  two X\n')
    folded = document.data["k"]
    assert folded == 'A(@shop) + T("Age", EQ, 1)'
    position = document.locate(document.where(("k",)), folded, folded.index("T"))
    assert (position.line, position.column) == (3, 5)
    literal = document.data["z"]
    position = document.locate(document.where(("z",)), literal, literal.index("X"))
    assert (position.line, position.column) == (6, 7)


def test_brackets_in_strings_cannot_hide_deep_nesting() -> None:
    # Each level opens a sequence whose first item is a string holding a closing bracket, on
    # short lines: too deep for libyaml's recursive composer, which must not be used here.
    text = "a: " + '[ "]",\n' * 50_000 + "x" + "]\n" * 50_000
    with pytest.raises(YamlProblem, match="nested more than 100 levels deep"):
        doc(text)
