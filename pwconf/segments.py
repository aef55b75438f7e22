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

Whether an operator and value fit the tag's type is checked by the tag kind (pwconf.kinds.tag).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, TypeVar

# GT and LT: the strict comparisons other tools write [lib]; the contract lists the rest.
OPERATORS = ("EQ", "NOTEQ", "IN", "NOTIN", "GT", "GTE", "LT", "LTE", "BETWEEN", "NOTSET")
# The platforms of A() and G(): the contract's eight [lib], then the older ones Pushwoosh's
# Python library still writes [lib; spelling decided].
PLATFORMS = ("iOS", "Android", "OsX", "Windows", "Amazon", "Safari", "Chrome", "Firefox")
PLATFORMS += ("BlackBerry", "WindowsPhone", "Asha", "Bada")
FUNCTIONS = ("A", "G", "T", "AT", "E")
MAX_TERMS = 256  # real segments are short; the bound keeps parsing and formatting shallow
MAX_NESTING = 32
PRECEDENCE = {"*": 2, "+": 1, "\\": 1}  # of the operators

Value = str | int | float | bool | list["Value"]
T = TypeVar("T")


# --- tokens -------------------------------------------------------------------------------


class SegmentSyntaxError(ValueError):
    """An expression that is not in the segmentation language; `column` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column


class Token(NamedTuple):
    kind: str  # word, handle, string, number, op, ( ) [ ] , end
    text: str
    column: int
    value: object = None


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<handle>@[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[()\[\],*+\\])
  | (?P<error>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_BAD_CHARACTER = {
    '"': "unterminated string: a closing '\"' is missing",
    "'": "strings are written in double quotes, not single quotes",
    "@": "'@' must be followed by an application handle, e.g. @shop",
}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        column = match.start() + 1
        lexeme = match.group()
        if kind == "error":
            message = _BAD_CHARACTER.get(lexeme, f"unexpected character {lexeme!r}")
            raise SegmentSyntaxError(message, column)
        value: object = None
        if kind == "punct":
            kind = "op" if lexeme in PRECEDENCE else lexeme
        elif kind == "string":
            value = _decode_string(lexeme, column)
        elif kind == "number":
            value = float(lexeme) if any(c in lexeme for c in ".eE") else int(lexeme)
        tokens.append(Token(kind or "", lexeme, column, value))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _decode_string(lexeme: str, column: int) -> str:
    if "\\" not in lexeme:
        return lexeme[1:-1]
    try:
        return str(json.loads(lexeme))
    except ValueError:
        raise SegmentSyntaxError("invalid escape or control character in string", column) from None


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
    extra: Value | None = None


@dataclass(frozen=True)
class GroupTerm:
    """G("GROUPCODE" [, platforms [, extra]]): the devices of an application group."""

    code: str
    platforms: tuple[str, ...] | None
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


@dataclass(frozen=True)
class BinOp:
    op: str  # "*", "+" or "\\"
    left: Expr
    right: Expr


Expr = BinOp | AppTerm | GroupTerm | TagTerm | EventTerm


# --- parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.terms = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def accept(self, kind: str) -> bool:
        if self.current.kind != kind:
            return False
        self.advance()
        return True

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            raise _expected(what, self.current)
        return self.advance()

    def items(self, close: str, what: str, item: Callable[[], T]) -> list[T]:
        """`item, item, ...` up to the token `close`, which is stepped over."""
        items: list[T] = []
        while not self.accept(close):
            if items:
                self.expect(",", what)
            items.append(item())
        return items

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Step over an opening bracket; what is parsed inside is one level deeper."""
        bracket = self.advance()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SegmentSyntaxError(f"nested more than {MAX_NESTING} levels deep", bracket.column)
        yield
        self.depth -= 1

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise SegmentSyntaxError("empty expression", 1)
        expr = self.parse_binary()
        if self.current.kind != "end":
            raise _expected("an operator (*, + or \\) or the end", self.current)
        return expr

    def parse_binary(self, precedence: int = 1) -> Expr:
        """Operands joined by operators of `precedence` or tighter, read left to right."""
        if precedence > max(PRECEDENCE.values()):
            return self.parse_primary()
        left = self.parse_binary(precedence + 1)
        while self.current.kind == "op" and PRECEDENCE[self.current.text] == precedence:
            op = self.advance().text
            left = BinOp(op, left, self.parse_binary(precedence + 1))
        return left

    def parse_primary(self) -> Expr:
        token = self.current
        if token.kind == "(":
            with self.nested():
                inner = self.parse_binary()
                self.expect(")", f"')' to close the '(' at column {token.column}")
            return inner
        if token.kind == "word" and token.text.upper() in FUNCTIONS:
            return self.parse_term()
        raise _expected("a term (A(...), G(...), T(...), AT(...), E(...)) or '('", token)

    def parse_term(self) -> Expr:
        name = self.advance()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise SegmentSyntaxError(f"more than {MAX_TERMS} terms in one expression", name.column)
        function = name.text.upper()
        self.expect("(", f"'(' after {function}")
        if function == "A":
            app = self.parse_app_ref()
            platforms, extra = self.parse_device_filter("A")
            return AppTerm(app, platforms, extra)
        if function == "G":
            code = self.expect(
                "string", 'the application group code in double quotes, e.g. "ABCDE-12345"'
            )
            if not code.value:
                raise SegmentSyntaxError("empty application group code", code.column)
            platforms, extra = self.parse_device_filter("G")
            return GroupTerm(str(code.value), platforms, extra)
        if function == "E":
            return self.parse_event_term(name.column)
        app = None
        if function == "AT":
            app = self.parse_app_ref()
            self.expect(",", "',' after the application")
        return self.parse_tag_term(name.column, app)

    def parse_app_ref(self) -> AppRef:
        token = self.advance()
        if token.kind == "handle":
            return AppRef(token.text[1:], None, token.column)
        if token.kind != "string":
            raise _expected('an application (@handle or "APPCODE")', token)
        text = str(token.value)
        if text.startswith("@"):
            if not re.fullmatch(r"@[A-Za-z_][A-Za-z0-9_-]*", text):
                raise SegmentSyntaxError(f"invalid application handle {text!r}", token.column)
            return AppRef(text[1:], None, token.column)
        if not text:
            raise SegmentSyntaxError("empty application code", token.column)
        return AppRef(None, text, token.column)

    def parse_device_filter(self, function: str) -> tuple[tuple[str, ...] | None, Value | None]:
        """The rest of A() or G(): `[, [platforms] [, extra]] )`."""
        platforms, extra = None, None
        if self.accept(","):
            self.expect("[", 'a list of platforms, e.g. ["iOS", "Android"]')
            listed = self.items("]", "',' or ']' in the platform list", self.parse_platform)
            platforms = tuple(listed)
            if self.accept(","):
                extra = self.parse_value()
        self.expect(")", f"')' to close {function}(")
        return platforms, extra

    def parse_platform(self) -> str:
        """A platform name, spelt as in PLATFORMS."""
        token = self.expect("string", "a platform name in double quotes")
        canonical = _PLATFORM_BY_KEY.get(_platform_key(str(token.value)))
        if canonical is None:
            raise SegmentSyntaxError(
                f"unknown platform {token.value!r}; expected one of {', '.join(PLATFORMS)}",
                token.column,
            )
        return canonical

    def parse_tag_term(self, column: int, app: AppRef | None) -> TagTerm:
        tag = self.expect("string", "the tag name in double quotes")
        self.expect(",", "',' after the tag name")
        operator = self.advance()
        if operator.kind != "word" or operator.text.upper() not in OPERATORS:
            raise _expected(f"an operator ({', '.join(OPERATORS)})", operator)
        value: Value | None = None
        value_column = 0
        if self.accept(","):
            value_column = self.current.column
            value = self.parse_value()
        self.expect(")", "')' to close the tag term")
        op = operator.text.upper()
        return TagTerm(
            str(tag.value), op, value, column, app, tag.column, operator.column, value_column
        )

    def parse_value(self) -> Value:
        token = self.current
        if token.kind in ("string", "number"):
            self.advance()
            return token.value  # type: ignore[return-value]
        if token.kind == "word" and token.text.lower() in ("true", "false"):
            self.advance()
            return token.text.lower() == "true"
        if token.kind == "word" and token.text.upper() == "DAYSAGO":
            return self.parse_days_ago()
        if token.kind == "[":
            with self.nested():
                return self.items("]", "',' or ']' in the list", self.parse_value)
        raise _expected('a value ("text", a number, true, false or a list)', token)

    def parse_days_ago(self) -> str:
        """daysago(N), another spelling of the value "N days ago"."""
        name = self.advance()
        self.expect("(", f"'(' after {name.text}")
        days = self.advance()
        if days.kind != "number" or not isinstance(days.value, int) or days.value < 0:
            raise _expected("a whole number of days", days)
        self.expect(")", f"')' to close {name.text}(")
        return f"{days.value} days ago"

    def parse_event_term(self, column: int) -> EventTerm:
        args = self.items(")", "',' or ')' in E(...)", self.parse_event_arg)
        if not args or not isinstance(args[0], str):
            raise SegmentSyntaxError("E(...) starts with the event name in double quotes", column)
        return EventTerm(tuple(args))

    def parse_event_arg(self) -> Value | Word | AppRef:
        token = self.current
        if token.kind == "handle":
            return self.parse_app_ref()
        if token.kind == "word" and token.text.lower() not in ("true", "false"):
            if token.text.upper() == "DAYSAGO" and self.tokens[self.index + 1].kind == "(":
                return self.parse_days_ago()
            self.advance()
            return Word(token.text)
        return self.parse_value()


