"""Merging the files' data into one DesiredState of Entities.

Merging rules (decided):

- Files are read in sorted order; where something is "defined" is its first definition.
- An entity (tag, segment, event, preset, geozone cluster, geozone) is defined once. A second
  definition is an error at the second place that names the first (file:line).
- An application may be spread over several files: its sub-mappings (events, presets,
  geozone_clusters, geozones) merge. A scalar key (title, code, sdk_ios, sdk_android) or a
  credential block (ios, android) set in two files must have the same value there; different
  values are an error at the second place naming the first. `settings` merges likewise.
- An entity whose own definition failed the schema is left out of the state (its errors are
  reported) but its name still counts as declared, so references to it raise no second error."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pwconf.errors import Position, Problem
from pwconf.kinds import (
    ACCOUNT_WIDE,
    APP_SECTIONS,
    CONTAINER,
    KIND_BY_PLURAL,
    PLURALS,
    REGISTRY,
    kind_label,
)
from pwconf.kinds.base import at
from pwconf.manifest.positions import Document, Path, locate_in_scalar
from pwconf.model import Address, DesiredState, Entity

APPS = PLURALS[CONTAINER]  # the section of the applications
APP_FIELDS = ("code", *(field.name for field in REGISTRY[CONTAINER].fields))
ACCOUNT_SECTIONS = {PLURALS[kind]: kind for kind in ACCOUNT_WIDE}


@dataclass
class _AppDraft:
    position: Position
    fields: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    broken: bool = False


class Builder:
    """Takes the files one at a time, so that only one file's Document is held at once: what
    it keeps of a file is the entities, their positions and, for the files that define a
    Kind.text_field, the text (to place problems inside it). `finish` makes the state; the
    kinds' checks then ask it what was declared."""

    def __init__(self) -> None:
        self.entities: dict[Address, Entity] = {}
        self.defined_at: dict[Address, Position] = {}
        self.broken: set[Address] = set()  # declared, but left out because of their errors
        self.problems: list[Problem] = []
        self.apps: dict[str, _AppDraft] = {}
        self.prune: tuple[frozenset[str], Position] | None = None
        self.expressions: dict[Address, str] = {}  # each entity's Kind.text_field as read
        self.texts: dict[str, str] = {}  # the text of each file holding those
        # of the file being added: the values with problems, and the paths that lead to them
        self.error_paths: set[Path] = set()
        self.with_errors: set[Path] = set()
        self.positions: dict[Path, dict[str, Position]] = {}  # by entity path, then field
        self.state = DesiredState()  # made by `finish`

    def add(self, document: Document, error_paths: set[Path]) -> None:
        """One file, after interpolation and schema validation; `error_paths`: the values
        with problems, whose entities are left out."""
        self.error_paths = error_paths
        self.with_errors = {p[:i] for p in error_paths for i in range(len(p) + 1)}
        self.positions = _positions_by_entity(document)
        self.add_settings(document, document.data.get("settings"))
        for section, kind in ACCOUNT_SECTIONS.items():
            for name, body in _items(document.data.get(section)):
                self.add_entity(document, Address(kind, None, name), (section, name), body)
        for handle, body in _items(document.data.get(APPS)):
            self.add_application(document, handle, body)

    def add_settings(self, document: Document, settings: Any) -> None:
        if ("settings",) in self.with_errors or "prune" not in (settings or {}):
            return  # (the schema refused any settings that are not a mapping)
        prune = frozenset(KIND_BY_PLURAL[plural] for plural in settings["prune"])
        position = document.where(("settings", "prune"))
        if self.prune is None:
            self.prune = (prune, position)
        elif self.prune[0] != prune:
            first = self.prune[1].file_line
            message = f"settings.prune differs from the one set at {first}; set it in one file"
            self.problems.append(Problem(message, position))

    def add_entity(self, document: Document, address: Address, path: Path, body: Any) -> None:
        position = document.key_where(path)
        first = self.defined_at.get(address)
        if first is not None:
            where = f" of application {address.app!r}" if address.app else ""
            message = (
                f"{kind_label(address.kind)} {address.name!r}{where} is already defined at "
                f"{first.file_line}; define it once"
            )
            self.problems.append(Problem(message, position))
            return
        self.defined_at[address] = position
        if path in self.with_errors or not isinstance(body, dict):
            self.broken.add(address)
            return
        kind = REGISTRY[address.kind]
        attrs, fields = kind.from_manifest(body), self.positions.get(path, {})
        self.entities[address] = Entity(address, attrs, position=position, field_positions=fields)
        if kind.text_field:
            self.expressions[address] = body[kind.text_field]
            self.texts[document.file] = document.text

    def add_application(self, document: Document, handle: str, body: Any) -> None:
        path: Path = (APPS, handle)
        draft = self.apps.setdefault(handle, _AppDraft(document.key_where(path)))
        if not isinstance(body, dict):
            draft.broken = True
            return
        errors = [p[2:] for p in self.error_paths if p[:2] == path]
        if any(not rest or rest[0] not in APP_SECTIONS for rest in errors):
            draft.broken = True  # its own fields have errors
        else:
            self.merge_app_fields(document, handle, draft, body)
        for section, kind in APP_SECTIONS.items():
            for name, item in _items(body.get(section)):
                self.add_entity(document, Address(kind, handle, name), (*path, section, name), item)

    def merge_app_fields(
        self, document: Document, handle: str, draft: _AppDraft, body: dict[str, Any]
    ) -> None:
        positions = self.positions.get((APPS, handle), {})
        for name in APP_FIELDS:
            if name not in body:
                continue
            if name not in draft.fields:
                draft.fields[name] = body[name]
                draft.positions.update(
                    (key, where)
                    for key, where in positions.items()
                    if key == name or key.startswith(f"{name}.")
                )
            elif draft.fields[name] != body[name]:
                message = (
                    f"application {handle!r}: {name!r} differs from the value set at "
                    f"{draft.positions[name].file_line}; set it in one file, or the same in both"
                )
                self.problems.append(Problem(message, document.where((APPS, handle, name))))

    def finish(self, files: list[str]) -> DesiredState:
        for handle, draft in self.apps.items():
            self.finish_application(handle, draft)
        prune = self.prune[0] if self.prune else frozenset()
        ordered = dict(sorted(self.entities.items(), key=lambda item: item[0].sort_key))
        self.state = DesiredState(entities=ordered, prune=prune, files=sorted(files))
        return self.state

    def finish_application(self, handle: str, draft: _AppDraft) -> None:
        address = Address(CONTAINER, None, handle)
        if not draft.broken and "title" not in draft.fields:
            message = (
                f"application {handle!r} has no title; add `title:` (without a `code:`, "
                "the live application is found by its title)"
            )
            self.problems.append(Problem(message, draft.position))
            draft.broken = True
        if draft.broken:
            self.broken.add(address)
            return
        attrs, code = REGISTRY[CONTAINER].from_manifest(draft.fields), draft.fields.get("code")
        self.entities[address] = Entity(address, attrs, code, draft.position, draft.positions)

    # --- what the kinds' checks ask of the finished state (kinds.base.Declared) ------------
    def is_declared(self, kind: str, app: str | None, name: str) -> bool:
        """Entities left out for their own errors count as declared."""
        address = Address(kind, app, name)
        return address in self.entities or address in self.broken

    def names(self, kind: str, app: str | None = None) -> list[str]:
        return self._names_by_kind.get((kind, app), [])

    @cached_property
    def _names_by_kind(self) -> dict[tuple[str, str | None], list[str]]:
        """The declared names of each kind and application, made once: the checks ask after
        `finish`, once for each unknown name they report."""
        names: dict[tuple[str, str | None], list[str]] = {}
        for address in sorted({*self.entities, *self.broken}, key=lambda a: a.name):
            names.setdefault((address.kind, address.app), []).append(address.name)
        return names

    def of_kind(self, kind: str) -> list[Entity]:
        return self._entities_by_kind.get(kind, [])

    @cached_property
    def _entities_by_kind(self) -> dict[str, list[Entity]]:
        """The finished state's entities grouped by kind once: each kind's checks ask twice."""
        grouped: dict[str, list[Entity]] = {}
        for address, entity in self.state.entities.items():
            grouped.setdefault(address.kind, []).append(entity)
        return grouped

    def position_in(self, entity: Entity, field: str, column: int) -> Position | None:
        """Where the `column`th character (from 1) of the field's text, stripped, is written."""
        start = at(entity, field)
        if start is None:
            return None
        raw = self.expressions[entity.address]
        lead = len(raw) - len(raw.lstrip())
        return locate_in_scalar(self.texts[start.file], start, raw, lead + column - 1)


def _items(section: Any) -> list[tuple[str, Any]]:
    return list(section.items()) if isinstance(section, dict) else []


def _positions_by_entity(document: Document) -> dict[Path, dict[str, Position]]:
    """Entity path → {dotted field path: where its value is written}, in one pass."""
    grouped: dict[Path, dict[str, Position]] = {}
    for path, mark in document.values.items():
        if len(path) < 3 or (path[0] != APPS and path[0] not in ACCOUNT_SECTIONS):
            continue
        # (applications, handle, section, name); else (section, name) or an application's own
        depth = 4 if path[0] == APPS and path[2] in APP_SECTIONS else 2
        if len(path) > depth:
            # Every entity of a kind has the same field names: one string each, not per entity.
            key = sys.intern(".".join(map(str, path[depth:])))
            grouped.setdefault(path[:depth], {})[key] = document.position(mark)
    return grouped
