"""The exporter's YAML (PyYAML's dumper) and handles, without an account: every value reads back
as written."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pwconf import segments
from pwconf.errors import PwconfError
from pwconf.export import assign_handles, slug
from pwconf.export_writer import Block, Comment, check_reads_back, document, dump

TRAPS = [
    "yes",
    "no",
    "on",
    "off",
    "Yes",
    "NO",
    "y",
    "n",
    "true",
    "False",
    "null",
    "~",
    "",
    "0123",
    "123",
    "1.5",
    "1e3",
    "1_000",
    "0x1F",
    "0o17",
    ".inf",
    "-.5",
    "12:30",
    "2027-06-30",
    "2027-06-30T10:00:00Z",
    "@shop",
    "*ref",
    "&anchor",
    "!tag",
    "%x",
    "`x",
    "- x",
    "? x",
    "x: y",
    "a #b",
    "#x",
    "trailing ",
    " leading",
    "a\nb",
    "tab\there",
    "quote's",
    '"dq"',
    "[x]",
    "{x}",
    "a, b",
    "Привет 🎉",
    "\u2028",
    "=",
    "<<",
    "\xa0",
    "\xa0x",
    " ",
]


@pytest.mark.parametrize("text", TRAPS)
def test_trap_strings_read_back_as_strings(text: str) -> None:
    data = {
        "k": text,
        text: {"message": text, "list": [text, 1], "inline": {"a": text}},
        "deep": {"x": [{"y": text, "z": [text]}]},
    }
    out = dump(data)
    loaded = yaml.safe_load(out)
    assert loaded == data, out
    check_reads_back(out, data)  # the exporter's own check agrees


def test_yaml11_traps_are_quoted_by_the_dumper() -> None:
    for text in ("yes", "No", "on", "OFF", "y", "N", "0123", "1_000", "12:30", "2027-06-30", "~"):
        assert dump({"k": text}) in (f"k: '{text}'\n", f'k: "{text}"\n'), text


def test_yaml12_lookalikes_are_quoted_for_editors() -> None:
    for text in ("1e3", "0o17", "true", "NULL", ".nan"):
        assert dump({"k": text}) == f"k: '{text}'\n", text
    assert dump({"k": "plain words"}) == "k: plain words\n"
    expression = 'T("Age", GTE, 18)'
    assert dump({"k": expression}) == f"k: {expression}\n"  # readable in block context
    assert dump({"k": [expression]}) == f"k: ['{expression}']\n"  # quoted where flow needs it


def test_multi_line_strings_stay_on_one_line() -> None:
    assert dump({"k": "Line one\nline two: yes # no"}) == 'k: "Line one\\nline two: yes # no"\n'


def test_a_value_met_twice_is_written_twice() -> None:
    shared = {"message": "hi", "title": "T"}
    out = dump({"a": shared, "b": shared, "c": [shared, shared]})
    assert "&" not in out and "*" not in out
    assert yaml.safe_load(out) == {"a": shared, "b": shared, "c": [shared, shared]}


def test_block_style_with_short_leaf_mappings_inline() -> None:
    out = dump(
        {
            "tags": {"Age": {"type": "integer"}, "yes": {"type": "string"}},
            "segments": {"adults": {"expression": 'T("Age", GTE, 18)'}},
            "applications": {"shop": {"title": "Shop", "code": "ABCDE-12345"}},
        }
    )
    assert "  Age: {type: integer}\n" in out
    assert "  'yes': {type: string}\n" in out
    assert '  adults:\n    expression: T("Age", GTE, 18)\n' in out  # no quotes just to inline
    assert "  shop: {title: Shop, code: ABCDE-12345}\n" in out  # short: one line

    block = dump({"applications": {"shop": Block(title="Shop", code="ABCDE-12345")}})
    assert block == "applications:\n  shop:\n    title: Shop\n    code: ABCDE-12345\n"
    long = {"message": "x" * 40, "title": "y" * 30}
    assert dump({"content": long}).startswith("content:\n  message: ")  # too wide for one line


def test_comments_land_where_their_key_is() -> None:
    entry = Block(title="Shop", code="C")
    entry[Comment("ios:\n\n  key_file: ${file:x}")] = None
    entry["presets"] = {"p": {}}
    text = dump({"applications": {"shop": entry}})
    assert "    code: C\n    # ios:\n    #\n    #   key_file: ${file:x}\n    presets:" in text
    assert yaml.safe_load(text) == {
        "applications": {"shop": {"title": "Shop", "code": "C", "presets": {"p": {}}}}
    }


def test_a_document_has_the_modeline_header_and_blank_lines_between_keys() -> None:
    text = document("s.json", ["Header.", ""], {"version": 1, "tags": {"Age": {"type": "integer"}}})
    assert text == (
        "# yaml-language-server: $schema=s.json\n#\n# Header.\n#\n\n"
        "version: 1\n\ntags:\n  Age: {type: integer}\n"
    )


def test_the_read_back_check_catches_a_difference() -> None:
    with pytest.raises(PwconfError, match="does not read back"):
        check_reads_back("k: 1\n", {"k": "1"})
    with pytest.raises(PwconfError, match="does not read back"):
        check_reads_back("k: true\n", {"k": 1})  # equal in Python, not in YAML


scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.sampled_from(TRAPS),
)
keys = st.one_of(st.text(min_size=1, max_size=20), st.sampled_from(TRAPS))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=4))
def test_any_data_reads_back(data: dict) -> None:
    out = dump(data)
    assert yaml.safe_load(out) == data, out


def test_emitted_dates_stay_strings() -> None:
    loaded = yaml.safe_load(dump({"expiration_date": "2027-06-30"}))
    assert loaded["expiration_date"] == "2027-06-30"
    assert not isinstance(loaded["expiration_date"], dt.date)


@pytest.mark.parametrize(
    ("title", "handle"),
    [
        ("Shop", "shop"),
        ("My Shop (EU)", "my-shop-eu"),
        ("2048 Game!", "app-2048-game"),
        ("Café Olé", "cafe-ole"),
        ("Магазин", "app"),
        ("--__--", "app"),
        ("snake_case_App", "snake_case_app"),
        ("x" * 100, "x" * 48),
    ],
)
def test_slug(title: str, handle: str) -> None:
    assert slug(title) == handle


@given(st.dictionaries(st.text(min_size=5, max_size=11), st.text(max_size=40), max_size=30))
def test_handles_are_unique_and_usable_in_expressions(titles: dict[str, str]) -> None:
    handles = assign_handles(titles)
    assert set(handles) == set(titles)
    assert len(set(handles.values())) == len(handles)
    for handle in handles.values():
        expr = segments.parse(f'A(@{handle}) * AT(@{handle}, "T", NOTSET)')
        assert [r.handle for r in segments.app_refs(expr)] == [handle, handle]


def test_handles_do_not_depend_on_the_order_given() -> None:
    titles = {"B0000-00000": "Shop", "A0000-00000": "Shop", "C0000-00000": "shop!"}
    assert assign_handles(titles) == {
        "A0000-00000": "shop",
        "B0000-00000": "shop-2",
        "C0000-00000": "shop-3",
    }
    assert assign_handles(dict(reversed(titles.items()))) == assign_handles(titles)
