"""Where each field of an entity is written, kept small.

A manifest of 100,000 entities writes about a million field values. A Position object for each
would outweigh the entities themselves, so an entity keeps its fields' lines and columns in one
array of numbers, with the field names shared by every entity written with the same fields, and
a Position is made only when one is asked for (a problem to report).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping

from pwconf.errors import Position


class FieldPositions(Mapping[str, Position]):
    """Dotted field path ("content.en", "platforms.1") → where its value is written."""

    __slots__ = ("_file", "_index", "_numbers")

    def __init__(self, file: str, index: Mapping[str, int], numbers: array[int]) -> None:
        self._file = file
        self._index = index  # field → its slot in `numbers` (line at 2 × slot, column after)
        self._numbers = numbers

    def __getitem__(self, field: str) -> Position:
        slot = 2 * self._index[field]
        return Position(self._file, self._numbers[slot], self._numbers[slot + 1])

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"FieldPositions({dict(self)!r})"


class FieldPositionsMaker:
    """Makes FieldPositions, sharing one field index among entities with the same fields."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[str, ...], Mapping[str, int]] = {}

    def make(self, file: str, fields: list[str], numbers: array[int]) -> FieldPositions:
        shape = tuple(fields)
        index = self._indexes.get(shape)
        if index is None:
            index = self._indexes[shape] = {field: slot for slot, field in enumerate(shape)}
        return FieldPositions(file, index, numbers)
