"""The exporter's YAML and handles, without an account: every value reads back as written."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pwconf import segments
from pwconf.export import _check_reads_back, _emit_pair, _scalar, assign_handles, slug

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


def emit(data: dict) -> str:
    lines: list[str] = []
    for key, value in data.items():
        lines += _emit_pair(key, value, (key,), {})
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", TRAPS)
def test_trap_strings_read_back_as_strings(text: str) -> None:
    data = {
        "k": text,
        text: {"message": text, "list": [text, 1], "inline": {"a": text}},
        "deep": {"x": [{"y": text, "z": [text]}]},
    }
    out = emit(data)
    loaded = yaml.safe_load(out)
    assert loaded == data, out
    _check_reads_back(out, data)  # the exporter's own check agrees


def test_yaml12_lookalikes_are_quoted_for_editors() -> None:
    for text in ("1e3", "0o17", "true", "NULL", ".nan"):
        assert _scalar(text).startswith(("'", '"')), text
    assert _scalar("plain words") == "plain words"
    assert _scalar('T("Age", GTE, 18)') == 'T("Age", GTE, 18)'  # readable in block context
    assert _scalar('T("Age", GTE, 18)', flow=True).startswith("'")


def test_block_style_with_short_leaf_mappings_inline() -> None:
    out = emit(
        {
            "tags": {"Age": {"type": "integer"}, "yes": {"type": "string"}},
            "segments": {"adults": {"expression": 'T("Age", GTE, 18)'}},
            "applications": {"shop": {"title": "Shop", "code": "ABCDE-12345"}},
        }
    )
    assert "  Age: {type: integer}\n" in out
    assert "  'yes': {type: string}\n" in out
    assert '  adults:\n    expression: T("Age", GTE, 18)\n' in out  # no quotes just to inline
    assert "  shop:\n    title: Shop\n    code: ABCDE-12345\n" in out  # applications: block


def test_comments_land_after_the_named_key() -> None:
    data = {"applications": {"shop": {"title": "Shop", "code": "C", "presets": {"p": {}}}}}
    lines: list[str] = []
    for key, value in data.items():
        lines += _emit_pair(key, value, (key,), {("applications", "shop", "code"): ["ios:", ""]})
    text = "\n".join(lines)
    assert "    code: C\n    # ios:\n    #\n    presets:" in text
    assert yaml.safe_load(text) == data


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
    out = emit(data)
    assert yaml.safe_load(out) == data, out


def test_emitted_dates_stay_strings() -> None:
    loaded = yaml.safe_load(emit({"expiration_date": "2027-06-30"}))
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
