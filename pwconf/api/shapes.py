"""How pwconf reads the answers it relies on: one declared shape per method (`ANSWERS`).

Every answer pwconf looks into (in the fetch, the read-backs of creates, the kinds and `pwconf
probe`) is read through its method's shape first, so the rest of pwconf only sees the contract's
form (shared/pushwoosh-api.md §2-§8a), and each place where the answer differed is listed. The
rules:

- keys are looked up by name; keys pwconf does not read are ignored;
- a type is coerced where the meaning is unambiguous: a number sent as a string ("42",
  "40.7128"), a boolean sent as "0"/"1", "true"/"false" or 0/1, a code sent as a number, a null
  list read as an empty one, PHP's empty array `[]` where an object is expected;
- the alternatives public sources show (contract §11) are accepted: geozones grouped under their
  cluster, getApplication without `code` (the requested code is used) or `title` (getApplications'
  title is used), `ios_sdk`/`android_sdk` for `sdk_ios`/`sdk_android` with hex-encoded values
  ("x7077" for "pw"), segment operators in lower case, "null" for a filter with no expiration;
- anything else raises UnreadableAnswer naming the method, the key path and what was expected:
  nothing is planned from an answer read by guessing (a geozone without an id is an error, not a
  geozone to create again).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from pwconf.errors import UnreadableAnswer
from pwconf.printable import printable
from pwconf.segments import OPERATORS

SDK_VALUES = frozenset({"pw", "corona", "phonegap"})  # contract §2
SHOWN_TEXT = 24  # longer strings are described by their length only: they may be credentials
ABSENT = object()  # a key the answer does not have, or a value that cannot be read as it is


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


@dataclass
class _Reading:
    """One answer being read: what pwconf knew before the call, and the differences found."""

    method: str
    known: Mapping[str, Any]
    differences: list[Difference] = field(default_factory=list)

    def differ(self, path: str, found: str, read_as: str) -> None:
        self.differences.append(Difference(path, found, read_as))

    def fail(self, path: str, expected: str, value: Any) -> NoReturn:
        raise UnreadableAnswer(self.method, path, expected, describe(value))


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

    expected: str  # what the value must be, for a message
    nullable = False  # null is read by the shape, not as a missing key

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        raise NotImplementedError

    @staticmethod
    def plain(value: Any) -> bool:
        """True when `value` is a scalar already in the contract's form (nothing to note)."""
        return False

    def quick(self, value: Any) -> Any:
        """`value` in the contract's form when reading it would note nothing, else ABSENT:
        the fast path of rows read by the thousand."""
        return value if self.plain(value) else ABSENT


# (the value read, how it was read when that differs from what was found), or None: unreadable
Coerced = tuple[Any, str | None] | None


@dataclass(frozen=True)
class Scalar(Shape):
    """A value taken as it is when `plain`, else read by `coerce`; `found` describes what a
    coercion changed when the value itself would not say it."""

    expected: str
    plain: Callable[[Any], bool]
    coerce: Callable[[Any], Coerced] = lambda value: None
    nullable: bool = field(default=False, kw_only=True)
    found: str = field(default="", kw_only=True)

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if self.plain(value):
            return value
        coerced = self.coerce(value)
        if coerced is None:
            reading.fail(path, self.expected, value)
        if coerced[1] is not None:
            reading.differ(path, self.found or describe(value), coerced[1])
        return coerced[0]


def _of_type(*types: type) -> Callable[[Any], bool]:
    return lambda value: type(value) in types


_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def _number_text(value: Any) -> float | None:
    """The number a string spells, or None (nan, inf and words are not numbers)."""
    return float(value) if isinstance(value, str) and _DECIMAL.match(value) else None


def _finite(value: Any) -> bool:
    return type(value) in (int, float) and value - value == 0


def _code(value: Any) -> Coerced:
    """A code or name the server assigns, sent as a number: read as its digits."""
    return (str(value), "a string") if type(value) is int else None


def _number(value: Any) -> Coerced:
    number = _number_text(value)
    return None if number is None else (number, "a number")


def _whole(value: Any) -> Coerced:
    number = _number_text(value) if isinstance(value, str) else value
    if type(number) is float and number.is_integer():  # False for nan and inf
        return int(number), "a whole number"
    return None


_FLAG_TEXT = {"0": False, "1": True, "false": False, "true": True}


