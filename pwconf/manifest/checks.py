"""Semantic checks over the whole desired state: what a schema cannot see.

Each kind checks its own entities (Kind.check: a preset's segment, unique application titles
and codes, ...); here: what a kind names in the same application (Kind.pointers), and segment
expressions (syntax, every application named, and for each tag term, operator and value
against the tag's type). Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pwconf import segments
from pwconf.errors import Position, Problem
from pwconf.kinds import PLURALS, REGISTRY, kind_label
from pwconf.kinds.base import at as field_position
from pwconf.kinds.base import suggest
from pwconf.kinds.tag import DEFAULT_TAGS, OPERATORS_BY_TYPE
from pwconf.model import Address, DesiredState, Entity

APP_CODE_RE = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
_DAYS_AGO_RE = re.compile(r"^\d+ days? ago$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")

Locate = Callable[[Position, str, int], Position]


@dataclass
class CheckContext:
    broken: set[Address]  # declared entities left out for their own errors
    expressions: dict[Address, str]  # a segment's expression as read, for columns
    locate: Locate  # position of a character inside a scalar value


def check_state(state: DesiredState, context: CheckContext) -> list[Problem]:
    checker = _Checker(state, context)
    return [
        *(problem for kind in REGISTRY.values() for problem in kind.check(checker)),
        *checker.segments(),
        *checker.pointers(),
    ]


class _Checker:
    def __init__(self, state: DesiredState, context: CheckContext) -> None:
        self.state = state
        self.context = context
        self.declared = set(state.entities) | context.broken

    def is_declared(self, kind: str, app: str | None, name: str) -> bool:
        return Address(kind, app, name) in self.declared

    def names(self, kind: str, app: str | None = None) -> list[str]:
        return sorted(a.name for a in self.declared if a.kind == kind and a.app == app)

    def of_kind(self, kind: str) -> list[Entity]:
        return self.state.of_kind(kind)

    def get(self, address: Address) -> Entity | None:
        return self.state.entities.get(address)

    # --- segments ---

    def segments(self) -> Iterator[Problem]:
        """Every segment's expression: the segmentation language, checked against the declared
        applications and tags (the segment kind checks the rest)."""
        for segment in self.state.of_kind("segment"):
            yield from self.expression(segment)

    def expression(self, segment: Entity) -> Iterator[Problem]:
        raw = self.context.expressions.get(segment.address, segment.attrs["expression"])
        lead = len(raw) - len(raw.lstrip())

        def at(column: int) -> Position | None:
            start = field_position(segment, "expression")
            if start is None:
                return None
            return self.context.locate(start, raw, lead + column - 1)

        prefix = f"segment {segment.name!r}: "
        try:
            expr = segments.parse(segment.attrs["expression"])
        except segments.SegmentSyntaxError as exc:
            yield Problem(f"{prefix}invalid expression: {exc.message}", at(exc.column))
            return
        for ref in segments.all_app_refs(expr):
            message = self.app_ref_problem(ref)
            if message:
                yield Problem(prefix + message, at(ref.column))
        for term in segments.tag_terms(expr):
            for message, column in self.tag_term_problems(term):
                yield Problem(prefix + message, at(column))

    def app_ref_problem(self, ref: segments.AppRef) -> str | None:
        if ref.handle is not None:
            if self.is_declared("application", None, ref.handle):
                return None
            known = self.names("application")
            return (
                f"unknown application @{ref.handle}; an @handle names an application declared "
                f"under `applications:`{suggest(ref.handle, known)}"
            )
        if ref.code is not None and not APP_CODE_RE.match(ref.code):
            return (
                f"{ref.code!r} is not an application code (XXXXX-XXXXX); write @handle for "
                "an application of the manifests"
            )
        return None

    def tag_term_problems(self, term: segments.TagTerm) -> list[tuple[str, int]]:
        tag_type, app_specific = self.tag_info(term.tag)
        if tag_type is None:
            if self.is_declared("tag", None, term.tag):
                return []  # declared with errors of its own: already reported
            known = self.names("tag") + list(DEFAULT_TAGS)
            return [
                (
                    f"unknown tag {term.tag!r}; declare it under `tags:` with its type"
                    f"{suggest(term.tag, known)}",
                    term.tag_column,
                )
            ]
        problems: list[tuple[str, int]] = []
        if app_specific is True and term.app is None:
            problems.append(
                (
                    f"tag {term.tag!r} is application_specific: use "
                    f'AT(@handle, "{term.tag}", ...) instead of T(...)',
                    term.column,
                )
            )
        elif app_specific is False and term.app is not None:
            problems.append(
                (
                    f"tag {term.tag!r} is not application_specific: use T(...) instead of "
                    "AT(...), or declare the tag with `application_specific: true`",
                    term.column,
                )
            )
        problems.extend(operator_problems(term, tag_type))
        return problems

    def tag_info(self, name: str) -> tuple[str | None, bool | None]:
        """The tag's type and whether it is application-specific (None: not known)."""
        tag = self.state.entities.get(Address("tag", None, name))
        if tag is not None:
            return tag.attrs["type"], tag.attrs["application_specific"]
        if name in DEFAULT_TAGS:
            return DEFAULT_TAGS[name], None  # either T() or AT() is accepted for default tags
        return None, None

    def pointers(self) -> Iterator[Problem]:
        """Every field that names another entity of the same application (Kind.pointers)."""
        for kind in REGISTRY.values():
            for entity in self.state.of_kind(kind.name):
                for field, target in kind.pointers:
                    name = entity.attrs.get(field)
                    if name is None or self.is_declared(target, entity.app, name):
                        continue
                    known = self.names(target, entity.app)
                    yield Problem(
                        f"{kind_label(kind.name)} {entity.name!r} of application {entity.app!r} "
                        f"uses {field} {name!r}, which application {entity.app!r} does not "
                        f"declare under `{PLURALS[target]}:`{suggest(name, known)}",
                        field_position(entity, field),
                    )


