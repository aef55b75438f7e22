"""Tags: account-wide, keyed by name; no update method, so any change is a replace (contract §3)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import Problem
from pwconf.kinds.base import ApplyContext, Declared, Exporting, Field, Kind, LiveView, suggest
from pwconf.model import Address, Entity
from pwconf.segments import OPERATORS, TagTerm
from pwconf.state import State
from pwconf.words import counted

_DAYS_AGO_RE = re.compile(r"^\d+ days? ago$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_version(value: Any) -> bool:
    return isinstance(value, str) and bool(_VERSION_RE.match(value))


def _is_date(value: Any) -> bool:
    """A date "YYYY-MM-DD" or "YYYY-MM-DD hh:mm[:ss]", or "N days ago"."""
    if not isinstance(value, str):
        return False
    if _DAYS_AGO_RE.match(value):
        return True
    if not _DATE_RE.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value)  # the calendar: no 2026-02-30
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class TagType:
    code: int  # on the wire
    operators: tuple[str, ...]  # the segment operators a tag of the type can be compared with
    wanted: str  # what a value must be, as messages say it
    fits: Callable[[Any], bool]  # whether a single value suits the type


TAG_TYPES: dict[str, TagType] = {
    "integer": TagType(1, OPERATORS, "a whole number", lambda v: type(v) is int),
    "string": TagType(2, ("EQ", "NOTEQ", "IN", "NOTIN", "NOTSET"), "a string", _is_str),
    "list": TagType(3, ("IN", "NOTIN", "NOTSET"), "a string", _is_str),
    "date": TagType(4, OPERATORS, 'a date "YYYY-MM-DD" or "N days ago"', _is_date),
    "boolean": TagType(5, ("EQ", "NOTSET"), "true or false", lambda v: isinstance(v, bool)),
    "decimal": TagType(6, OPERATORS, "a number", is_number),
    "version": TagType(7, OPERATORS, 'a version string such as "1.2.3"', _is_version),
}
TYPE_NAMES: dict[int, str] = {tag_type.code: name for name, tag_type in TAG_TYPES.items()}


# Default tags exist on every account (contract §3): never declared, never deleted. Types
# [decided] so that validation can check the operators used on them.
DEFAULT_TAGS: dict[str, str] = {
    "Language": "string",
    "Country": "string",
    "City": "string",
    "Timezone": "string",
    "Application Version": "version",
    "Last Application Open": "date",
    "First Install": "date",
    "Device Model": "string",
    "OS Version": "version",
    "Push Alerts Enabled": "boolean",
}


class TagKind(Kind):
    name = "tag"
    fields = (
        Field("type"),
        Field("application_specific", wire="isApplicationSpecific", coerce=bool, default=False),
        # listTags never echoes it (contract §3): complete_live fills it from the state file
        Field("user_specific", coerce=bool, default=False),
    )
    replaced_on_change = True
    data_loss_on_delete = "deletes every device's stored value of this tag"
    never_delete = frozenset(DEFAULT_TAGS)
    never_delete_note = "a default tag of every account: left as it is"

    def term_problems(self, term: TagTerm, declared: Declared) -> list[tuple[str, int]]:
        """What is wrong with a tag term of a segment expression (message, column)."""
        tag = declared.entities.get(Address(self.name, None, term.tag))
        if tag is not None:
            tag_type, app_specific = tag.attrs["type"], tag.attrs["application_specific"]
        elif term.tag in DEFAULT_TAGS:  # either T() or AT() is accepted for default tags
            tag_type, app_specific = DEFAULT_TAGS[term.tag], None
        elif declared.is_declared(self.name, None, term.tag):
            return []  # declared with errors of its own: already reported
        else:
            hint = suggest(term.tag, declared.names(self.name) + list(DEFAULT_TAGS))
            message = f"unknown tag {term.tag!r}; declare it under `tags:` with its type{hint}"
            return [(message, term.tag_column)]
        problems = operator_problems(term, tag_type)
        if app_specific is True and term.app is None:
            message = (
                f"tag {term.tag!r} is application_specific: use "
                f'AT(@handle, "{term.tag}", ...) instead of T(...)'
            )
            problems.insert(0, (message, term.column))
        elif app_specific is False and term.app is not None:
            message = (
                f"tag {term.tag!r} is not application_specific: use T(...) instead of "
                "AT(...), or declare the tag with `application_specific: true`"
            )
            problems.insert(0, (message, term.column))
        return problems

    def exported_term_problem(self, term: TagTerm, tag: Entity | None) -> str | None:
        """What `pwconf validate` would say of a tag term of an exported expression, given
        the tag the account has."""
        if term.tag in DEFAULT_TAGS:
            tag_type = DEFAULT_TAGS[term.tag]
        elif tag is None:
            return f"tag {term.tag!r} is not in the account"
        else:
            tag_type = tag.attrs["type"]
            app_specific = bool(tag.attrs.get("application_specific"))
            if app_specific != (term.app is not None):
                used = "AT(...)" if term.app is not None else "T(...)"
                flag = f"application_specific: {app_specific}"
                return f"{used} does not fit tag {term.tag!r} ({flag})"
            if tag_type not in TAG_TYPES:
                return None  # an unknown type: the tag's own warning says so
        return next((message for message, _ in operator_problems(term, tag_type)), None)

    def check(self, declared: Declared) -> Iterator[Problem]:
        for tag in declared.of_kind(self.name):
            if tag.name in DEFAULT_TAGS:
                yield Problem(
                    f"{tag.name!r} is a default tag that every account has; remove it from "
                    "`tags:` (default tags can be used in expressions as they are)",
                    tag.position,
                )

    def list_read(self, app_code: str | None) -> Read:
        return Reads.list_tags()

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        type_name = TYPE_NAMES.get(int(raw.get("type", 0)), f"type-{raw.get('type')}")
        return super().to_entity({**raw, "type": type_name}, app, view)

    def export_all(self, entities: list[Entity], export: Exporting) -> dict[str, Any]:
        """Neither the default tags nor a user_specific flag pwconf's state file did not record."""
        export.header.append(
            "Not written: the default tags every account has (Language, Country, ...)."
        )
        recorded = export.state.recorded(self.plural) if export.state else {}
        written: dict[str, Any] = {}
        for entity in entities:
            if entity.name in DEFAULT_TAGS:
                continue
            attrs = {**entity.attrs, **recorded.get(entity.name, {"user_specific": False})}
            written[entity.name] = {key: value for key, value in attrs.items() if value}  # no false
            export.written.add(entity.address)
            if str(attrs["type"]).startswith("type-"):
                export.warnings.append(
                    f"tag {entity.name!r}: unknown type code ({attrs['type']}): "
                    "written as read; fix it by hand"
                )
        defaults = len(entities) - len(written)
        if defaults:
            export.summary.append(
                f"{counted(defaults, 'default tag')} (Language, Country, ...): "
                "every account has them"
            )
        unknown = sum(name not in recorded for name in written)
        if unknown:
            export.summary.append(
                f"user_specific of {counted(unknown, 'tag')}: Pushwoosh does not return it; "
                "left out (false)"
                + ("" if export.state else "; pass --state to read it from pwconf's state file")
            )
            export.header += [
                "Pushwoosh never returns a tag's user_specific flag: tags are written without it",
                "(false) unless a pwconf state file recorded it; check tags that need it.",
            ]
        return written

    def complete_live(
        self, live: Entity, desired: Mapping[str, Any] | None, state: State
    ) -> dict[str, Any]:
        recorded = state.recorded(self.plural, live.name)
        if recorded is not None:
            user_specific = recorded["user_specific"]
        else:  # unknowable: never claim a difference pwconf cannot see
            user_specific = desired["user_specific"] if desired else False
        return {**live.attrs, "user_specific": user_specific}

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        api.add_tag(
            entity.name,
            TAG_TYPES[attrs["type"]].code,
            application_specific=attrs["application_specific"],
            user_specific=attrs["user_specific"],
        )
        self.record_created(ctx.state, entity, None)

    def record_created(self, state: State, entity: Entity, app_code: str | None) -> None:
        """listTags never tells a tag's user_specific flag (contract §3)."""
        recorded = {"user_specific": entity.attrs["user_specific"]}
        state.record(self.plural, entity.name, value=recorded)

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_tag(live.name)
        ctx.state.forget((self.plural, live.name))