def _flag(value: Any) -> Coerced:
    text = str(value) if type(value) is int else value
    flag = _FLAG_TEXT.get(text.strip().lower()) if isinstance(text, str) else None
    return None if flag is None else (flag, str(flag).lower())


def _sdk(value: Any) -> Coerced:
    """The documented getApplication example writes SDK names hex-encoded after an "x"
    ("x7077" is "pw"), and "" for none."""
    if not isinstance(value, str):
        return None
    if value == "":
        return None, "null"
    hexed = value.startswith("x") and len(value) % 2 == 1
    try:  # "" below: not hex-encoded (no SDK is named "")
        decoded = bytes.fromhex(value[1:]).decode("ascii") if hexed else ""
    except ValueError:  # UnicodeDecodeError included
        decoded = ""
    return (decoded, f'"{decoded}" (hex-encoded)') if decoded in SDK_VALUES else (value, None)


# a string literal (its end quote may be missing), or a word outside one
_LITERAL_OR_WORD = re.compile(r"\"(?:\\.|[^\"\\])*\"?|'(?:\\.|[^'\\])*'?|[A-Za-z_]+", re.S)


def _upper_case_operators(expression: str) -> str:
    """A segment expression with each operator outside string literals in upper case."""
    return _LITERAL_OR_WORD.sub(_upper_case_operator, expression)


def _upper_case_operator(match: re.Match[str]) -> str:
    word = match.group()
    return word.upper() if word.upper() in OPERATORS else word


TEXT = Scalar("a string", _of_type(str))
TEXT_OR_NULL = Scalar("a string or null", _of_type(str, type(None)), nullable=True)
CODE = Scalar("a string", _of_type(str), _code)
CODE_OR_NULL = Scalar("a string or null", _of_type(str, type(None)), _code, nullable=True)
NUMBER = Scalar("a number", _finite, _number)
WHOLE = Scalar("a whole number", _of_type(int), _whole)
WHOLE_OR_NULL = Scalar("a whole number", _of_type(int, type(None)), _whole, nullable=True)
FLAG = Scalar("true or false", _of_type(bool), _flag)
ANYTHING = Scalar("a value", lambda value: True, nullable=True)  # compared as it is
SDK = Scalar(
    "a string or null",
    lambda value: value is None or (type(value) is str and value in SDK_VALUES),
    _sdk,
    nullable=True,
)
EXPRESSION = Scalar(
    "a string",
    lambda value: type(value) is str and _upper_case_operators(value) == value,
    lambda value: (_upper_case_operators(value), "upper case") if isinstance(value, str) else None,
    found="operators in lower case",
)
# a filter's expiration date; the documentation writes "null" for none
EXPIRATION = Scalar(
    "a string or null",
    lambda value: value is None or (type(value) is str and value not in ("null", "")),
    lambda value: (None, "null") if value in ("null", "") else None,
    nullable=True,
)
# a preset's content: an object compared as it is, null read as an empty one
CONTENT = Scalar(
    "an object", _of_type(dict), lambda value: ({}, None) if value is None else None, nullable=True
)


@dataclass(frozen=True)
class Key:
    """One key of an object. `absent`: how a missing key (or a null for a shape that takes
    none) is read, said in the difference; None makes the key required. `default`: the value
    read for it; `quiet`: missing is normal here, not a difference. `known`: the key of what
    pwconf knew before the call (its request, a listed row) standing in for a missing value,
    and `known_as` what that is. `aliases`: other names of the key."""

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
        self._plain = [(name, key.shape.plain) for name, key in keys.items()]

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, dict):
            reading.fail(path, self.expected, value)
        copy = self.quick(value)
        if copy is not ABSENT:
            return copy
        return {name: self._key(value, name, key, path, reading) for name, key in self.keys.items()}

    def quick(self, value: Any) -> Any:
        if type(value) is not dict:
            return ABSENT
        copy = {}
        for name, plain in self._plain:
            item = value.get(name, ABSENT)
            if item is ABSENT or not plain(item):
                return ABSENT
            copy[name] = item
        return copy

    @staticmethod
    def _key(value: dict[str, Any], name: str, key: Key, path: str, reading: _Reading) -> Any:
        found = name if name in value else next((a for a in key.aliases if a in value), None)
        if found not in (None, name):
            reading.differ(f"{path}.{found}", f'the key "{found}"', f'"{name}"')
        raw = value.get(found, ABSENT)
        if raw is not ABSENT and (raw is not None or key.shape.nullable):
            return key.shape.read(raw, f"{path}.{found}", reading)
        where = f"{path}.{name}"
        missing = "absent" if raw is ABSENT else "null"
        stand_in = reading.known.get(key.known) if key.known else None
        if stand_in is not None:
            reading.differ(where, missing, f"{key.known_as} ({printable(str(stand_in))})")
            return stand_in
        if key.absent is None:
            reading.fail(where, key.shape.expected, raw)
        if not key.quiet:
            reading.differ(where, missing, key.absent)
        return key.default