def _platform_key(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).lower()


_PLATFORM_BY_KEY = {_platform_key(name): name for name in PLATFORMS}


def _expected(what: str, found: Token) -> SegmentSyntaxError:
    text = "the end of the expression" if found.kind == "end" else repr(found.text)
    return SegmentSyntaxError(f"expected {what}, found {text}", found.column)


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

    def app(ref: AppRef) -> str:
        if ref.handle is None:
            handle = (code_to_handle or {}).get(ref.code or "")
            return _json(ref.code) if handle is None else f"@{handle}"
        code = (handle_to_code or {}).get(ref.handle)
        return f"@{ref.handle}" if code is None else _json(code)

    def event_arg(arg: Value | Word | AppRef) -> str:
        if isinstance(arg, Word):
            return arg.text
        return app(arg) if isinstance(arg, AppRef) else _json(arg)

    def text(expr: Expr, parent_precedence: int = 0, is_right: bool = False) -> str:
        if isinstance(expr, BinOp):
            precedence = PRECEDENCE[expr.op]
            joined = f"{text(expr.left, precedence)} {expr.op} {text(expr.right, precedence, True)}"
            if precedence < parent_precedence or (precedence == parent_precedence and is_right):
                return f"({joined})"
            return joined
        if isinstance(expr, AppTerm):
            return f"A({_device_filter(app(expr.app), expr.platforms, expr.extra)})"
        if isinstance(expr, GroupTerm):
            return f"G({_device_filter(_json(expr.code), expr.platforms, expr.extra)})"
        if isinstance(expr, TagTerm):
            parts = [_json(expr.tag), expr.operator]
            if expr.value is not None:
                parts.append(_json(expr.value))
            if expr.app is not None:
                return f"AT({app(expr.app)}, {', '.join(parts)})"
            return f"T({', '.join(parts)})"
        return "E(" + ", ".join(event_arg(arg) for arg in expr.args) + ")"

    return text(expr)


