"""A checker of the segmentation language of filters (contract §5), written for the emulator only.

The emulator stores an expression as given and never evaluates it, so this builds no tree (and
operator precedence does not matter)::

    expr    := primary (("*" | "+" | "\\") primary)*
    primary := "(" expr ")" | term
    term    := A("APPCODE" [, [platform, ...] [, VALUE]])
             | G("GROUPCODE" [, [platform, ...] [, VALUE]])
             | T("Tag", OPERATOR [, VALUE])
             | AT("APPCODE", "Tag", OPERATOR [, VALUE])
             | E("Event" [, anything balanced])      [decided: arguments after the name unchecked]
    VALUE   := "string" | number | true | false | daysago(N) | [scalar, ...]

Function names, operators, platform names (``"IOS"``, ``"WINDOWS_PHONE"``) and ``true``/``false``
are case-insensitive: the spellings other tools write (contract §11). [decided, emulator] The
emulator has no application groups: the code in ``G()`` is not checked, nor is the third argument
of ``A()`` and ``G()``. Positions in error messages are 1-based character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from typing import Any, NamedTuple, NoReturn

from pwconf.emulator.fields import ApiError, is_number, is_whole

# Tag type codes (contract §3).
INTEGER, STRING, LIST, DATE, BOOLEAN, DECIMAL, VERSION = 1, 2, 3, 4, 5, 6, 7

ALL_OPERATORS = frozenset(
    {"EQ", "NOTEQ", "IN", "NOTIN", "GT", "GTE", "LT", "LTE", "BETWEEN", "NOTSET"}
)
# [decided, emulator] the contract lists no operators for version tags: treat them as ordered.
OPERATORS_BY_TAG_TYPE: dict[int, frozenset[str]] = {
    STRING: frozenset({"EQ", "NOTEQ", "IN", "NOTIN", "NOTSET"}),
    LIST: frozenset({"IN", "NOTIN", "NOTSET"}),
    BOOLEAN: frozenset({"EQ", "NOTSET"}),
}
PLATFORM_NAMES = frozenset(
    {"ios", "android", "osx", "windows", "amazon", "safari", "chrome", "firefox"}
    | {"blackberry", "windowsphone", "asha", "bada"}  # older platforms [lib]
)

_TOKEN = re.compile(
    r'\s*(?:(?P<punct>[()\[\],])|(?P<op>[*+\\])|(?P<str>"(?:[^"\\]|\\.)*")'
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<bad>\S))"
)
_ESCAPE = re.compile(r'\\(["\\])')
_DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
_DAYS_AGO = re.compile(r"^\s*\d+\s+days?\s+ago\s*$", re.IGNORECASE)


class SegmentError(ApiError):
    """A syntax or meaning error in a filter expression, with its 1-based position: a 210."""

    def __init__(self, problem: str, position: int) -> None:
        super().__init__(f"Invalid filter_expression at position {position}: {problem}")
        self.position = position


class _Token(NamedTuple):
    kind: str  # "(" ")" "[" "]" "," "op" "str" "num" "ident" "end"
    value: Any
    position: int  # 1-based

    def describe(self) -> str:
        if self.kind == "end":
            return "end of expression"
        return f'string "{self.value}"' if self.kind == "str" else repr(str(self.value))


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = str(match.lastgroup)
        value: Any = match.group(kind)
        position = match.start(kind) + 1
        if kind == "bad":
            problem = "unterminated string" if value == '"' else f"unexpected character {value!r}"
            raise SegmentError(problem, position)
        if kind == "punct":
            kind = value
        elif kind == "str":
            value = _ESCAPE.sub(r"\1", value[1:-1])
        elif kind == "num":
            value = float(value) if any(c in value for c in ".eE") else int(value)
        tokens.append(_Token(kind, value, position))
    tokens.append(_Token("end", None, len(text) + 1))
    return tokens


class _Checker:
    def __init__(
        self, text: str, applications: Container[str], tag_type: Callable[[str], int | None]
    ) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.applications = applications
        self.tag_type = tag_type

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        self.index += 1
        return self.tokens[self.index - 1]

    def accept(self, kind: str) -> bool:
        """Step over the current token if it is of ``kind``."""
        if self.current.kind == kind:
            self.index += 1
            return True
        return False

    def expect(self, kind: str, what: str) -> _Token:
        if self.current.kind != kind:
            self.fail(f"expected {what} but found {self.current.describe()}")
        return self.advance()

    def fail(self, problem: str, token: _Token | None = None) -> NoReturn:
        raise SegmentError(problem, (token or self.current).position)

    # -- grammar -------------------------------------------------------------------------------
    def check(self) -> None:
        if self.current.kind == "end":
            self.fail("empty expression")
        self.expr()
        if self.current.kind != "end":
            self.fail(f"expected an operator (*, + or \\) but found {self.current.describe()}")

    def expr(self) -> None:
        self.primary()
        while self.accept("op"):
            self.primary()

    def primary(self) -> None:
        if self.accept("("):
            self.expr()
            self.expect(")", "')'")
            return
        if self.current.kind != "ident":
            self.fail(f"expected A(), G(), T(), AT(), E() or '(' but found "
                      f"{self.current.describe()}")
        name = self.advance()
        kind = name.value.upper()
        if kind not in ("A", "G", "T", "AT", "E"):
            self.fail(f"unknown function {name.value!r} (expected A, G, T, AT or E)", name)
        self.expect("(", f"'(' after {kind}")
        if kind == "A":
            self.app_code()
            self.devices()
        elif kind == "G":
            self.expect("str", "an application group code string")
            self.devices()
        elif kind == "T":
            self.tag_condition()
        elif kind == "AT":
            self.app_code()
            self.expect(",", "','")
            self.tag_condition()
        else:
            self.event()
        self.expect(")", f"')' to close {kind}(")

    def app_code(self) -> None:
        token = self.expect("str", "an application code string")
        if token.value not in self.applications:
            self.fail(f'unknown application "{token.value}"', token)

    def devices(self) -> None:
        """The platforms and the third argument of A() or G(), each optional."""
        if not self.accept(","):
            return
        self.expect("[", "'[' to open a platform list")
        self.platform()
        while self.accept(","):
            self.platform()
        self.expect("]", "']' to close the platform list")
        if self.accept(","):
            self.value()

    def platform(self) -> None:
        token = self.current
        if token.kind not in ("str", "ident"):
            self.fail(f"expected a platform name but found {token.describe()}")
        if re.sub(r"[\s_-]+", "", str(token.value)).lower() not in PLATFORM_NAMES:
            self.fail(f"unknown platform {token.value!r}")
        self.advance()

    def tag_condition(self) -> None:
        tag = self.expect("str", "a tag name string")
        tag_type = self.tag_type(tag.value)
        if tag_type is None:
            self.fail(f'unknown tag "{tag.value}"', tag)
        self.expect(",", "',' after the tag name")
        op_token = self.expect("ident", "an operator")
        operator = op_token.value.upper()
        if operator not in ALL_OPERATORS:
            self.fail(f"unknown operator {op_token.value!r}", op_token)
        if operator not in OPERATORS_BY_TAG_TYPE.get(tag_type, ALL_OPERATORS):
            self.fail(f'operator {operator} does not apply to tag "{tag.value}" of type '
                      f"{tag_type}", op_token)
        if operator == "NOTSET":
            return
        self.expect(",", f"',' and a value after {operator}")
        value_token = self.current
        problem = _value_problem(operator, tag_type, self.value())
        if problem:
            self.fail(problem, value_token)

    def event(self) -> None:
        self.expect("str", "an event name string")
        depth = 0
        # [decided] E() arguments are unknown: skip everything up to the balancing ")".
        while not (depth == 0 and self.current.kind == ")"):
            if self.current.kind == "end":
                self.fail("expected ')' to close E(")
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(self.advance().kind, 0)

    def value(self) -> Any:
        if not self.accept("["):
            return self.scalar()
        items = [self.scalar()]
        while self.accept(","):
            items.append(self.scalar())
        self.expect("]", "']' to close the list")
        return items

    def scalar(self) -> Any:
        token = self.current
        word = str(token.value).lower() if token.kind == "ident" else None
        if token.kind in ("str", "num"):
            return self.advance().value
        if word in ("true", "false"):
            self.advance()
            return word == "true"
        if word == "daysago":
            self.advance()
            self.expect("(", "'(' after daysago")
            days = self.expect("num", "a number of days")
            self.expect(")", "')' to close daysago(")
            return f"{days.value} days ago"
        self.fail(f"expected a value (string, number, true, false or list) but found "
                  f"{token.describe()}")


def _value_problem(operator: str, tag_type: int, value: Any) -> str | None:
    if operator in ("IN", "NOTIN") and not isinstance(value, list):
        return f"{operator} needs a list value"
    if operator == "BETWEEN" and (not isinstance(value, list) or len(value) != 2):
        return "BETWEEN needs a list of two values [min, max]"
    if operator not in ("IN", "NOTIN", "BETWEEN") and isinstance(value, list):
        return f"{operator} needs a single value, not a list"
    for item in value if isinstance(value, list) else [value]:
        if problem := _scalar_problem(tag_type, item):
            return problem
    return None


def _text_or_number(item: Any) -> bool:
    return isinstance(item, str) or is_number(item)


def _date_or_number(item: Any) -> bool:
    if isinstance(item, str):
        return bool(_DATE_VALUE.match(item) or _DAYS_AGO.match(item))
    return is_number(item)


# what a single value of each tag type must be, and what the message says otherwise
_VALUE_RULES: dict[int, tuple[Callable[[Any], bool], str]] = {
    INTEGER: (is_whole, "integer tag needs integer values"),
    DECIMAL: (is_number, "decimal tag needs numeric values"),
    BOOLEAN: (lambda item: isinstance(item, bool), "boolean tag needs true or false"),
    STRING: (_text_or_number, "string tag needs string values"),
    LIST: (_text_or_number, "list tag needs string values"),
    DATE: (_date_or_number, 'date tag needs "YYYY-MM-DD", "N days ago" or a timestamp'),
    VERSION: (_text_or_number, "version tag needs version strings"),
}


def _scalar_problem(tag_type: int, item: Any) -> str | None:
    fits, needs = _VALUE_RULES.get(tag_type, (lambda item: True, ""))
    return None if fits(item) else f"{needs}, got {item!r}"


def check(
    text: str, applications: Container[str], tag_type: Callable[[str], int | None]
) -> None:
    """Raise :class:`SegmentError` naming the first problem of ``text`` and its position."""
    _Checker(text, applications, tag_type).check()