@dataclass(frozen=True)
class ListOf(Shape):
    item: Shape
    expected = "a list"
    nullable = True  # null, and PHP's empty array sent as {}, are read as an empty list

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if value is None or value == {}:
            reading.differ(path, describe(value), "an empty list")
            return []
        if not isinstance(value, list):
            reading.fail(path, self.expected, value)
        items = [self.item.quick(item) for item in value]
        for index, item in enumerate(items):
            if item is ABSENT:
                items[index] = self.item.read(value[index], f"{path}[{index}]", reading)
        return items


@dataclass(frozen=True)
class MapOf(Shape):
    """An object of keys the server chooses (application codes) to values of one shape."""

    value: Shape
    expected: str
    nullable = True  # null, and PHP's empty array [], are read as an empty object

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


class GeozoneListing(Shape):
    """listGeoZones: the contract's flat `{"geoZones": [...]}`, or geozones grouped under their
    cluster `{"clusters": [{"name", "code", "geoZones": [...]}]}` as one client library documents
    (contract §11), or both. A grouped geozone takes its group's cluster; a group with neither
    code nor name holds the geozones of no cluster."""

    expected = 'an object with "geoZones" (a list) or "clusters" (geozones grouped by cluster)'

    def __init__(self, zone: Obj) -> None:
        self.zones = ListOf(zone)
        grouped = Obj({**zone.keys, "cluster": Key(CODE_OR_NULL, absent="null", quiet=True)})
        self.groups = ListOf(Obj({
            "name": Key(TEXT_OR_NULL, absent="null", quiet=True),
            "code": Key(CODE_OR_NULL, absent="null", quiet=True),
            "geoZones": Key(ListOf(grouped)),
        }))  # fmt: skip

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        if not isinstance(value, dict) or not ({"geoZones", "clusters"} & set(value)):
            reading.fail(path, self.expected, value)
        zones: list[dict[str, Any]] = []
        if "geoZones" in value:
            zones += self.zones.read(value["geoZones"], f"{path}.geoZones", reading)
        if "clusters" in value:
            where = f"{path}.clusters"
            reading.differ(where, "geozones grouped by cluster", "one list of geozones")
            for g, group in enumerate(self.groups.read(value["clusters"], where, reading)):
                for z, zone in enumerate(group["geoZones"]):
                    zones.append(_in_group(zone, group, f"{where}[{g}].geoZones[{z}]", reading))
        return {"geoZones": zones}


def _in_group(
    zone: dict[str, Any], group: dict[str, Any], path: str, reading: _Reading
) -> dict[str, Any]:
    code, name = group["code"], group["name"]
    if code is not None:
        if zone["cluster"] not in (None, code):
            reading.fail(f"{path}.cluster", f"the code of its group ({code})", zone["cluster"])
        return {**zone, "cluster": code}
    if name:  # a group known by name only: the geozone kind finds the cluster by its name
        return {**zone, "clusterName": name}
    return zone


class GeozoneIds(Shape):
    """addGeoZone: one id per geozone sent, in request order."""

    expected = "a list of one geozone id per geozone sent"

    def read(self, value: Any, path: str, reading: _Reading) -> Any:
        ids = ListOf(WHOLE).read(value, path, reading)
        if len(ids) != len(reading.known.get("geozones") or []):
            reading.fail(path, self.expected, value)
        return ids


# ---- every method pwconf reads an answer of ---------------------------------------------------

