"""The segmentation language: parser, errors with columns, canonical text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwconf.segments import (
    AppRef,
    AppTerm,
    BinOp,
    EventTerm,
    GroupTerm,
    SegmentSyntaxError,
    TagTerm,
    all_app_refs,
    app_refs,
    format_expr,
    parse,
    tag_terms,
)


def canon(text: str, **kwargs: object) -> str:
    return format_expr(parse(text), **kwargs)  # type: ignore[arg-type]


# --- parsing ------------------------------------------------------------------------------


def test_terms_and_their_parts() -> None:
    expr = parse('A(@shop, ["iOS"]) * T("Plan", eq, "gold")')
    assert isinstance(expr, BinOp) and expr.op == "*"
    assert expr.left == AppTerm(AppRef("shop", None, 3), ("iOS",))
    term = expr.right
    assert isinstance(term, TagTerm)
    assert (term.tag, term.operator, term.value, term.app) == ("Plan", "EQ", "gold", None)
    assert (term.column, term.tag_column, term.operator_column, term.value_column) == (
        21,
        23,
        31,
        35,
    )


def test_handles_quoted_or_not_and_codes() -> None:
    refs = app_refs(parse('A(@shop) + A("@blog") + AT("ABCDE-12345", "Team", EQ, "x")'))
    assert [(r.handle, r.code, r.column) for r in refs] == [
        ("shop", None, 3),
        ("blog", None, 14),
        (None, "ABCDE-12345", 28),
    ]


def test_tag_terms_of_t_and_at() -> None:
    terms = tag_terms(parse('T("Age", GTE, 18) \\ AT(@shop, "Team", IN, ["a", "b"])'))
    assert [(t.tag, t.operator, t.value) for t in terms] == [
        ("Age", "GTE", 18),
        ("Team", "IN", ["a", "b"]),
    ]
    assert terms[0].app is None
    assert terms[1].app == AppRef("shop", None, 24)


def test_values() -> None:
    term = tag_terms(parse('T("x", BETWEEN, [-1, 2.5e3, true, false, "7 days ago"])'))[0]
    assert term.value == [-1, 2500.0, True, False, "7 days ago"]


def test_notset_has_no_value() -> None:
    term = tag_terms(parse('T("Age", notset)'))[0]
    assert (term.operator, term.value) == ("NOTSET", None)


def test_event_terms_are_parsed_but_not_checked() -> None:
    expr = parse('E("Purchase", 3, GTE, "7 days ago", @shop) * A(@shop)')
    assert isinstance(expr, BinOp) and isinstance(expr.left, EventTerm)
    assert format_expr(expr) == 'E("Purchase", 3, GTE, "7 days ago", @shop) * A(@shop)'


def test_precedence_and_associativity() -> None:
    expr = parse("A(@a) + A(@b) * A(@c) \\ A(@d)")
    # * binds tighter; + and \ are read left to right: (a + (b * c)) \ d
    assert isinstance(expr, BinOp) and expr.op == "\\"
    assert isinstance(expr.left, BinOp) and expr.left.op == "+"
    assert isinstance(expr.left.right, BinOp) and expr.left.right.op == "*"


# --- errors -------------------------------------------------------------------------------

ERRORS = [
    ("", "empty expression", 1),
    ("   ", "empty expression", 1),
    ('T("Age" GTE, 18)', "expected ',' after the tag name, found 'GTE'", 9),
    ('T("Age", GE, 18)', "expected an operator (EQ, NOTEQ", 10),
    ('T("Age", EQ, 18', "expected ')' to close the tag term, found the end", 16),
    ('T("Age, EQ, 18)', "unterminated string", 3),
    ("T('Age', EQ, 18)", "double quotes, not single quotes", 3),
    ('A(@shop, ["Linux"])', "unknown platform 'Linux'; expected one of iOS, Android", 11),
    ('A(@shop, ["iOS"], 1, 2)', "expected ')' to close A(", 20),
    ("G(@shop)", "the application group code in double quotes", 3),
    ('G("")', "empty application group code", 3),
    ('T("Born", GTE, daysago("7"))', "expected a whole number of days", 24),
    ('T("Born", GTE, daysago(-1))', "expected a whole number of days", 24),
    ('T("Born", GTE, daysago 7)', "expected '(' after daysago", 24),
    ("A(shop)", "expected an application (@handle", 3),
    ("A(@)", "'@' must be followed by an application handle", 3),
    ("A(@shop) A(@blog)", "expected an operator (*, + or \\) or the end", 10),
    ("A(@shop) * ", "expected a term", 12),
    ("(A(@shop)", "expected ')' to close the '(' at column 1", 10),
    ("A(@shop))", "expected an operator", 9),
    ("X(@shop)", "expected a term", 1),
    ('T("Age", EQ, 18) # comment', "unexpected character '#'", 18),
    ('T("x", EQ, "\\q")', "invalid escape", 12),
    ('E(3, "x")', "E(...) starts with the event name", 1),
    ('T("x", EQ, nope)', "expected a value", 12),
]


@pytest.mark.parametrize(("text", "fragment", "column"), ERRORS)
def test_syntax_errors_point_at_their_column(text: str, fragment: str, column: int) -> None:
    with pytest.raises(SegmentSyntaxError) as caught:
        parse(text)
    assert fragment in caught.value.message
    assert caught.value.column == column


def test_deep_nesting_and_long_chains_are_refused_cleanly() -> None:
    with pytest.raises(SegmentSyntaxError, match="nested more than"):
        parse("(" * 1000 + "A(@a)" + ")" * 1000)
    with pytest.raises(SegmentSyntaxError, match="more than 256 terms"):
        parse(" + ".join(["A(@a)"] * 300))


# --- canonical text -----------------------------------------------------------------------

CANONICAL = [
    ('a(@shop,["iOS"])*t("Plan",eq,"gold")', 'A(@shop, ["iOS"]) * T("Plan", EQ, "gold")'),
    ("(A(@a) * A(@b)) + A(@c)", "A(@a) * A(@b) + A(@c)"),
    ("A(@a) + (A(@b) \\ A(@c))", "A(@a) + (A(@b) \\ A(@c))"),
    ("(A(@a) + A(@b)) \\ A(@c)", "A(@a) + A(@b) \\ A(@c)"),
    ("(A(@a) + A(@b)) * A(@c)", "(A(@a) + A(@b)) * A(@c)"),
    ("A(@a) * (A(@b) * A(@c))", "A(@a) * (A(@b) * A(@c))"),
    ("((A(@a)))", "A(@a)"),
    ('T("x", in, [1,2.50,  TRUE])', 'T("x", IN, [1, 2.5, true])'),
    ('T( "x" , NotSet )', 'T("x", NOTSET)'),
    ('A("@shop")', "A(@shop)"),
    ('T("Café \\"q\\"", EQ, "ü")', 'T("Café \\"q\\"", EQ, "ü")'),
]

# The spellings of other tools (contract §11), each with the canonical text it stands for.
OTHER_SPELLINGS = [
    # Pushwoosh's Python library: platform constants in capitals, parentheses around each pair.
    (
        '(A("XXXXX-XXXXX", ["IOS", "ANDROID"]) * T("Loyalty Level", GTE, 3))',
        'A("XXXXX-XXXXX", ["iOS", "Android"]) * T("Loyalty Level", GTE, 3)',
    ),
    (
        'A(@shop, ["WINDOWS_PHONE", "osx", "BlackBerry"])',
        'A(@shop, ["OsX", "BlackBerry", "WindowsPhone"])',
    ),
    ('A(@shop, ["Android", "iOS", "IOS"])', 'A(@shop, ["iOS", "Android"])'),
    # The documentation's lower-case operators.
    (
        'T("City", eq, "Tokyo") * t("Age", gte, 18) + T("Age", lte, 65)',
        'T("City", EQ, "Tokyo") * T("Age", GTE, 18) + T("Age", LTE, 65)',
    ),
    ('T("Age", gt, 17) * T("Age", lt, 66)', 'T("Age", GT, 17) * T("Age", LT, 66)'),
    ('T("Last Open", gte, daysago(7))', 'T("Last Open", GTE, "7 days ago")'),
    (
        'T("Last Open", BETWEEN, [DaysAgo(30), daysago( 7 )])',
        'T("Last Open", BETWEEN, ["30 days ago", "7 days ago"])',
    ),
    # Application groups, and the third argument of A(), kept as written.
    ('g("GGGGG-00000", ["IOS"])', 'G("GGGGG-00000", ["iOS"])'),
    ('G("GGGGG-00000") + A(@shop, ["ios"], 3)', 'G("GGGGG-00000") + A(@shop, ["iOS"], 3)'),
    ('A(@shop, [], "x")', 'A(@shop, [], "x")'),
]


@pytest.mark.parametrize(("text", "expected"), OTHER_SPELLINGS)
def test_other_spellings_have_the_canonical_text(text: str, expected: str) -> None:
    assert canon(text) == expected
    assert canon(expected) == expected


def test_the_python_librarys_segment_equals_the_manifests() -> None:
    live = '(A("XXXXX-XXXXX", ["IOS", "ANDROID"]) * T("Loyalty Level", GTE, 3))'
    manifest = 'A(@shop, ["iOS", "Android"]) * T("Loyalty Level", GTE, 3)'
    assert canon(live, code_to_handle={"XXXXX-XXXXX": "shop"}) == canon(manifest)


def test_group_terms_name_no_application() -> None:
    expr = parse('G("GGGGG-00000", ["iOS"]) * A(@shop)')
    assert isinstance(expr, BinOp) and isinstance(expr.left, GroupTerm)
    assert expr.left == GroupTerm("GGGGG-00000", ("iOS",))
    assert [r.handle for r in all_app_refs(expr)] == ["shop"]


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_text(text: str, expected: str) -> None:
    assert canon(text) == expected
    assert canon(expected) == expected


def test_codes_and_handles_are_rewritten_both_ways() -> None:
    text = 'A(@shop, ["iOS"]) * AT(@shop, "Team", EQ, "x") + A("FFFFF-00000")'
    wire = canon(text, handle_to_code={"shop": "ABCDE-12345"})
    assert wire == (
        'A("ABCDE-12345", ["iOS"]) * AT("ABCDE-12345", "Team", EQ, "x") + A("FFFFF-00000")'
    )
    assert canon(wire, code_to_handle={"ABCDE-12345": "shop"}) == (
        'A(@shop, ["iOS"]) * AT(@shop, "Team", EQ, "x") + A("FFFFF-00000")'
    )


def test_unknown_handle_stays_a_handle_on_the_wire() -> None:
    assert canon("A(@new)", handle_to_code={}) == "A(@new)"


# --- properties ---------------------------------------------------------------------------

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
scalars = st.one_of(
    names,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))
handles = st.from_regex(r"@[A-Za-z_][A-Za-z0-9_-]{0,6}", fullmatch=True)
apps = st.one_of(handles, handles.map(lambda h: f'"{h}"'), st.just('"ABCDE-12345"'))
operators = st.sampled_from(["EQ", "noteq", "In", "NOTIN", "gte", "LTE", "between", "gt", "Lt"])
platform_lists = st.lists(
    st.sampled_from(["iOS", "Android", "OsX", "Chrome", "IOS", "android", "WINDOWS_PHONE"]),
    max_size=3,
)
space = st.sampled_from(["", " ", "  ", "\n"])


def _json(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@st.composite
def terms(draw: st.DrawFn) -> str:
    s = draw(space)
    kind = draw(st.sampled_from(["A", "T", "AT", "NOTSET"]))
    if kind == "A":
        platforms = draw(st.one_of(st.none(), platform_lists))
        tail = "" if platforms is None else f",{s}{_json(platforms)}"
        return f"A({s}{draw(apps)}{tail})"
    tag = _json(draw(names))
    if kind == "NOTSET":
        return f"t({tag},{s}notset)"
    body = f"{tag},{s}{draw(operators)},{s}{_json(draw(values))}"
    if kind == "AT":
        return f"AT({draw(apps)},{s}{body})"
    return f"T({body})"


expressions = st.recursive(
    terms(),
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(["*", "+", "\\"]), children, space).map(
            lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}"
        ),
        children.map(lambda c: f"({c})"),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_canonical_text_is_idempotent(text: str) -> None:
    once = format_expr(parse(text))
    assert format_expr(parse(once)) == once


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_canonical_text_keeps_the_meaning(text: str) -> None:
    # Same terms in the same order, and the same tree shape, after a round trip.
    assert _shape(parse(format_expr(parse(text)))) == _shape(parse(text))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='AT()[],*+\\@"EQ1 shop.-', max_size=40))
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    try:
        expr = parse(text)
    except SegmentSyntaxError as exc:
        assert 1 <= exc.column <= len(text) + 1
    else:
        once = format_expr(expr)
        assert format_expr(parse(once)) == once


def _shape(expr: object) -> object:
    if isinstance(expr, BinOp):
        return (expr.op, _shape(expr.left), _shape(expr.right))
    if isinstance(expr, AppTerm):
        platforms = None if expr.platforms is None else frozenset(expr.platforms)
        return ("A", expr.app.handle, expr.app.code, platforms, repr(expr.extra))
    if isinstance(expr, TagTerm):
        app = (expr.app.handle, expr.app.code) if expr.app else None
        return ("T", app, expr.tag, expr.operator, repr(expr.value))
    return expr
