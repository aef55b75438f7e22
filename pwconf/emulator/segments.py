"""A parser for the segmentation language of filters (contract §5), written for the emulator only.

Grammar (precedence [decided]: ``*`` binds tighter than ``+`` and ``\\``, all left-associative)::

    expr    := product (("+" | "\\") product)*
    product := primary ("*" primary)*
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
of ``A()`` and ``G()``. Positions in error messages are 1-based character offsets into the
expression.

Semantic checks need the account: :func:`parse` takes a :class:`Resolver` that answers whether an
application code exists and what type a tag has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Tag type codes (contract §3).
INTEGER, STRING, LIST, DATE, BOOLEAN, DECIMAL, VERSION = 1, 2, 3, 4, 5, 6, 7

_ORDERED_OPERATORS = frozenset(
    {"EQ", "NOTEQ", "IN", "NOTIN", "GT", "GTE", "LT", "LTE", "BETWEEN", "NOTSET"}
)
OPERATORS_BY_TAG_TYPE: dict[int, frozenset[str]] = {
    INTEGER: _ORDERED_OPERATORS,
    STRING: frozenset({"EQ", "NOTEQ", "IN", "NOTIN", "NOTSET"}),
    LIST: frozenset({"IN", "NOTIN", "NOTSET"}),
    DATE: _ORDERED_OPERATORS,
    BOOLEAN: frozenset({"EQ", "NOTSET"}),
    DECIMAL: _ORDERED_OPERATORS,
    # [decided, emulator] the contract lists no operators for version tags: treat them as ordered.
    VERSION: _ORDERED_OPERATORS,
}
ALL_OPERATORS = _ORDERED_OPERATORS
PLATFORM_NAMES = frozenset(
    {"ios", "android", "osx", "windows", "amazon", "safari", "chrome", "firefox"}
    | {"blackberry", "windowsphone", "asha", "bada"}  # older platforms [lib]
)
BINARY_OPERATORS = ("*", "+", "\\")

_DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
_DAYS_AGO = re.compile(r"^\s*\d+\s+days?\s+ago\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SegmentError(ValueError):
    """A syntax or meaning error in a filter expression, with its 1-based position."""

    def __init__(self, problem: str, position: int) -> None:
        super().__init__(f"Invalid filter_expression at position {position}: {problem}")
        self.problem = problem
        self.position = position


@dataclass(frozen=True)
class Resolver:
    """What the parser needs to know about the account."""

    application_exists: Callable[[str], bool]
    tag_type: Callable[[str], int | None]


@dataclass(frozen=True)
class Term:
    """One leaf: ``kind`` is A, G, T, AT or E; ``args`` the parsed arguments."""

    kind: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Term | BinOp
    right: Term | BinOp


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "[" "]" "," "op" "str" "num" "ident" "end"
    value: Any
    position: int  # 1-based


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()[],":
            tokens.append(_Token(ch, ch, i + 1))
            i += 1
        elif ch in BINARY_OPERATORS:
            tokens.append(_Token("op", ch, i + 1))
            i += 1
        elif ch == '"':
            start = i
            value, i = _read_string(text, i)
            tokens.append(_Token("str", value, start + 1))
        elif number := _NUMBER.match(text, i):
            literal = number.group()
            value: Any = float(literal) if any(c in literal for c in ".eE") else int(literal)
            tokens.append(_Token("num", value, i + 1))
            i = number.end()
        elif ident := _IDENT.match(text, i):
            tokens.append(_Token("ident", ident.group(), i + 1))
            i = ident.end()
        else:
            raise SegmentError(f"unexpected character {ch!r}", i + 1)
    tokens.append(_Token("end", None, len(text) + 1))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read a double-quoted string starting at ``start``; ``\\"`` and ``\\\\`` are escapes."""
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(chars), i + 1
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            chars.append(text[i + 1])
            i += 2
            continue
        chars.append(ch)
        i += 1
    raise SegmentError("unterminated string", start + 1)


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "str":
        return f'string "{token.value}"'
    return repr(str(token.value))


