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


# --- tokens -------------------------------------------------------------------------------


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


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        column = match.start() + 1
        if kind == "error":
            raise SegmentSyntaxError(_bad_character_message(text, match.start()), column)
        lexeme = match.group()
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


def _bad_character_message(text: str, pos: int) -> str:
    char = text[pos]
    if char == '"':
        return "unterminated string: a closing '\"' is missing"
    if char == "'":
        return "strings are written in double quotes, not single quotes"
    if char == "@":
        return "'@' must be followed by an application handle, e.g. @shop"
    return f"unexpected character {char!r}"


def _decode_string(lexeme: str, column: int) -> str:
    if "\\" not in lexeme:
        return lexeme[1:-1]
    try:
        return str(json.loads(lexeme))
    except ValueError:
        raise SegmentSyntaxError("invalid escape or control character in string", column) from None
