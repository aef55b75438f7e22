"""Semantic checks over the whole desired state: what a schema cannot see.

Each kind checks its own entities (Kind.check: a preset's segment, a segment's expression,
unique application titles and codes, ...); here, for every kind alike, what a field names in
the same application (Kind.pointers). Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

from collections.abc import Iterator

from pwconf.errors import Position, Problem
from pwconf.kinds import PLURALS, REGISTRY, kind_label
from pwconf.kinds.base import at, suggest
from pwconf.manifest.build import Builder
from pwconf.manifest.positions import locate_in_scalar
from pwconf.model import Address, DesiredState, Entity


def check_state(state: DesiredState, built: Builder) -> list[Problem]:
    """The problems of `state`, which `built` finished (and knows what it left out)."""
    checker = _Checker(state, built)
    return [
        *(problem for kind in REGISTRY.values() for problem in kind.check(checker)),
        *checker.pointers(),
    ]


class _Checker:
    """kinds.base.Declared: entities left out for their own errors count as declared."""

    def __init__(self, state: DesiredState, built: Builder) -> None:
        self.state = state
        self.built = built
        self.declared = set(state.entities) | built.broken

    def is_declared(self, kind: str, app: str | None, name: str) -> bool:
        return Address(kind, app, name) in self.declared

    def names(self, kind: str, app: str | None = None) -> list[str]:
        return sorted(a.name for a in self.declared if a.kind == kind and a.app == app)

    def of_kind(self, kind: str) -> list[Entity]:
        return self.state.of_kind(kind)

    def get(self, address: Address) -> Entity | None:
        return self.state.entities.get(address)

    def position_in(self, entity: Entity, field: str, column: int) -> Position | None:
        """Where the `column`th character (from 1) of the field's text, stripped, is written."""
        start = at(entity, field)
        if start is None:
            return None
        raw = self.built.expressions[entity.address]
        lead = len(raw) - len(raw.lstrip())
        return locate_in_scalar(self.built.texts[start.file], start, raw, lead + column - 1)

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
                        at(entity, field),
                    )
