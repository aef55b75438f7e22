"""Validating one manifest file against the published JSON Schema.

The schema pwconf validates with is `pwconf/schema/pwconf.schema.json`, a byte-identical copy of
`schemas/pwconf.schema.json` (a test keeps them equal). jsonschema's Draft 2020-12 validator with
format checking validates. Each jsonschema error becomes a Problem in manifest vocabulary, at the
position of the key or value concerned. Credential values are never quoted.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pwconf.errors import Position, Problem
from pwconf.kinds import APP_SECTIONS, CONTAINER, KIND_BY_PLURAL, PLURALS, kind_label
from pwconf.kinds.application import DEVICE_TYPES
from pwconf.manifest.positions import Document, Path
from pwconf.model import Secret

SENSITIVE = "(sensitive value)"

# What the key of each section names: "<kind> name", an application's "handle".
NAME_LABELS = {
    **{plural: f"{kind_label(kind)} name" for kind, plural in PLURALS.items()},
    PLURALS[CONTAINER]: f"{kind_label(CONTAINER)} handle",
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


def schema_text() -> str:
    """The schema pwconf validates with, as shipped inside the package."""
    return (resources.files("pwconf") / "schema" / "pwconf.schema.json").read_text("utf-8")


@functools.cache
def load_schema() -> dict[str, Any]:
    return json.loads(schema_text())  # type: ignore[no-any-return]


@functools.cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass
class SchemaResult:
    problems: list[Problem]
    error_paths: set[Path]  # where errors were found, to leave those entities out of the build


def validate_document(document: Document) -> SchemaResult:
    instance = _without_secrets(document.data)
    problems: list[Problem] = []
    paths: set[Path] = set()
    for error in validator().iter_errors(instance):
        for path, problem in _Translator(document).translate(error):
            problems.append(problem)
            paths.add(path)
    return SchemaResult(problems, paths)


def _without_secrets(data: Any) -> Any:
    """A view of the data where credential values are a placeholder string."""
    applications = data.get("applications") if isinstance(data, dict) else None
    if not isinstance(applications, dict):
        return data
    view_apps: dict[str, Any] = {}
    for handle, app in applications.items():
        view_apps[handle] = app
        if isinstance(app, dict):
            for block in DEVICE_TYPES:
                credentials = app.get(block)
                if isinstance(credentials, dict) and any(
                    isinstance(v, Secret) for v in credentials.values()
                ):
                    view_apps[handle] = app = {**app, block: _mask(credentials)}
    return {**data, "applications": view_apps}


def _mask(credentials: dict[str, Any]) -> dict[str, Any]:
    return {k: SENSITIVE if isinstance(v, Secret) else v for k, v in credentials.items()}


# --- translation --------------------------------------------------------------------------


class _Translator:
    def __init__(self, document: Document) -> None:
        self.document = document

    def translate(self, error: ValidationError) -> Iterator[tuple[Path, Problem]]:
        path: Path = tuple(error.absolute_path)
        if "propertyNames" in error.relative_schema_path:
            yield from self.bad_name(error, path)
            return
        handler = getattr(self, f"on_{error.validator}", None)
        if handler is not None:
            yield from handler(error, path)
            return
        detail = "is not valid" if _under_credentials(path) else f"is not valid: {error.message}"
        yield path, Problem(f"{_field(path)} {detail}", self.document.where(path))

    def problem(self, path: Path, message: str, *, at_key: bool = False) -> tuple[Path, Problem]:
        position = self.document.key_where(path) if at_key else self.document.where(path)
        return path, Problem(message, position)

    # One method per JSON Schema keyword, named on_<keyword>.

    def on_additionalProperties(self, error: ValidationError, path: Path) -> Iterator[Any]:
        allowed = list(error.schema.get("properties", {}))
        for key in error.instance:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield self.problem(
                (*path, key),
                f"unknown key {key!r} in {_place(path)}; {hint}allowed: {', '.join(allowed)}",
                at_key=True,
            )

    def on_required(self, error: ValidationError, path: Path) -> Iterator[Any]:
        for key in error.validator_value:
            if key in error.instance:
                continue
            if path == () and key == "version":
                message = "missing `version: 1`: every manifest file starts with it"
                yield path, Problem(message, Position(self.document.file, 1, 1))
                continue
            yield self.problem(path, f"{_place(path)} is missing {key!r}", at_key=True)

    def on_type(self, error: ValidationError, path: Path) -> Iterator[Any]:
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(TYPE_WORDS.get(name, name) for name in names)
        got = _describe_value(error.instance, path)
        hint = ""
        if "string" in names and isinstance(error.instance, bool):
            hint = " (YAML reads yes/no/on/off/true/false as booleans: quote the value)"
        elif "string" in names and isinstance(error.instance, int | float):
            hint = " (quote the value to make it a string)"
        yield self.problem(path, f"{_field(path)} must be {wanted}, not {got}{hint}")

    def on_enum(self, error: ValidationError, path: Path) -> Iterator[Any]:
        choices = ", ".join(str(choice) for choice in error.validator_value)
        got = _describe_value(error.instance, path)
        close = ""
        if isinstance(error.instance, str):
            names = [str(choice) for choice in error.validator_value]
            match = difflib.get_close_matches(error.instance, names, n=1)
            close = f"; did you mean {match[0]!r}?" if match else ""
        yield self.problem(path, f"{_field(path)} must be one of: {choices}; got {got}{close}")

    def on_const(self, error: ValidationError, path: Path) -> Iterator[Any]:
        got = _describe_value(error.instance, path)
        # (`version` never gets here: reading a file refuses any version but 1 first.)
        yield self.problem(path, f"{_field(path)} must be {error.validator_value!r}, not {got}")

    def on_minimum(self, error: ValidationError, path: Path) -> Iterator[Any]:
        yield self.problem(path, self.bounds_message(error, path))

    on_maximum = on_minimum

    def bounds_message(self, error: ValidationError, path: Path) -> str:
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        got = _describe_value(error.instance, path)
        if low is not None and high is not None:
            return f"{_field(path)} must be between {low} and {high}, not {got}"
        if low is not None:
            return f"{_field(path)} must be at least {low}, not {got}"
        return f"{_field(path)} must be at most {high}, not {got}"

    def on_minLength(self, error: ValidationError, path: Path) -> Iterator[Any]:
        if error.validator_value == 1:
            yield self.problem(path, f"{_field(path)} must not be empty")
        else:
            yield self.problem(
                path, f"{_field(path)} must be at least {error.validator_value} characters long"
            )

    def on_maxLength(self, error: ValidationError, path: Path) -> Iterator[Any]:
        yield self.problem(
            path,
            f"{_field(path)} is too long ({len(error.instance)} characters); "
            f"at most {error.validator_value}",
        )

    def on_pattern(self, error: ValidationError, path: Path) -> Iterator[Any]:
        hint = PATTERN_HINTS.get(error.validator_value, f"must match {error.validator_value}")
        got = _describe_value(error.instance, path)
        yield self.problem(path, f"{_field(path)} {hint}; got {got}")

    def on_format(self, error: ValidationError, path: Path) -> Iterator[Any]:
        got = _describe_value(error.instance, path)
        yield self.problem(path, f"{_field(path)} must be a date written YYYY-MM-DD, not {got}")

    def on_minItems(self, error: ValidationError, path: Path) -> Iterator[Any]:
        yield self.problem(path, f"{_field(path)} must list at least {error.validator_value}")

    def on_uniqueItems(self, error: ValidationError, path: Path) -> Iterator[Any]:
        seen: list[Any] = []
        for index, item in enumerate(error.instance):
            if item in seen:
                yield self.problem((*path, index), f"{_field(path)} lists {item!r} more than once")
            seen.append(item)

    def on_minProperties(self, error: ValidationError, path: Path) -> Iterator[Any]:
        yield self.problem(path, f"{_field(path)} must not be empty")

    def on_anyOf(self, error: ValidationError, path: Path) -> Iterator[Any]:
        # When one branch is of the value's own type, its errors say more than "none matched".
        for index, branch in enumerate(error.validator_value):
            branch_schema = _resolve(branch)
            if _fits_type(error.instance, branch_schema.get("type")):
                context = [e for e in error.context or [] if e.relative_schema_path[0] == index]
                if context:
                    for sub_error in context:
                        yield from self.translate(sub_error)
                    return
        wanted = error.schema.get("description", "one of the accepted forms")
        got = _describe_value(error.instance, path)
        yield self.problem(path, f"{_field(path)} must be {wanted}, not {got}")

    def bad_name(self, error: ValidationError, path: Path) -> Iterator[tuple[Path, Problem]]:
        name = str(error.instance)
        container = str(path[-1]) if path else ""
        subject = NAME_LABELS.get(container)
        what = f"{subject} {name!r}" if subject else f"key {name!r} in {_field(path)}"
        if error.validator == "maxLength":
            message = (
                f"{what} is too long ({len(name)} characters); at most {error.validator_value}"
            )
        elif error.validator == "minLength":
            message = f"{subject or 'a key'} in {_place(path)} must not be empty"
        elif error.validator == "pattern":
            hint = PATTERN_HINTS.get(error.validator_value, f"must match {error.validator_value}")
            message = f"{what} {hint}"
        else:
            message = f"{what}: {error.message}"
        yield self.problem((*path, name), message, at_key=True)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return load_schema()["$defs"][ref.removeprefix("#/$defs/")]  # type: ignore[no-any-return]
    return schema


def _fits_type(instance: Any, type_name: Any) -> bool:
    if type_name == "string":
        return isinstance(instance, str)
    if type_name == "object":
        return isinstance(instance, dict)
    return False


# --- describing places and values ---------------------------------------------------------


def _place(path: Path) -> str:
    """Where in the manifest, in words: "'send_rate' of preset 'welcome' of application 'shop'"."""
    if not path:
        return "the top level"
    section = path[0]
    if section in ("tags", "segments") and len(path) >= 2:
        return _entity(str(section), path[1], path[2:])
    if section == "applications" and len(path) >= 2:
        app = f"application {path[1]!r}"
        if len(path) == 2:
            return app
        if path[2] in APP_SECTIONS:
            if len(path) == 3:
                return f"the {path[2]} of {app}"
            return _entity(str(path[2]), path[3], path[4:], f" of {app}")
        return f"{_dotted(path[2:])!r} of {app}"
    return repr(_dotted(path))


def _entity(section: str, name: Any, rest: Path, suffix: str = "") -> str:
    label = kind_label(KIND_BY_PLURAL[section]) if section in KIND_BY_PLURAL else section
    entity = f"{label} {name!r}{suffix}"
    return f"{_dotted(rest)!r} of {entity}" if rest else entity


def _field(path: Path) -> str:
    """A value, in words; list items by their 1-based position."""
    if path and isinstance(path[-1], int):
        return f"item {path[-1] + 1} of {_field(path[:-1])}"
    return _place(path) if path else "the file"


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _describe_value(value: Any, path: Path) -> str:
    if value is SENSITIVE or _under_credentials(path):
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
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a value of type {type(value).__name__}"


def _under_credentials(path: Path) -> bool:
    return len(path) >= 3 and path[0] == "applications" and path[2] in DEVICE_TYPES
