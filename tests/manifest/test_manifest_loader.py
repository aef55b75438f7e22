"""YAML → data with a position for every key and value, and the guards of the loader.

Problems are checked by their position and by pwconf's own words, never by a YAML library's."""

from __future__ import annotations

import pytest
import yaml

from pwconf.errors import Position
from pwconf.manifest import loader
from pwconf.manifest.loader import YamlProblem, load_document
from pwconf.manifest.positions import Document, locate_in_scalar

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


@pytest.fixture(params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with libyaml's parser and again with PyYAML's pure-Python one."""
    if request.param == "pure-python":

        class PureLoader(loader._CheckedComposer, yaml.SafeLoader):  # type: ignore[misc]
            pass

        monkeypatch.setattr(loader, "_Loader", PureLoader)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("libyaml is not installed")
    return str(request.param)


def doc(text: str) -> Document:
    return load_document("m.yaml", "m.yaml", text)


def test_values_and_positions(parser: str) -> None:
    document = doc(TEXT)
    assert document.data["tags"]["Age"] == {"type": "integer"}
    assert document.where(("tags", "Age", "type")) == Position("m.yaml", 3, 15)
    assert document.key_where(("tags", "Plan")) == Position("m.yaml", 4, 3)
    assert document.where(("segments", "adults", "expression")) == Position("m.yaml", 7, 17)
    assert document.where(("list", 1)) == Position("m.yaml", 9, 11)
    assert document.key_where(("list", 1)) == Position("m.yaml", 9, 11)


def test_where_falls_back_to_the_closest_enclosing_value() -> None:
    assert doc(TEXT).where(("tags", "Age", "nope", 3)) == Position("m.yaml", 3, 8)


def test_both_parsers_give_the_same_data_and_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXT + "base: &b {k: [1, {z: 2}]}\ncopy:\n  <<: *b\n  extra: *b\n"
    native = doc(text)

    class PureLoader(loader._CheckedComposer, yaml.SafeLoader):  # type: ignore[misc]
        pass

    monkeypatch.setattr(loader, "_Loader", PureLoader)
    pure = doc(text)
    assert pure.data == native.data
    assert {k: pure.where(k) for k in pure.values} == {k: native.where(k) for k in native.values}
    assert {k: pure.key_where(k) for k in pure.keys} == {
        k: native.key_where(k) for k in native.keys
    }


def test_scalars_are_read_as_yaml_1_1_but_dates_stay_text_and_keys_are_their_text() -> None:
    data = doc(TEXT + "n: 0x1F\nf: 1_000.5\nz: ~\non: off\n2024: x\n").data
    assert data["segments"]["adults"]["expiration_date"] == "2027-06-30"
    assert data["yes"] is False  # YAML 1.1: the value `no` is a boolean, the key stays "yes"
    assert (data["n"], data["f"], data["z"], data["on"], data["2024"]) == (
        31,
        1000.5,
        None,
        False,
        "x",
    )


def test_each_string_value_is_what_resolve_makes_of_it() -> None:
    seen: list[tuple[str | int, ...]] = []

    def resolve(document: Document, path: tuple[str | int, ...], raw: str) -> str:
        seen.append(path)
        return raw.upper()

    document = load_document("m.yaml", "m.yaml", 'a: "${env:X}"\nb: [plain, 1]\n', resolve)
    assert document.data == {"a": "${ENV:X}", "b": ["PLAIN", 1]}
    assert seen == [("a",), ("b", 0)]


def test_merge_keys_explicit_keys_win_and_earlier_merges_win(parser: str) -> None:
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


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    assert doc('a: {"<<": 1}\n').data == {"a": {"<<": 1}}


def test_aliases_give_independent_copies() -> None:
    data = doc("a: &x {k: [1]}\nb: *x\n").data
    data["a"]["k"].append(2)
    assert data["b"] == {"k": [1]}


@pytest.mark.parametrize(
    ("text", "fragment", "line", "column"),
    [
        ("a: [1,\n", "not valid YAML", 2, 1),
        ("a: 1\n b: 2\n", "not valid YAML", 2, 3),
        ("a: &x [*x]\n", "a cycle", 1, 4),
        ("a: {b: &x {c: *x}}\n", "a cycle", 1, 8),
        ("a: &x {<<: *x}\n", "a cycle", 1, 4),
        ("a: *nope\n", "alias *nope names no anchor defined before it", 1, 4),
        ("a: &x [1]\nb: &x [2]\nc: *x\n", "anchor &x is defined twice (first at line 1", 2, 4),
        ("a: 1\na: 2\n", "duplicate key 'a' (first defined at line 1)", 2, 1),
        ("? [a]\n: 1\n", "a mapping key must be a plain string", 1, 3),
        ("a: !!int nope\n", "'nope' is not a valid int", 1, 4),
        ("a: !!float nope\n", "'nope' is not a valid float", 1, 4),
        ("a: !!bool nope\n", "'nope' is not a valid bool", 1, 4),
        ("a: !!set {x}\n", "unsupported YAML tag 'tag:yaml.org,2002:set'", 1, 4),
        ("a: !!omap [b: 1]\n", "unsupported YAML tag 'tag:yaml.org,2002:omap'", 1, 4),
        ("a: !mine x\n", "unsupported YAML tag '!mine'", 1, 4),
        ("a: !!binary aGk=\n", "read binary data with ${file:...}", 1, 4),
        ("a: !!python/name:os.system x\n", "unsupported YAML tag", 1, 4),
        ("a: <<\n", "only allowed as a mapping key", 1, 4),
        ("a: {<<: [1]}\n", "a merge key '<<' takes a mapping", 1, 5),
        ("x:\n\t- 1\n", "tab character", 2, 1),
        ("a: 1\n...\n---\nb: 2\n", "one YAML document", 3, 1),
    ],
)
def test_problems(parser: str, text: str, fragment: str, line: int, column: int) -> None:
    with pytest.raises(YamlProblem) as caught:
        doc(text)
    assert fragment in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_file_is_refused(text: str) -> None:
    with pytest.raises(YamlProblem, match="the file is empty"):
        doc(text)


def test_a_hundred_levels_are_read_and_the_next_one_refused(parser: str) -> None:
    block = "".join(f"{'  ' * level}k:\n" for level in range(100)) + "  " * 100 + "v\n"
    assert doc(block).where(("k",) * 100) == Position("m.yaml", 101, 201)
    deeper = "".join(f"{'  ' * level}k:\n" for level in range(101)) + "  " * 101 + "v\n"
    with pytest.raises(YamlProblem, match="nested more than 100 levels deep") as caught:
        doc(deeper)
    assert (caught.value.line, caught.value.column) == (101, 201)


def test_a_huge_deep_flow_is_refused_at_its_line(parser: str) -> None:
    # libyaml may stop it first, with its own words: the line is what counts.
    with pytest.raises(YamlProblem) as caught:
        doc("a: 1\nb: " + "[" * 200_000 + "]" * 200_000 + "\n")
    assert caught.value.line == 2


def test_brackets_in_strings_do_not_count_as_nesting() -> None:
    assert doc("a: " + '[ "]",\n' * 99 + "x" + "]\n" * 99).where(("a",) + (1,) * 98)


def test_aliases_cannot_nest_deeper_than_the_text_may() -> None:
    lines = ["a0: &a0 " + "[" * 90 + "]" * 90]
    lines += [f"a{i}: &a{i} " + "[" * 50 + f"*a{i - 1}" + "]" * 50 for i in range(1, 4)]
    with pytest.raises(YamlProblem, match="levels deep once aliases are expanded") as caught:
        doc("\n".join(lines) + "\n")
    # at the innermost bracket of a1, around *a0: 1 + 50 + 90 levels
    assert (caught.value.line, caught.value.column) == (2, 58)


def test_wide_alias_fan_out_is_refused_before_any_value_is_built() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    with pytest.raises(YamlProblem, match="alias bomb") as caught:
        doc("\n".join(lines) + "\n")
    # a5 is the first value expanding to more than a million (1,111,111)
    assert (caught.value.line, caught.value.column) == (6, 5)


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
    position = locate_in_scalar(document.text, document.where(("k",)), value, value.index(char))
    assert (position.line, position.column) == (1, column)


def test_locate_inside_block_scalars() -> None:
    document = doc('k: >-\n  A(@shop)\n  + T("Age", EQ, 1)\nz: |\n  one\n  two X\n')
    folded = document.data["k"]
    assert folded == 'A(@shop) + T("Age", EQ, 1)'
    position = locate_in_scalar(document.text, document.where(("k",)), folded, folded.index("T"))
    assert (position.line, position.column) == (3, 5)
    literal = document.data["z"]
    position = locate_in_scalar(document.text, document.where(("z",)), literal, literal.index("X"))
    assert (position.line, position.column) == (6, 7)
