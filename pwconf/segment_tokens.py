"""The tokens of the segmentation language (pwconf.segments parses them)."""

from __future__ import annotations

import json
import re
from typing import NamedTuple

PRECEDENCE: dict[str, int] = {"*": 2, "+": 1, "\\": 1}


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