class _Parser:
    def __init__(self, text: str, resolver: Resolver) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.resolver = resolver

    # -- token helpers -------------------------------------------------------------------------
    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        token = self.current
        if token.kind != kind:
            raise SegmentError(f"expected {what} but found {_describe(token)}", token.position)
        return self.advance()

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Term | BinOp:
        if self.current.kind == "end":
            raise SegmentError("empty expression", 1)
        node = self.expr()
        if self.current.kind != "end":
            raise SegmentError(
                f"expected an operator (*, + or \\) but found {_describe(self.current)}",
                self.current.position,
            )
        return node

    def expr(self) -> Term | BinOp:
        node = self.product()
        while self.current.kind == "op" and self.current.value in ("+", "\\"):
            op = self.advance().value
            node = BinOp(op, node, self.product())
        return node

    def product(self) -> Term | BinOp:
        node = self.primary()
        while self.current.kind == "op" and self.current.value == "*":
            self.advance()
            node = BinOp("*", node, self.primary())
        return node

    def primary(self) -> Term | BinOp:
        token = self.current
        if token.kind == "(":
            self.advance()
            node = self.expr()
            self.expect(")", "')'")
            return node
        if token.kind == "ident":
            return self.term()
        raise SegmentError(
            f"expected A(), G(), T(), AT(), E() or '(' but found {_describe(token)}",
            token.position,
        )

    def term(self) -> Term:
        name_token = self.advance()
        kind = name_token.value.upper()
        parsers = {
            "A": self.app_term,
            "G": self.group_term,
            "T": self.tag_term,
            "AT": self.app_tag_term,
            "E": self.event,
        }
        if kind not in parsers:
            raise SegmentError(
                f"unknown function {name_token.value!r} (expected A, G, T, AT or E)",
                name_token.position,
            )
        self.expect("(", f"'(' after {kind}")
        term = parsers[kind]()
        self.expect(")", f"')' to close {kind}(")
        return term

    def app_code(self) -> str:
        token = self.expect("str", "an application code string")
        if not self.resolver.application_exists(token.value):
            raise SegmentError(f'unknown application "{token.value}"', token.position)
        return token.value

    def app_term(self) -> Term:
        code = self.app_code()
        return Term("A", (code, *self.devices()))

    def group_term(self) -> Term:
        code = self.expect("str", "an application group code string").value
        return Term("G", (code, *self.devices()))

    def devices(self) -> tuple[tuple[str, ...] | None, Any]:
        """The platforms and the third argument of A() or G(), each optional."""
        platforms: tuple[str, ...] | None = None
        extra: Any = None
        if self.current.kind == ",":
            self.advance()
            platforms = self.platform_list()
            if self.current.kind == ",":
                self.advance()
                extra = self.value()
        return platforms, extra

    def platform_list(self) -> tuple[str, ...]:
        self.expect("[", "'[' to open a platform list")
        names: list[str] = []
        while True:
            token = self.current
            if token.kind not in ("str", "ident"):
                raise SegmentError(f"expected a platform name but found {_describe(token)}",
                                   token.position)
            if re.sub(r"[\s_-]+", "", str(token.value)).lower() not in PLATFORM_NAMES:
                raise SegmentError(f"unknown platform {token.value!r}", token.position)
            names.append(str(self.advance().value))
            if self.current.kind != ",":
                break
            self.advance()
        self.expect("]", "']' to close the platform list")
        return tuple(names)

    def tag_term(self) -> Term:
        tag, operator, value = self.tag_condition()
        return Term("T", (tag, operator, value))

    def app_tag_term(self) -> Term:
        code = self.app_code()
        self.expect(",", "','")
        tag, operator, value = self.tag_condition()
        return Term("AT", (code, tag, operator, value))

    def tag_condition(self) -> tuple[str, str, Any]:
        tag_token = self.expect("str", "a tag name string")
        tag_type = self.resolver.tag_type(tag_token.value)
        if tag_type is None:
            raise SegmentError(f'unknown tag "{tag_token.value}"', tag_token.position)
        self.expect(",", "',' after the tag name")
        op_token = self.expect("ident", "an operator")
        operator = op_token.value.upper()
        if operator not in ALL_OPERATORS:
            raise SegmentError(f"unknown operator {op_token.value!r}", op_token.position)
        if operator not in OPERATORS_BY_TAG_TYPE.get(tag_type, ALL_OPERATORS):
            raise SegmentError(
                f'operator {operator} does not apply to tag "{tag_token.value}" of type {tag_type}',
                op_token.position,
            )
        if operator == "NOTSET":
            return tag_token.value, operator, None
        self.expect(",", f"',' and a value after {operator}")
        value_position = self.current.position
        value = self.value()
        _check_value(operator, tag_type, value, value_position)
        return tag_token.value, operator, value

    def event(self) -> Term:
        name = self.expect("str", "an event name string").value
        start = self.index
        depth = 0
        # [decided] E() arguments are unknown: skip everything up to the balancing ")".
        while not (depth == 0 and self.current.kind == ")"):
            token = self.current
            if token.kind == "end":
                raise SegmentError("expected ')' to close E(", token.position)
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(token.kind, 0)
            self.advance()
        rest = tuple(token.value for token in self.tokens[start : self.index])
        return Term("E", (name, rest))

    def value(self) -> Any:
        token = self.current
        if token.kind == "[":
            self.advance()
            items = [self.scalar()]
            while self.current.kind == ",":
                self.advance()
                items.append(self.scalar())
            self.expect("]", "']' to close the list")
            return items
        return self.scalar()

    def scalar(self) -> Any:
        token = self.current
        if token.kind in ("str", "num"):
            return self.advance().value
        if token.kind == "ident" and token.value.lower() in ("true", "false"):
            return self.advance().value.lower() == "true"
        if token.kind == "ident" and token.value.lower() == "daysago":
            self.advance()
            self.expect("(", "'(' after daysago")
            days = self.expect("num", "a number of days")
            self.expect(")", "')' to close daysago(")
            return f"{days.value} days ago"
        raise SegmentError(
            f"expected a value (string, number, true, false or list) but found {_describe(token)}",
            token.position,
        )


