"""A fast yes/no pre-check compiled from the published JSON Schema.

jsonschema needs about 100 µs per entity; 20,000 entities would spend seconds there. This module
compiles the same schema file into plain Python predicates that answer "certainly valid"
(True) or "maybe not" (False). Only when the answer is False does pwconf run the real
Draft 2020-12 validator, which stays the single authority for what is valid and for every error
message. A predicate errs on the side of False: a wrong False costs time, never correctness.

Only the keywords the published schema uses are compiled; any other keyword makes `compile_schema`
raise Unsupported, and pwconf then validates everything with jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator

Check = Callable[[Any], bool]

_ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "default", "examples"}
_DATE_CHECKER = Draft202012Validator.FORMAT_CHECKER


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not know."""


def compile_schema(schema: Mapping[str, Any]) -> Check:
    defs: dict[str, Check] = {}
    raw_defs = schema.get("$defs", {})

    def resolve(ref: str) -> Check:
        name = ref.removeprefix("#/$defs/")
        if name == ref or name not in raw_defs:
            raise Unsupported(f"$ref {ref!r}")
        if name not in defs:
            defs[name] = _always  # placeholder: a recursive reference sees it while compiling
            defs[name] = _compile(raw_defs[name], resolve)
        return defs[name]

    return _compile({k: v for k, v in schema.items() if k != "$defs"}, resolve)


def _always(_: Any) -> bool:
    return False


def _compile(schema: Any, resolve: Callable[[str], Check]) -> Check:
    if schema is True:
        return lambda _: True
    if schema is False:
        return lambda _: False
    checks: list[Check] = []
    for keyword, argument in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "$ref":
            checks.append(_late(resolve, argument))
        elif keyword in _COMPILERS:
            checks.append(_COMPILERS[keyword](argument, schema, resolve))
        elif keyword not in ("properties", "additionalProperties"):
            raise Unsupported(keyword)
    if "properties" in schema or "additionalProperties" in schema:
        checks.append(_object_members(schema, resolve))
    return _all(checks)


def _late(resolve: Callable[[str], Check], ref: str) -> Check:
    resolved: list[Check] = []

    def check(instance: Any) -> bool:
        if not resolved:
            resolved.append(resolve(ref))
        return resolved[0](instance)

    return check


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    frozen = tuple(checks)

    return lambda instance: all(each(instance) for each in frozen)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _type(argument: Any, schema: Any, resolve: Any) -> Check:
    if isinstance(argument, str):
        return _TYPES[argument]
    tests = [_TYPES[name] for name in argument]
    return lambda v: any(test(v) for test in tests)


def _enum(argument: Any, schema: Any, resolve: Any) -> Check:
    if all(isinstance(item, str) for item in argument):
        allowed = frozenset(argument)
        return lambda v: isinstance(v, str) and v in allowed
    # Same type and equal: stricter than JSON Schema's equality (1 vs 1.0), never looser.
    return lambda v: any(type(v) is type(item) and v == item for item in argument)


def _const(argument: Any, schema: Any, resolve: Any) -> Check:
    return _enum([argument], schema, resolve)


def _string(test: Callable[[str], bool]) -> Check:
    return lambda v: not isinstance(v, str) or test(v)


def _number(test: Callable[[Any], bool]) -> Check:
    return lambda v: not is_number(v) or test(v)


def _dict(test: Callable[[dict[str, Any]], bool]) -> Check:
    return lambda v: not isinstance(v, dict) or test(v)


def _list(test: Callable[[list[Any]], bool]) -> Check:
    return lambda v: not isinstance(v, list) or test(v)


def _format(argument: Any, schema: Any, resolve: Any) -> Check:
    if argument != "date":
        raise Unsupported(f"format {argument!r}")
    return _string(lambda v: _DATE_CHECKER.conforms(v, "date"))


def _pattern(argument: Any, schema: Any, resolve: Any) -> Check:
    regex = re.compile(argument)
    return _string(lambda v: regex.search(v) is not None)


def _unique(argument: Any, schema: Any, resolve: Any) -> Check:
    if not argument:
        return lambda _: True
    # Only lists of strings are judged here; anything else goes to jsonschema.
    return _list(lambda v: all(isinstance(i, str) for i in v) and len(set(v)) == len(v))


def _items(argument: Any, schema: Any, resolve: Callable[[str], Check]) -> Check:
    item = _compile(argument, resolve)

    def check(value: Any) -> bool:
        if isinstance(value, list):
            for each in value:
                if not item(each):
                    return False
        return True

    return check


def _required(argument: Any, schema: Any, resolve: Any) -> Check:
    names = tuple(argument)
    return _dict(lambda v: all(name in v for name in names))


def _property_names(argument: Any, schema: Any, resolve: Callable[[str], Check]) -> Check:
    name = _compile(argument, resolve)

    def check(value: Any) -> bool:
        if isinstance(value, dict):
            for key in value:
                if not name(key):
                    return False
        return True

    return check


def _any_of(argument: Any, schema: Any, resolve: Callable[[str], Check]) -> Check:
    options = [_compile(option, resolve) for option in argument]
    return lambda v: any(option(v) for option in options)


def _object_members(schema: Mapping[str, Any], resolve: Callable[[str], Check]) -> Check:
    properties = {k: _compile(v, resolve) for k, v in schema.get("properties", {}).items()}
    additional = schema.get("additionalProperties", True)
    extra = _compile(additional, resolve) if additional not in (True, None) else None

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            test = properties.get(key, extra)
            if test is not None and not test(item):
                return False
        return True

    return check


_COMPILERS: dict[str, Callable[[Any, Any, Callable[[str], Check]], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "format": _format,
    "pattern": _pattern,
    "minLength": lambda a, s, r: _string(lambda v: len(v) >= a),
    "maxLength": lambda a, s, r: _string(lambda v: len(v) <= a),
    "minimum": lambda a, s, r: _number(lambda v: v >= a),
    "maximum": lambda a, s, r: _number(lambda v: v <= a),
    "minItems": lambda a, s, r: _list(lambda v: len(v) >= a),
    "minProperties": lambda a, s, r: _dict(lambda v: len(v) >= a),
    "uniqueItems": _unique,
    "items": _items,
    "required": _required,
    "propertyNames": _property_names,
    "anyOf": _any_of,
}
