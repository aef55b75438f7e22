"""The emulator's own checker of the segmentation language (contract §5)."""

from __future__ import annotations

import pytest

from pwconf.emulator.segments import SegmentError, check

TAGS = {"Age": 1, "City": 2, "Interests": 3, "Born": 4, "Vip": 5, "Spent": 6, "Ver": 7}
APPS = {"AAAAA-11111", "BBBBB-22222"}


@pytest.mark.parametrize("text", [
    'a("AAAAA-11111", [iOS, "Android"])',
    'AT("BBBBB-22222", "City", in, ["a", "b"])',
    'T("Age", between, [1, 10])',
    'T("Spent", LTE, 9.5)',
    'T("Born", GTE, "30 days ago")',
    'T("Born", BETWEEN, ["2024-01-01", "2024-12-31"])',
    'T("Interests", NOTIN, ["x"])',
    'T("Ver", GTE, "1.2.3")',
    'T("City", NOTSET)',
    'T("Vip", eq, FALSE)',
    'E("Purchase", "amount", GTE, 10, [1, 2])',
    'T("City", EQ, "say \\"hi\\" \\\\ there")',
    'A("AAAAA-11111") + T("City", EQ, "x") * T("Age", GTE, 3) \\ T("Vip", EQ, true)',
    'T("Vip", EQ, true) * (T("Age", EQ, 1) + (T("Age", EQ, 2)))',
    # The spellings of other tools (contract §11).
    '(A("AAAAA-11111", ["IOS", "ANDROID"]) * T("Age", GTE, 3))',
    'A("AAAAA-11111", ["WINDOWS_PHONE", "BlackBerry"], 1)',
    'G("GGGGG-00000") + g("GGGGG-00000", ["ios"], "x")',
    'T("Age", gt, 3) * T("Spent", lt, 9.5)',
    'T("Born", gte, daysago(7))',
])
def test_valid_expressions(text: str) -> None:
    check(text, APPS, TAGS.get)


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("", 1, "empty expression"),
    ('A("AAAAA-11111"', 16, "expected ')'"),
    ('A("AAAAA-11111") A("BBBBB-22222")', 18, "expected an operator"),
    ('A("CCCCC-33333")', 3, 'unknown application "CCCCC-33333"'),
    ('T("Nope", EQ, 1)', 3, 'unknown tag "Nope"'),
    ('T("City", LIKE, "x")', 11, "unknown operator"),
    ('T("City", GTE, "x")', 11, "does not apply"),
    ('T("Age", BETWEEN, [1])', 19, "two values"),
    ('T("Age", IN, 3)', 14, "needs a list"),
    ('T("Age", EQ, "three")', 14, "integer values"),
    ('T("Vip", EQ, 1)', 14, "true or false"),
    ('T("Born", EQ, "yesterday")', 15, "date tag"),
    ('T("City", EQ, "abc)', 15, "unterminated string"),
    ('X("AAAAA-11111")', 1, "unknown function"),
    ('A("AAAAA-11111", [Linux])', 19, "unknown platform"),
    ('A("AAAAA-11111") & A("BBBBB-22222")', 18, "unexpected character"),
    ('(A("AAAAA-11111")', 18, "expected ')'"),
    ('A("AAAAA-11111") +', 19, "end of expression"),
])
def test_errors_name_the_problem_and_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(SegmentError) as caught:
        check(text, APPS, TAGS.get)
    assert caught.value.position == position, str(caught.value)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"Invalid filter_expression at position {position}: ")