def _check_value(operator: str, tag_type: int, value: Any, position: int) -> None:
    if operator in ("IN", "NOTIN"):
        if not isinstance(value, list):
            raise SegmentError(f"{operator} needs a list value", position)
        items = value
    elif operator == "BETWEEN":
        if not isinstance(value, list) or len(value) != 2:
            raise SegmentError("BETWEEN needs a list of two values [min, max]", position)
        items = value
    else:
        if isinstance(value, list):
            raise SegmentError(f"{operator} needs a single value, not a list", position)
        items = [value]
    for item in items:
        problem = _scalar_problem(tag_type, item)
        if problem:
            raise SegmentError(problem, position)


def _scalar_problem(tag_type: int, item: Any) -> str | None:
    is_number = isinstance(item, int | float) and not isinstance(item, bool)
    if tag_type == INTEGER and not (isinstance(item, int) and not isinstance(item, bool)):
        return f"integer tag needs integer values, got {item!r}"
    if tag_type == DECIMAL and not is_number:
        return f"decimal tag needs numeric values, got {item!r}"
    if tag_type == BOOLEAN and not isinstance(item, bool):
        return f"boolean tag needs true or false, got {item!r}"
    if tag_type in (STRING, LIST) and not isinstance(item, str) and not is_number:
        return f"{'string' if tag_type == STRING else 'list'} tag needs string values, got {item!r}"
    if tag_type == DATE and not (
        is_number or (isinstance(item, str) and (_DATE_VALUE.match(item) or _DAYS_AGO.match(item)))
    ):
        return f'date tag needs "YYYY-MM-DD", "N days ago" or a timestamp, got {item!r}'
    if tag_type == VERSION and not (isinstance(item, str) or is_number):
        return f"version tag needs version strings, got {item!r}"
    return None


def parse(text: str, resolver: Resolver) -> Term | BinOp:
    """Parse and check ``text``; raise :class:`SegmentError` naming the problem and position."""
    return _Parser(text, resolver).parse()