def _device_filter(target: str, platforms: tuple[str, ...] | None, extra: Value | None) -> str:
    parts = [target]
    if platforms is not None:  # a set: each platform once, in the order of PLATFORMS
        parts.append(_json(sorted(set(platforms), key=PLATFORMS.index)))
        if extra is not None:
            parts.append(_json(extra))
    return ", ".join(parts)


# One encoder for every call: json.dumps with options builds a new one each time.
_json = json.JSONEncoder(ensure_ascii=False).encode


# --- queries ------------------------------------------------------------------------------


def walk(expr: Expr) -> Iterator[Expr]:
    """Every term, left to right (depth-first, without recursion limits on long chains)."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, BinOp):
            stack += (node.right, node.left)
        else:
            yield node


def app_refs(expr: Expr) -> list[AppRef]:
    """Every application named by A() or AT(), in order of appearance."""
    return [n.app for n in walk(expr) if isinstance(n, AppTerm | TagTerm) and n.app is not None]


def all_app_refs(expr: Expr) -> list[AppRef]:
    """Every application named anywhere, E() arguments included, in order of appearance."""
    return [
        ref
        for node in walk(expr)
        for ref in (node.args if isinstance(node, EventTerm) else app_refs(node))
        if isinstance(ref, AppRef)
    ]


def tag_terms(expr: Expr) -> list[TagTerm]:
    """Every T() and AT() term, in order of appearance."""
    return [node for node in walk(expr) if isinstance(node, TagTerm)]
