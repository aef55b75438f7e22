"""Validating one manifest file with jsonschema (Draft 2020-12, formats checked).

The schema is `pwconf/schema/pwconf.schema.json`, a byte-identical copy of
`schemas/pwconf.schema.json` (a test keeps them equal). Each error becomes a Problem in manifest
words, at the position of the key or value concerned. Credential values are never quoted."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from pwconf.errors import Position, Problem
from pwconf.kinds import APP_SECTIONS, CONTAINER, KIND_BY_PLURAL, PLURALS, REGISTRY, kind_label
from pwconf.kinds.base import suggest
from pwconf.manifest.positions import Document, Path
from pwconf.model import Secret

APPLICATIONS = PLURALS[CONTAINER]
# an application's blocks of secret values (ios, android): their values are never shown
CREDENTIAL_BLOCKS = frozenset(f.name for f in REGISTRY[CONTAINER].fields if f.sensitive)

# What the key of each section names: "<kind> name", an application's "handle".
NAME_LABELS = {
    **{plural: f"{kind_label(kind)} name" for kind, plural in PLURALS.items()},
    APPLICATIONS: f"{kind_label(CONTAINER)} handle",
    "attributes": "attribute name",
}
PATTERN_HINTS = {
    "^[A-Za-z_][A-Za-z0-9_-]*$": "must start with a letter or '_' and hold only letters, "
    "digits, '_' and '-'",
    "^[0-9A-Z]{5}-[0-9A-Z]{5}$": "must be an application code like ABCDE-12345",
    "^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$": "must be a language code such as en, de or pt-BR",
}
TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "empty",
}


@functools.cache
def load_schema() -> dict[str, Any]:
    text = (resources.files("pwconf") / "schema" / "pwconf.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@functools.cache
def validator() -> Draft202012Validator:
    """A validator to which a credential (a Secret) is a string, as the manifests wrote it."""
    strings = Draft202012Validator.TYPE_CHECKER.redefine(
        "string", lambda _, value: isinstance(value, str | Secret)
    )
    checked = validators.extend(Draft202012Validator, type_checker=strings)
    return checked(load_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_document(document: Document) -> list[tuple[Path, Problem]]:
    """Every problem of the file's shape, with the path of the value it is about."""
    errors = validator().iter_errors(document.data)
    return [found for error in errors for found in _problems(document, error)]


# --- errors in manifest words -------------------------------------------------------------


def _problems(document: Document, error: ValidationError) -> Iterator[tuple[Path, Problem]]:
    """The problems one jsonschema error stands for, each with the path it is about."""
    path: Path = tuple(error.absolute_path)
    keyword, limit, instance = error.validator, error.validator_value, error.instance

    def at_key(where: Path, message: str) -> tuple[Path, Problem]:
        return where, Problem(message, document.key_where(where))

    if "propertyNames" in error.relative_schema_path:
        yield at_key((*path, str(instance)), _name_message(error, path))
    elif keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                message = f"unknown key {key!r} in {_place(path)}; {hint}allowed: "
                yield at_key((*path, key), message + ", ".join(allowed))
    elif keyword == "required":
        for key in limit:
            if key in instance:
                continue
            if path == () and key == "version":
                message = "missing `version: 1`: every manifest file starts with it"
                yield path, Problem(message, Position(document.file, 1, 1))
            else:
                yield at_key(path, f"{_place(path)} is missing {key!r}")
    elif keyword == "uniqueItems":
        for index, item in enumerate(instance):
            if item in instance[:index]:
                message = f"{_field(path)} lists {item!r} more than once"
                yield (*path, index), Problem(message, document.where((*path, index)))
    elif keyword == "anyOf" and (
        # the errors of the branches of the value's own type say more than "none matched"
        # (the schema's anyOfs differ by type only)
        specific := [e for e in error.context or [] if e.relative_path or e.validator != "type"]
    ):
        for sub_error in specific:
            yield from _problems(document, sub_error)
    else:
        yield path, Problem(_message(error, path), document.where(path))


