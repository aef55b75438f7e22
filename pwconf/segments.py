"""The Pushwoosh segmentation language (wire contract §5): parser and canonical text.

    expr     := and_expr (("+" | "\\") and_expr)*       "+" or, "\\" and-not; left to right
    and_expr := primary ("*" primary)*                  "*" and: binds tighter
    primary  := "(" expr ")" | term
    term     := A(app [, [platform, ...] [, VALUE]])
              | G("GROUPCODE" [, [platform, ...] [, VALUE]])   an application group
              | T("Tag", OPERATOR [, VALUE])
              | AT(app, "Tag", OPERATOR [, VALUE])
              | E("Event", ...)                         arguments parsed, not checked [decided]
    app      := @handle | "@handle" | "APPCODE"
    VALUE    := "string" | number | true | false | daysago(N) | [VALUE, ...]

The parser reads the expression as others write it (contract §11: the Control Panel, Pushwoosh's
own client libraries) and keeps one canonical text per meaning, so that an expression read back
from the account compares equal to the same expression in a manifest:

- function names, operators and true/false in any case: written uppercase (true/false lowercase);
- platform names in any case, with or without `_` (`"IOS"`, `"ANDROID"`, `"WINDOWS_PHONE"`):
  written as `PLATFORMS` spells them, each once, in its order;
- `daysago(N)`: written as the contract's `"N days ago"`;
- `G()` and the third argument of `A()`: kept, as written [decided: their meaning is the
  server's; pwconf checks neither].

Whether an operator and value fit the tag's type is a semantic check (pwconf.manifest.checks), not
a matter of syntax. Columns are 1-based offsets into the expression text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from pwconf.segment_tokens import PRECEDENCE, SegmentSyntaxError, Token, tokenize

# GT and LT: the strict comparisons other tools write [lib]; the contract lists the rest.
OPERATORS: tuple[str, ...] = (
    "EQ",
    "NOTEQ",
    "IN",
    "NOTIN",
    "GT",
    "GTE",
    "LT",
    "LTE",
    "BETWEEN",
    "NOTSET",
)
# The platforms of A() and G(): the contract's eight [lib], then the older ones Pushwoosh's
# Python library still writes (BLACKBERRY, WINDOWS_PHONE, ASHA, BADA) [lib; spelling decided].
PLATFORMS: tuple[str, ...] = (
    "iOS",
    "Android",
    "OsX",
    "Windows",
    "Amazon",
    "Safari",
    "Chrome",
    "Firefox",
    "BlackBerry",
    "WindowsPhone",
    "Asha",
    "Bada",
)
FUNCTIONS: tuple[str, ...] = ("A", "G", "T", "AT", "E")
DAYS_AGO_FUNCTION = "DAYSAGO"
MAX_TERMS = 256  # real segments are short; the bound keeps parsing and formatting shallow
MAX_NESTING = 32

Value = str | int | float | bool | list["Value"]


@dataclass(frozen=True)
class AppRef:
    """An application in A() or AT(): a handle (`@shop`, stored without `@`) or a code."""

    handle: str | None
    code: str | None
    column: int


@dataclass(frozen=True)
class AppTerm:
    """A(app [, platforms [, extra]]); `extra` is the third argument, kept as written."""

    app: AppRef
    platforms: tuple[str, ...] | None
    column: int
    platform_columns: tuple[int, ...] = ()
    extra: Value | None = None


@dataclass(frozen=True)
class GroupTerm:
    """G("GROUPCODE" [, platforms [, extra]]): the devices of an application group."""

    code: str
    platforms: tuple[str, ...] | None
    column: int
    extra: Value | None = None


@dataclass(frozen=True)
class TagTerm:
    """T("Tag", OP, VALUE) or AT(app, "Tag", OP, VALUE); `value` is None when absent."""

    tag: str
    operator: str
    value: Value | None
    column: int
    app: AppRef | None = None
    tag_column: int = 0
    operator_column: int = 0
    value_column: int = 0


@dataclass(frozen=True)
class Word:
    """A bare word among E() arguments, kept as written."""

    text: str


@dataclass(frozen=True)
class EventTerm:
    args: tuple[Value | Word | AppRef, ...]
    column: int


@dataclass(frozen=True)
class BinOp:
    op: str  # "*", "+" or "\\"
    left: Expr
    right: Expr
    column: int


Expr = BinOp | AppTerm | GroupTerm | TagTerm | EventTerm



# --- parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.terms = 0

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SegmentSyntaxError(f"nested more than {MAX_NESTING} levels deep", token.column)

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self) -> Token:
        return self.tokens[min(self.index + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        token = self.current
        if token.kind != kind:
            raise SegmentSyntaxError(f"expected {what}, found {_describe(token)}", token.column)
        return self.advance()

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise SegmentSyntaxError("empty expression", 1)
        expr = self.parse_or()
        if self.current.kind != "end":
            token = self.current
            raise SegmentSyntaxError(
                f"expected an operator (*, + or \\) or the end, found {_describe(token)}",
                token.column,
            )
        return expr

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while self.current.kind == "op" and self.current.text in ("+", "\\"):
            op = self.advance()
            left = BinOp(op.text, left, self.parse_and(), op.column)
        return left

    def parse_and(self) -> Expr:
        left = self.parse_primary()
        while self.current.kind == "op" and self.current.text == "*":
            op = self.advance()
            left = BinOp("*", left, self.parse_primary(), op.column)
        return left

    def parse_primary(self) -> Expr:
        token = self.current
        if token.kind == "(":
            self.enter(token)
            self.advance()
            inner = self.parse_or()
            self.expect(")", f"')' to close the '(' at column {token.column}")
            self.depth -= 1
            return inner
        if token.kind == "word" and token.text.upper() in FUNCTIONS:
            return self.parse_term()
        raise SegmentSyntaxError(
            "expected a term (A(...), G(...), T(...), AT(...), E(...)) or '(', "
            f"found {_describe(token)}",
            token.column,
        )

    def parse_term(self) -> Expr:
        name = self.advance()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise SegmentSyntaxError(f"more than {MAX_TERMS} terms in one expression", name.column)
        self.expect("(", f"'(' after {name.text.upper()}")
        function = name.text.upper()
        if function == "A":
            return self.parse_app_term(name.column)
        if function == "G":
            return self.parse_group_term(name.column)
        if function == "T":
            return self.parse_tag_term(name.column, app=None)
        if function == "AT":
            app = self.parse_app_ref()
            self.expect(",", "',' after the application")
            return self.parse_tag_term(name.column, app=app)
        return self.parse_event_term(name.column)

    def parse_app_ref(self) -> AppRef:
        token = self.current
        if token.kind == "handle":
            self.advance()
            return AppRef(token.text[1:], None, token.column)
        if token.kind == "string":
            self.advance()
            text = str(token.value)
            if text.startswith("@"):
                if not re.fullmatch(r"@[A-Za-z_][A-Za-z0-9_-]*", text):
                    raise SegmentSyntaxError(f"invalid application handle {text!r}", token.column)
                return AppRef(text[1:], None, token.column)
            if not text:
                raise SegmentSyntaxError("empty application code", token.column)
            return AppRef(None, text, token.column)
        raise SegmentSyntaxError(
            f'expected an application (@handle or "APPCODE"), found {_describe(token)}',
            token.column,
        )

    def parse_app_term(self, column: int) -> AppTerm:
        app = self.parse_app_ref()
        platforms, platform_columns, extra = self.parse_device_filter("A")
        return AppTerm(app, platforms, column, platform_columns, extra)

    def parse_group_term(self, column: int) -> GroupTerm:
        code = self.expect(
            "string", 'the application group code in double quotes, e.g. "ABCDE-12345"'
        )
        if not code.value:
            raise SegmentSyntaxError("empty application group code", code.column)
        platforms, _, extra = self.parse_device_filter("G")
        return GroupTerm(str(code.value), platforms, column, extra)

    def parse_device_filter(
        self, function: str
    ) -> tuple[tuple[str, ...] | None, tuple[int, ...], Value | None]:
        """The rest of A() or G(): `[, [platforms] [, extra]] )`."""
        platforms: tuple[str, ...] | None = None
        platform_columns: tuple[int, ...] = ()
        extra: Value | None = None
        if self.current.kind == ",":
            self.advance()
            platforms, platform_columns = self.parse_platforms()
            if self.current.kind == ",":
                self.advance()
                extra = self.parse_value()
        self.expect(")", f"')' to close {function}(")
        return platforms, platform_columns, extra

    def parse_platforms(self) -> tuple[tuple[str, ...], tuple[int, ...]]:
        self.expect("[", 'a list of platforms, e.g. ["iOS", "Android"]')
        names: list[str] = []
        columns: list[int] = []
        while self.current.kind != "]":
            if names:
                self.expect(",", "',' or ']' in the platform list")
            token = self.expect("string", "a platform name in double quotes")
            names.append(_check_platform(str(token.value), token.column))
            columns.append(token.column)
        self.advance()
        return tuple(names), tuple(columns)

    def parse_tag_term(self, column: int, app: AppRef | None) -> TagTerm:
        tag = self.expect("string", "the tag name in double quotes")
        self.expect(",", "',' after the tag name")
        operator = self.current
        if operator.kind != "word" or operator.text.upper() not in OPERATORS:
            raise SegmentSyntaxError(
                f"expected an operator ({', '.join(OPERATORS)}), found {_describe(operator)}",
                operator.column,
            )
        self.advance()
        value: Value | None = None
        value_column = 0
        if self.current.kind == ",":
            self.advance()
            value_column = self.current.column
            value = self.parse_value()
        self.expect(")", "')' to close the tag term")
        return TagTerm(
            tag=str(tag.value),
            operator=operator.text.upper(),
            value=value,
            column=column,
            app=app,
            tag_column=tag.column,
            operator_column=operator.column,
            value_column=value_column,
        )

    def parse_value(self) -> Value:
        token = self.current
        if token.kind in ("string", "number"):
            self.advance()
            return token.value  # type: ignore[return-value]
        if token.kind == "word" and token.text.lower() in ("true", "false"):
            self.advance()
            return token.text.lower() == "true"
        if token.kind == "word" and token.text.upper() == DAYS_AGO_FUNCTION:
            return self.parse_days_ago()
        if token.kind == "[":
            self.enter(token)
            self.advance()
            items: list[Value] = []
            while self.current.kind != "]":
                if items:
                    self.expect(",", "',' or ']' in the list")
                items.append(self.parse_value())
            self.advance()
            self.depth -= 1
            return items
        raise SegmentSyntaxError(
            f'expected a value ("text", a number, true, false or a list), found {_describe(token)}',
            token.column,
        )

    def parse_days_ago(self) -> str:
        """daysago(N), another spelling of the value "N days ago"."""
        name = self.advance()
        self.expect("(", f"'(' after {name.text}")
        days = self.current
        if days.kind != "number" or not isinstance(days.value, int) or days.value < 0:
            raise SegmentSyntaxError(
                f"expected a whole number of days, found {_describe(days)}", days.column
            )
        self.advance()
        self.expect(")", f"')' to close {name.text}(")
        return f"{days.value} days ago"

    def parse_event_term(self, column: int) -> EventTerm:
        args: list[Value | Word | AppRef] = []
        while self.current.kind != ")":
            if args:
                self.expect(",", "',' or ')' in E(...)")
            args.append(self.parse_event_arg())
        self.advance()
        if not args or not isinstance(args[0], str):
            raise SegmentSyntaxError("E(...) starts with the event name in double quotes", column)
        return EventTerm(tuple(args), column)

    def parse_event_arg(self) -> Value | Word | AppRef:
        token = self.current
        if token.kind == "handle":
            self.advance()
            return AppRef(token.text[1:], None, token.column)
        if token.kind == "word" and token.text.lower() not in ("true", "false"):
            if token.text.upper() == DAYS_AGO_FUNCTION and self.peek().kind == "(":
                return self.parse_value()
            self.advance()
            return Word(token.text)
        return self.parse_value()


def _platform_key(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).lower()


# Every accepted spelling, by its key: "IOS", "ios" and "iOS" are one platform; so are
# "WINDOWS_PHONE" and "WindowsPhone".
_PLATFORM_BY_KEY: dict[str, str] = {_platform_key(name): name for name in PLATFORMS}


def _check_platform(name: str, column: int) -> str:
    canonical = _PLATFORM_BY_KEY.get(_platform_key(name))
    if canonical is None:
        raise SegmentSyntaxError(
            f"unknown platform {name!r}; expected one of {', '.join(PLATFORMS)}", column
        )
    return canonical


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    return repr(token.text)


@lru_cache(maxsize=65536)
def parse(text: str) -> Expr:
    """Parse an expression; raises SegmentSyntaxError with a 1-based column.

    Cached: validation, the fetch and the planner read the same texts. The trees are shared, so
    they must not be changed."""
    return _Parser(text).parse()


# --- canonical text -----------------------------------------------------------------------


def format_expr(
    expr: Expr,
    *,
    code_to_handle: Mapping[str, str] | None = None,
    handle_to_code: Mapping[str, str] | None = None,
) -> str:
    """Canonical text: uppercase names, one space around operators, minimal parentheses.

    `code_to_handle` rewrites literal codes into @handles (to compare with manifests);
    `handle_to_code` rewrites @handles into quoted codes (for the wire).
    """
    return _Formatter(code_to_handle or {}, handle_to_code or {}).expr(expr, 0, False)


@dataclass
class _Formatter:
    code_to_handle: Mapping[str, str]
    handle_to_code: Mapping[str, str]

    def expr(self, expr: Expr, parent_precedence: int, is_right: bool) -> str:
        if isinstance(expr, BinOp):
            precedence = PRECEDENCE[expr.op]
            text = (
                f"{self.expr(expr.left, precedence, False)} {expr.op} "
                f"{self.expr(expr.right, precedence, True)}"
            )
            if precedence < parent_precedence or (precedence == parent_precedence and is_right):
                return f"({text})"
            return text
        if isinstance(expr, AppTerm):
            return f"A({self.device_filter(self.app(expr.app), expr.platforms, expr.extra)})"
        if isinstance(expr, GroupTerm):
            return f"G({self.device_filter(_json(expr.code), expr.platforms, expr.extra)})"
        if isinstance(expr, TagTerm):
            return self.tag_term(expr)
        return "E(" + ", ".join(self.event_arg(arg) for arg in expr.args) + ")"

    def app(self, ref: AppRef) -> str:
        if ref.handle is not None:
            code = self.handle_to_code.get(ref.handle)
            return _json(code) if code is not None else f"@{ref.handle}"
        handle = self.code_to_handle.get(ref.code or "")
        return f"@{handle}" if handle is not None else _json(ref.code)

    @staticmethod
    def device_filter(target: str, platforms: tuple[str, ...] | None, extra: Value | None) -> str:
        parts = [target]
        if platforms is not None:  # a set: each platform once, in the order of PLATFORMS
            parts.append(_json(sorted(set(platforms), key=PLATFORMS.index)))
            if extra is not None:
                parts.append(_json(extra))
        return ", ".join(parts)

    def tag_term(self, term: TagTerm) -> str:
        parts = [_json(term.tag), term.operator]
        if term.value is not None:
            parts.append(_json(term.value))
        if term.app is not None:
            return f"AT({self.app(term.app)}, {', '.join(parts)})"
        return f"T({', '.join(parts)})"

    def event_arg(self, arg: Value | Word | AppRef) -> str:
        if isinstance(arg, Word):
            return arg.text
        if isinstance(arg, AppRef):
            return self.app(arg)
        return _json(arg)


def _json(value: object) -> str:
    return _JSON_ENCODER.encode(value)


# One encoder for every call: json.dumps with options builds a new one each time.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)


# --- queries ------------------------------------------------------------------------------


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node, left to right (depth-first, without recursion limits on long chains)."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, BinOp):
            stack.append(node.right)
            stack.append(node.left)
        else:
            yield node


def app_refs(expr: Expr) -> list[AppRef]:
    """Every application named by A() or AT(), in order of appearance."""
    refs: list[AppRef] = []
    for node in walk(expr):
        if isinstance(node, AppTerm | TagTerm) and node.app is not None:
            refs.append(node.app)
    return refs


def all_app_refs(expr: Expr) -> list[AppRef]:
    """Every application named anywhere, E() arguments included, in order of appearance."""
    refs: list[AppRef] = []
    for node in walk(expr):
        if isinstance(node, AppTerm | TagTerm) and node.app is not None:
            refs.append(node.app)
        elif isinstance(node, EventTerm):
            refs.extend(arg for arg in node.args if isinstance(arg, AppRef))
    return refs


def tag_terms(expr: Expr) -> list[TagTerm]:
    """Every T() and AT() term, in order of appearance."""
    return [node for node in walk(expr) if isinstance(node, TagTerm)]