# --- operators and values against the tag's type ------------------------------------------


def operator_problems(term: TagTerm, tag_type: str) -> list[tuple[str, int]]:
    """Whether the operator applies to the tag's type and the value fits (contract §5)."""
    operator, value, column = term.operator, term.value, term.value_column
    allowed = TAG_TYPES[tag_type].operators if tag_type in TAG_TYPES else ()
    about = f"tag {term.tag!r} is of type {tag_type}"
    if operator not in allowed:
        return [
            (f"{about}: {operator} does not apply; use {', '.join(allowed)}", term.operator_column)
        ]
    if operator == "NOTSET":
        return [] if value is None else [('NOTSET takes no value: write T("Tag", NOTSET)', column)]
    if value is None:
        return [(f"{operator} needs a value", term.operator_column)]
    wanted, fits = TAG_TYPES[tag_type].wanted, TAG_TYPES[tag_type].fits
    if operator not in ("IN", "NOTIN", "BETWEEN"):
        if fits(value):
            return []
        return [(f"{about}: {operator} needs {wanted}, not {_describe(value)}", column)]
    if operator == "BETWEEN" and (not isinstance(value, list) or len(value) != 2):
        return [("BETWEEN needs a list of two values [min, max]", column)]
    if not isinstance(value, list) or not value:
        return [(f'{operator} needs a non-empty list, e.g. ["a", "b"]', column)]
    wrong = [item for item in value if not fits(item)]
    if wrong:
        item = _describe(wrong[0])
        return [(f"{about}: the items of {operator} must each be {wanted}, not {item}", column)]
    if operator == "BETWEEN" and all(map(is_number, value)) and value[0] > value[1]:
        low, high = value
        return [(f"BETWEEN [{low}, {high}]: the first value must not exceed the second", column)]
    return []


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return f"the number {value}"


KIND = TagKind()
