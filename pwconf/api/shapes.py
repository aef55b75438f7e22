"""How pwconf reads the answers it relies on: one declared shape per method.

Every answer pwconf looks into is read through its method's shape (api/answers.py) first (by the
fetch, the read-backs of creates, the kinds and `pwconf probe`), so the rest of pwconf only ever
sees the answer in the contract's form (shared/pushwoosh-api.md §2-§8a). Reading also lists
each place where the answer differed from that form. The rules:

- keys are looked up by name; keys pwconf does not read are ignored;
- a type is coerced where the meaning is unambiguous: a number sent as a string ("42",
  "40.7128"), a boolean sent as "0"/"1", "true"/"false" or 0/1, a code sent as a number, a null
  list read as an empty one, PHP's empty array `[]` where an object is expected;
- the alternatives public sources show (contract §11) are accepted: geozones grouped under their
  cluster, getApplication without `code` (the requested code is used) or `title` (getApplications'
  title is used), `ios_sdk`/`android_sdk` for `sdk_ios`/`sdk_android` with hex-encoded values
  ("x7077" for "pw"), segment operators in lower case, "null" for a filter with no expiration;
- anything else raises UnreadableAnswer naming the method, the key path and what was expected:
  nothing is ever planned from an answer read by guessing (a geozone without an id is an error,
  not a geozone to create again).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from pwconf.errors import UnreadableAnswer
from pwconf.printable import printable

SDK_VALUES = frozenset({"pw", "corona", "phonegap"})  # contract §2
OPERATORS = frozenset({"EQ", "NOTEQ", "IN", "NOTIN", "GTE", "LTE", "BETWEEN", "NOTSET"})  # §5
SHOWN_TEXT = 24  # longer strings are described by their length only: they may be credentials


@dataclass(frozen=True)
class Difference:
    """One place where an answer differed from the contract's form, and how it was read."""

    path: str  # "response.geoZones[2].lat"
    found: str  # "a string (\"40.7\")"
    read_as: str  # "a number"

    def __str__(self) -> str:
        return f"{self.path}: {self.found}; read as {self.read_as}"


@dataclass(frozen=True)
class Checked:
    """An answer read through its shape: the contract's form, and where the answer differed."""

    response: Any
    differences: tuple[Difference, ...] = ()


class _Reading:
    """One answer being read: what pwconf knew before the call, and the differences found."""

    def __init__(self, method: str, known: Mapping[str, Any]) -> None:
        self.method = method
        self.known = known
        self.differences: list[Difference] = []

    def differ(self, path: str, found: str, read_as: str) -> None:
        self.differences.append(Difference(path, found, read_as))

    def fail(self, path: str, expected: str, value: Any) -> NoReturn:
        raise UnreadableAnswer(self.method, path, expected, describe(value))


ABSENT = object()  # a key the answer does not have


def describe(value: Any) -> str:
    """What a value is, for a message: short strings and scalars are shown, nothing long."""
    if value is ABSENT:
        return "no such key"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        if len(value) <= SHOWN_TEXT:
            return f'the string "{printable(value)}"'
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class Shape:
    """What one value of an answer must be; `read` returns it in the contract's form."""

    expected = "a value"
    nullable = False

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        raise NotImplementedError

    def plain(self, value: Any) -> bool:
        """True when `value` is already the contract's form, so reading it would change and
        note nothing (the fast path of rows read by the thousand)."""
        return False


# ---- scalars ---------------------------------------------------------------------------------


class Text(Shape):
    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable
        self.expected = "a string or null" if nullable else "a string"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if isinstance(value, str) or (value is None and self.nullable):
            return value
        reading.fail(path, self.expected, value)

    def plain(self, value: Any) -> bool:
        return type(value) is str or (value is None and self.nullable)


class Code(Text):
    """A code or name the server assigns: a string; a number is read as its digits."""

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            reading.differ(path, describe(value), "a string")
            return str(value)
        return super().read(value, path, reading)