def _message(error: ValidationError, path: Path) -> str:
    """One error about the value at `path`."""
    field, limit, instance = _field(path), error.validator_value, error.instance
    got = _describe_value(instance, path)
    match error.validator:
        case "type":
            names = [limit] if isinstance(limit, str) else list(limit)
            wanted = " or ".join(TYPE_WORDS.get(name, name) for name in names)
            hint = ""
            if "string" in names and isinstance(instance, bool):
                hint = " (YAML reads yes/no/on/off/true/false as booleans: quote the value)"
            elif "string" in names and isinstance(instance, int | float):
                hint = " (quote the value to make it a string)"
            return f"{field} must be {wanted}, not {got}{hint}"
        case "enum":
            names = [str(choice) for choice in limit]
            hint = suggest(instance, names) if isinstance(instance, str) else ""
            return f"{field} must be one of: {', '.join(names)}; got {got}{hint}"
        case "const":
            return f"{field} must be {limit!r}, not {got}"
        case "minimum" | "maximum":
            low, high = error.schema.get("minimum"), error.schema.get("maximum")
            if low is not None and high is not None:
                return f"{field} must be between {low} and {high}, not {got}"
            if low is not None:
                return f"{field} must be at least {low}, not {got}"
            return f"{field} must be at most {high}, not {got}"
        case "minLength" if limit != 1:
            return f"{field} must be at least {limit} characters long"
        case "minLength" | "minProperties":
            return f"{field} must not be empty"
        case "maxLength":
            return f"{field} is too long ({len(instance)} characters); at most {limit}"
        case "pattern":
            return f"{field} {PATTERN_HINTS.get(limit, f'must match {limit}')}; got {got}"
        case "format":
            return f"{field} must be a date written YYYY-MM-DD, not {got}"
        case "minItems":
            return f"{field} must list at least {limit}"
        case "anyOf":
            wanted = error.schema.get("description", "one of the accepted forms")
            return f"{field} must be {wanted}, not {got}"
    detail = "is not valid" if _under_credentials(path) else f"is not valid: {error.message}"
    return f"{field} {detail}"


def _name_message(error: ValidationError, path: Path) -> str:
    """The key `error.instance` in the mapping at `path` is not a valid name."""
    name, limit = str(error.instance), error.validator_value
    subject = NAME_LABELS.get(str(path[-1]) if path else "")
    what = f"{subject} {name!r}" if subject else f"key {name!r} in {_field(path)}"
    if error.validator == "minLength":
        return f"{subject or 'a key'} in {_place(path)} must not be empty"
    if error.validator == "maxLength":
        return f"{what} is too long ({len(name)} characters); at most {limit}"
    if error.validator == "pattern":
        return f"{what} {PATTERN_HINTS.get(limit, f'must match {limit}')}"
    return f"{what}: {error.message}"


def _place(path: Path) -> str:
    """Where in the manifest, in words: "'send_rate' of preset 'welcome' of application 'shop'"."""
    if not path:
        return "the top level"
    if path[0] == APPLICATIONS and len(path) >= 3 and path[2] in APP_SECTIONS:
        app = _entity(APPLICATIONS, path[1])
        if len(path) == 3:
            return f"the {path[2]} of {app}"
        return _entity(str(path[2]), path[3], path[4:], f" of {app}")
    if path[0] in KIND_BY_PLURAL and len(path) >= 2:
        return _entity(str(path[0]), path[1], path[2:])
    return repr(".".join(map(str, path)))


def _entity(section: str, name: Any, rest: Path = (), suffix: str = "") -> str:
    entity = f"{kind_label(KIND_BY_PLURAL[section])} {name!r}{suffix}"
    return f"{'.'.join(map(str, rest))!r} of {entity}" if rest else entity


def _field(path: Path) -> str:
    """A value, in words; list items by their 1-based position."""
    if path and isinstance(path[-1], int):
        return f"item {path[-1] + 1} of {_field(path[:-1])}"
    return _place(path) if path else "the file"


def _describe_value(value: Any, path: Path) -> str:
    if _under_credentials(path):
        return "the value given"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "an empty value"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a mapping" if isinstance(value, dict) else "a list"


def _under_credentials(path: Path) -> bool:
    return len(path) >= 3 and path[0] == APPLICATIONS and path[2] in CREDENTIAL_BLOCKS
