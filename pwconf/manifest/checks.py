"""Semantic checks over the whole desired state: what a schema cannot see. Each kind checks its
own entities (Kind.check); here, for every kind alike, what a field names in the same
application (Kind.pointers). Every problem is collected; nothing stops at the first."""

from __future__ import annotations

from collections.abc import Iterator

from pwconf.errors import Problem
from pwconf.kinds import PLURALS, REGISTRY, kind_label
from pwconf.kinds.base import at, suggest
from pwconf.manifest.build import Builder


def check_state(built: Builder) -> list[Problem]:
    """The problems of the state `built` finished."""
    return [
        *(problem for kind in REGISTRY.values() for problem in kind.check(built)),
        *_pointer_problems(built),
    ]


def _pointer_problems(built: Builder) -> Iterator[Problem]:
    """Every field that names another entity of the same application (Kind.pointers)."""
    for kind in REGISTRY.values():
        for entity in built.of_kind(kind.name):
            for field, target in kind.pointers:
                name = entity.attrs.get(field)
                if name is None or built.is_declared(target, entity.app, name):
                    continue
                known = built.names(target, entity.app)
                yield Problem(
                    f"{kind_label(kind.name)} {entity.name!r} of application {entity.app!r} "
                    f"uses {field} {name!r}, which application {entity.app!r} does not "
                    f"declare under `{PLURALS[target]}:`{suggest(name, known)}",
                    at(entity, field),
                )
