"""Where things are written in a manifest file: the marks of a loaded file's keys and values, and
the position of a character inside a scalar (so that a problem inside a segment expression or a
`${...}` reference points at the character itself)."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from pwconf.errors import Position

Path = tuple[str | int, ...]  # keys and list indices from the top of a file
_LOOKAHEAD = 12  # the longest escape, \UXXXXXXXX, plus slack
_BLANKS = re.compile("[ \t]*")


@dataclass
class Document:
    """One manifest file as plain data, with the PyYAML mark of every key and value."""

    file: str  # the path as shown to the user
    path: str  # the path to open, for ${file:...} relative to this file
    text: str
    data: Any = None
    values: dict[Path, Any] = field(default_factory=dict)  # path → mark of its value
    keys: dict[Path, Any] = field(default_factory=dict)  # path → mark of the key naming it

    def position(self, mark: Any) -> Position:
        return Position(self.file, mark.line + 1, mark.column + 1)

    def where(self, path: Path) -> Position:
        """Where the value at `path` is written (or its closest enclosing value)."""
        for end in range(len(path), -1, -1):
            mark = self.values.get(path[:end])
            if mark is not None:
                return self.position(mark)
        return Position(self.file, 1, 1)

    def key_where(self, path: Path) -> Position:
        """Where the key naming `path` is written; the value's position for list items."""
        mark = self.keys.get(path)
        return self.position(mark) if mark is not None else self.where(path)


def locate_in_scalar(text: str, position: Position, value: str, offset: int) -> Position:
    """Where character `offset` of the scalar `value`, written at `position` in `text`, sits.

    The value's characters are matched against the source from the scalar's start: quotes and
    block indicators are skipped, escapes and folded line breaks absorbed. Exact for plain and
    quoted one-line scalars, close for block scalars; the scalar's start when matching fails.
    """
    starts = _line_starts(text)
    index = starts[position.line - 1] + position.column - 1
    if text.startswith(("'", '"'), index):
        index += 1
    elif text.startswith(("|", ">"), index):
        newline = text.find("\n", index)
        index = len(text) if newline < 0 else _BLANKS.match(text, newline + 1).end()
    for char in value[:offset]:
        index = _match(text, index, char)
        if index < 0:
            return position
        index += 1
        if text[index - 1] == "\n":
            index = _BLANKS.match(text, index).end()
    if offset < len(value) and not value[offset].isspace():
        index = _match(text, index, value[offset])
    if not 0 <= index < len(text):
        return position
    line = bisect.bisect_right(starts, index)
    return Position(position.file, line, index - starts[line - 1] + 1)


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def _match(text: str, index: int, char: str) -> int:
    """The index of `char` at or just after `index` in the source; -1 when not found."""
    if char.isspace():
        return index if text[index : index + 1].isspace() else -1
    return text.find(char, index, index + _LOOKAHEAD)