_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def _number_text(value: str) -> float | None:
    """The number a string spells, or None (nan, inf and words are not numbers)."""
    return float(value) if _DECIMAL.match(value) else None


class Number(Shape):
    expected = "a number"

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None and self.nullable:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(value):
                return value
        elif isinstance(value, str) and (number := _number_text(value)) is not None:
            reading.differ(path, describe(value), "a number")
            return number
        reading.fail(path, self.expected, value)

    def plain(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        return (type(value) is int or type(value) is float) and value - value == 0  # finite


class Whole(Number):
    expected = "a whole number"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None and self.nullable:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = None
        if isinstance(value, float) and math.isfinite(value):
            number = value
        elif isinstance(value, str):
            number = _number_text(value)
        if number is not None and number.is_integer():
            reading.differ(path, describe(value), "a whole number")
            return int(number)
        reading.fail(path, self.expected, value)

    def plain(self, value: Any) -> bool:
        return type(value) is int or (value is None and self.nullable)


_FLAG_TEXT = {"0": False, "1": True, "false": False, "true": True}


class Flag(Shape):
    expected = "true or false"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            reading.differ(path, describe(value), str(bool(value)).lower())
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _FLAG_TEXT:
            flag = _FLAG_TEXT[value.strip().lower()]
            reading.differ(path, describe(value), str(flag).lower())
            return flag
        reading.fail(path, self.expected, value)

    def plain(self, value: Any) -> bool:
        return type(value) is bool


class Anything(Shape):
    """A value pwconf compares as it is (message content, a timetable)."""

    nullable = True

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        return value

    def plain(self, value: Any) -> bool:
        return True


class Sdk(Text):
    """An SDK name (`pw`, `corona`, `phonegap`); the documented getApplication example writes
    them hex-encoded after an "x" ("x7077" is "pw"), and "" for none."""

    def __init__(self) -> None:
        super().__init__(nullable=True)

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        value = super().read(value, path, reading)
        if value == "":
            reading.differ(path, describe(value), "null")
            return None
        decoded = _unhex(value) if isinstance(value, str) else None
        if value not in SDK_VALUES and decoded in SDK_VALUES:
            reading.differ(path, describe(value), f'"{decoded}" (hex-encoded)')
            return decoded
        return value

    def plain(self, value: Any) -> bool:
        return value is None or value in SDK_VALUES


def _unhex(value: str) -> str | None:
    if not value.startswith("x") or len(value) % 2 == 0:
        return None
    try:
        return bytes.fromhex(value[1:]).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None


class Expression(Text):
    """A segment expression; operators written in lower case are read in upper case."""

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        text = super().read(value, path, reading)
        upper = _operators_upper_cased(text)
        if upper != text:
            reading.differ(path, "operators in lower case", "upper case")
        return upper

    def plain(self, value: Any) -> bool:
        return type(value) is str and all(m.isupper() for m in _ANY_CASE_OPERATOR.findall(value))


_WORD = re.compile(r"[A-Za-z_]+")
_ANY_CASE_OPERATOR = re.compile(r"\b(?i:eq|noteq|in|notin|gte|lte|between|notset)\b")


def _operators_upper_cased(text: str) -> str:
    """The expression with each operator outside string literals in upper case."""
    out: list[str] = []
    index, quote = 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            out.append(char)
            if char == "\\" and index + 1 < len(text):
                out.append(text[index + 1])
                index += 1
            elif char == quote:
                quote = ""
            index += 1
        elif char in "\"'":
            quote = char
            out.append(char)
            index += 1
        elif match := _WORD.match(text, index):
            word = match.group()
            out.append(word.upper() if word.upper() in OPERATORS else word)
            index = match.end()
        else:
            out.append(char)
            index += 1
    return "".join(out)


class ExpirationDate(Text):
    """A filter's expiration date; the documentation writes "null" for none."""

    def __init__(self) -> None:
        super().__init__(nullable=True)

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        value = super().read(value, path, reading)
        if value in ("null", ""):
            reading.differ(path, describe(value), "null")
            return None
        return value

    def plain(self, value: Any) -> bool:
        return value is None or (type(value) is str and value not in ("null", ""))


# ---- containers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One key of an object.

    `absent`: how a missing key (or a null for a shape that takes none) is read, said in the
    difference; None makes the key required. `known`: the key of what pwconf knew before the
    call (its request, a listed row) that stands in when the answer leaves this key out, and
    `known_as` what that is.
    `default`: the value read for a missing key. `quiet`: a missing key is normal here, not a
    difference. `aliases`: other names of the key.
    """

    shape: Shape
    absent: str | None = None
    default: Any = None
    known: str | None = None
    known_as: str = ""
    quiet: bool = False
    aliases: tuple[str, ...] = ()


class Obj(Shape):
    expected = "an object"

    def __init__(self, keys: dict[str, Key], *, nullable: bool = False) -> None:
        self.keys = keys
        self.nullable = nullable
        self._plain_checks = [(name, key.shape.plain) for name, key in keys.items()]

    def but(self, **changed: Key) -> Obj:
        """The same object shape with some keys declared otherwise."""
        return Obj({**self.keys, **changed}, nullable=self.nullable)

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, dict):
            reading.fail(path, self.expected, value)
        plain = self._plain_copy(value)
        if plain is not None:
            return plain
        return {name: self._key(value, name, key, path, reading) for name, key in self.keys.items()}

    def _plain_copy(self, value: dict[str, Any]) -> dict[str, Any] | None:
        """The object's keys when each is present and plain; else None (read key by key)."""
        copy = {}
        for name, is_plain in self._plain_checks:
            item = value.get(name, ABSENT)
            if item is ABSENT or not is_plain(item):
                return None
            copy[name] = item
        return copy

    @staticmethod
    def _key(value: dict[str, Any], name: str, key: Key, path: str, reading: _Reading) -> Any:
        found = name if name in value else next((a for a in key.aliases if a in value), None)
        if found is not None and found != name:
            reading.differ(f"{path}.{found}", f'the key "{found}"', f'"{name}"')
        raw = value.get(found) if found is not None else None
        if found is not None and (raw is not None or key.shape.nullable):
            return key.shape.read(raw, f"{path}.{found}", reading)
        where = f"{path}.{name}"
        missing = "absent" if found is None else "null"
        stand_in = reading.known.get(key.known) if key.known else None
        if stand_in is not None:
            reading.differ(where, missing, f"{key.known_as} ({printable(str(stand_in))})")
            return stand_in
        if key.absent is None:
            reading.fail(where, key.shape.expected, raw if found is not None else ABSENT)
        if not key.quiet:
            reading.differ(where, missing, key.absent)
        return key.default


class ListOf(Shape):
    nullable = True  # null is read as an empty list

    def __init__(self, item: Shape) -> None:
        self.item = item
        self.expected = "a list"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None or value == {}:
            reading.differ(path, describe(value), "an empty list")
            return []
        if not isinstance(value, list):
            reading.fail(path, self.expected, value)
        item_shape = self.item
        plain_copy = item_shape._plain_copy if isinstance(item_shape, Obj) else None
        items = []
        for index, item in enumerate(value):
            if plain_copy is not None and type(item) is dict:
                copy = plain_copy(item)
                if copy is not None:
                    items.append(copy)
                    continue
            elif plain_copy is None and item_shape.plain(item):
                items.append(item)
                continue
            items.append(item_shape.read(item, f"{path}[{index}]", reading))
        return items


class MapOf(Shape):
    """An object of keys the server chooses (application codes) to values of one shape."""

    nullable = True  # null is read as an empty object

    def __init__(self, value: Shape, what: str) -> None:
        self.value = value
        self.expected = f"an object of {what}"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None or value == []:
            reading.differ(path, describe(value), "an empty object")
            return {}
        if not isinstance(value, dict):
            reading.fail(path, self.expected, value)
        return {
            str(key): self.value.read(item, f'{path}["{printable(str(key))}"]', reading)
            for key, item in value.items()
        }