# --- operators and values against the tag's type ------------------------------------------

_WANTED = {
    "string": "a string",
    "list": "a string",
    "integer": "a whole number",
    "decimal": "a number",
    "date": 'a date "YYYY-MM-DD" or "N days ago"',
    "version": 'a version string such as "1.2.3"',
    "boolean": "true or false",
}


def operator_problems(term: segments.TagTerm, tag_type: str) -> list[tuple[str, int]]:
    """Whether the operator applies to the tag's type and the value fits (contract §5)."""
    operator, value = term.operator, term.value
    allowed = OPERATORS_BY_TYPE.get(tag_type, ())
    about = f"tag {term.tag!r} is of type {tag_type}"
    if operator not in allowed:
        return [
            (f"{about}: {operator} does not apply; use {', '.join(allowed)}", term.operator_column)
        ]
    if operator == "NOTSET":
        if value is not None:
            return [('NOTSET takes no value: write T("Tag", NOTSET)', term.value_column)]
        return []
    if value is None:
        return [(f"{operator} needs a value", term.operator_column)]
    if operator in ("IN", "NOTIN"):
        return _list_problems(about, operator, value, tag_type, term.value_column, minimum=1)
    if operator == "BETWEEN":
        return _between_problems(about, value, tag_type, term.value_column)
    if not fits(value, tag_type):
        return [
            (
                f"{about}: {operator} needs {_WANTED[tag_type]}, not {_describe(value)}",
                term.value_column,
            )
        ]
    return []


def _list_problems(
    about: str, operator: str, value: Any, tag_type: str, column: int, minimum: int
) -> list[tuple[str, int]]:
    if not isinstance(value, list) or len(value) < minimum:
        return [(f'{operator} needs a non-empty list, e.g. ["a", "b"]', column)]
    wrong = [item for item in value if not fits(item, tag_type)]
    if wrong:
        return [
            (
                f"{about}: the items of {operator} must each be {_WANTED[tag_type]}, "
                f"not {_describe(wrong[0])}",
                column,
            )
        ]
    return []


def _between_problems(about: str, value: Any, tag_type: str, column: int) -> list[tuple[str, int]]:
    if not isinstance(value, list) or len(value) != 2:
        return [("BETWEEN needs a list of two values [min, max]", column)]
    problems = _list_problems(about, "BETWEEN", value, tag_type, column, minimum=2)
    low, high = value
    if not problems and is_number(low) and is_number(high) and low > high:
        problems.append(
            (f"BETWEEN [{low}, {high}]: the first value must not exceed the second", column)
        )
    return problems


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fits(value: Any, tag_type: str) -> bool:
    """Whether a single value suits a tag of that type."""
    if tag_type in ("string", "list"):
        return isinstance(value, str)
    if tag_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if tag_type == "decimal":
        return is_number(value)
    if tag_type == "boolean":
        return isinstance(value, bool)
    if tag_type == "version":
        return isinstance(value, str) and bool(_VERSION_RE.match(value))
    if tag_type == "date":
        return isinstance(value, str) and (bool(_DAYS_AGO_RE.match(value)) or _is_date(value))
    return False


def _is_date(text: str) -> bool:
    if not _DATE_RE.match(text):
        return False
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return f"the number {value}"