APPLICATION = Obj({
    "code": Key(CODE, known="application", known_as="the requested application code"),
    "title": Key(TEXT_OR_NULL, absent="the title getApplications lists"),
    "sdk_ios": Key(SDK, absent="null", aliases=("ios_sdk",)),
    "sdk_android": Key(SDK, absent="null", aliases=("android_sdk",)),
    "providers": Key(
        MapOf(FLAG, "an object of platform to true or false"),
        absent="unknown (a platform counts as configured where pwconf's state recorded it)",
    ),
})  # fmt: skip
TAG = Obj({
    "name": Key(TEXT),
    "type": Key(WHOLE),
    "isApplicationSpecific": Key(FLAG, absent="false", default=False),
})  # fmt: skip
FILTER = Obj({
    "name": Key(TEXT),
    "filter_expression": Key(EXPRESSION),
    "code": Key(CODE_OR_NULL, absent="null"),
    "expiration_date": Key(EXPIRATION, absent="null"),
    "application": Key(CODE_OR_NULL, absent="null (bound to no application)"),
})  # fmt: skip
PRESET = Obj({
    "code": Key(CODE, known="preset_code", known_as="the requested preset code"),
    "name": Key(TEXT, known="name", known_as="the name listPresets gave"),
    "applicationCode": Key(CODE_OR_NULL, absent="null"),
    "campaignCode": Key(CODE_OR_NULL, absent="null"),
    "content": Key(CONTENT, absent="no content", default={}),
    "scheduling": Key(
        Obj({"sendRate": Key(WHOLE_OR_NULL, absent="none", quiet=True)}, nullable=True),
        absent="none",
        default={"sendRate": None},
    ),
    "segmentation": Key(Obj({
        "filter": Key(TEXT_OR_NULL, absent="no segment", quiet=True),
        "platforms": Key(ListOf(WHOLE)),
    })),
})  # fmt: skip
CAMPAIGN = Obj({
    "code": Key(CODE),
    "name": Key(TEXT),
    "description": Key(TEXT_OR_NULL, absent="null"),
})  # fmt: skip
GEOZONE = Obj({
    "id": Key(WHOLE),
    "name": Key(TEXT),
    "lat": Key(NUMBER),
    "lng": Key(NUMBER),
    "range": Key(NUMBER),
    "cooldown": Key(WHOLE),
    "content": Key(ANYTHING, absent="null"),
    "presetCode": Key(CODE_OR_NULL, absent="null"),
    "cluster": Key(CODE_OR_NULL, absent="null"),
    "campaign": Key(CODE_OR_NULL, absent="null"),
    "timetable": Key(ANYTHING, absent="null"),
})  # fmt: skip


def _listing(key: str, row: Shape) -> Obj:
    return Obj({key: Key(ListOf(row))})


ANSWERS: dict[str, Shape] = {
    # reads
    "getApplications": Obj({
        "applications": Key(MapOf(TEXT, "an object of application code to title")),
        "page": Key(WHOLE_OR_NULL, absent="unknown", quiet=True),
        "total": Key(WHOLE_OR_NULL, absent="1 page", default=1),
    }),
    "getApplication": Obj({"application": Key(APPLICATION)}),
    "listTags": _listing("tags", TAG),
    "listFilters": _listing("filters", FILTER),
    "listPresets": _listing("presets", Obj({"code": Key(CODE), "name": Key(TEXT)})),
    "getPreset": Obj({"preset": Key(PRESET)}),
    "listGeoZoneClusters": _listing(
        "clusters", Obj({"name": Key(TEXT), "code": Key(CODE), "cooldown": Key(WHOLE)})
    ),
    "listGeoZones": GeozoneListing(GEOZONE),
    # [decided] the last page's cursor is empty; an absent or null cursor ends the paging too.
    "getCampaigns": Obj({
        "campaigns": Key(ListOf(CAMPAIGN)),
        "limit": Key(WHOLE_OR_NULL, absent="unknown", quiet=True),
        "cursor": Key(TEXT_OR_NULL, absent="the last page", default=""),
    }),
    # the writes whose answers pwconf uses
    "createApplication": Obj({"application": Key(CODE)}),
    "addGeoZoneCluster": Obj({"GeoZoneCluster": Key(CODE)}),
    "addGeoZone": Obj({"GeoZones": Key(GeozoneIds())}),
    "createCampaign": Obj({"campaign": Key(CODE)}),
}  # fmt: skip


def read_answer(method: str, response: Any, known: Mapping[str, Any] | None = None) -> Checked:
    """The `response` of a successful answer of `method` in the contract's form, with the
    places it differed (as it is for a method pwconf never looks into). `known`: what pwconf
    knew before the call (request fields, a listed row). Raises UnreadableAnswer."""
    shape = ANSWERS.get(method)
    if shape is None:
        return Checked(response)
    reading = _Reading(method, known or {})
    return Checked(shape.read(response, "response", reading), tuple(reading.differences))
