"""The plan: a plain, serialisable value. Renderers only read it; the applier only consumes it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from pwconf.model import Address, Entity, digest

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"

    @property
    def json_actions(self) -> list[str]:
        """Terraform's convention: a replace is ["delete", "create"], so a scan finds both."""
        return ["delete", "create"] if self is Action.REPLACE else [self.value]

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}[self]


@dataclass(frozen=True, repr=False)
class _Marker:
    """A display placeholder that is not a real value."""

    text: str

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


SENSITIVE = _Marker("(sensitive value)")
KNOWN_AFTER_APPLY = _Marker("(known after apply)")
ABSENT = _Marker("(absent)")  # a field present on one side only


def is_marker(value: Any) -> bool:
    return isinstance(value, _Marker)


@dataclass(frozen=True)
class FieldChange:
    """One changed field, with display-safe values (markers instead of secrets and unknowns)."""

    path: str  # dotted: "content.message.en"
    before: Any
    after: Any
    forces_replacement: bool = False


class Reason(Enum):
    """Why a change is planned; `Change.reason` is its display text, built from the value with
    the details (which fields, which kind, changed outside pwconf)."""

    NOT_IN_ACCOUNT = "not in the account"
    DIFFERS = "differs from the manifests"
    NOT_UPDATABLE = "cannot be updated in place"
    PRUNED = "not in the manifests and settings.prune includes"
    FOLLOWS = "points at a replaced entity, which gets a new code"


@dataclass(frozen=True)
class Change:
    """One planned action on one entity.

    `before`/`after` are display-safe attribute dicts. `desired`/`live` are the full entities the
    applier works from (the desired one may hold secrets); they are never rendered.
    """

    address: Address
    action: Action
    reason: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[FieldChange, ...] = ()
    data_loss: bool = False
    drift: bool = False  # live differs from what pwconf last applied: changed outside pwconf
    live_code: str | None = None
    depends_on: tuple[Address, ...] = ()
    desired: Entity | None = None
    live: Entity | None = None
    cause: Reason = Reason.DIFFERS


@dataclass
class Note:
    """Something the plan cannot do or cannot know, told once rather than planned forever."""

    address: Address | None
    message: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)  # in apply order
    unchanged: int = 0
    unmanaged: dict[str, list[str]] = field(default_factory=dict)  # plural kind name -> names
    notes: list[Note] = field(default_factory=list)
    # What was compared: digests are taken only when a saved plan or an apply needs them, so
    # that a plan of 100,000 unchanged entities does not hash them all.
    live_entities: dict[Address, Entity] = field(default_factory=dict)  # readable, in scope
    desired_values: dict[Address, Any] = field(default_factory=dict)
    manifest_files: list[str] = field(default_factory=list)

    def live_fingerprint(self, address: str) -> str | None:
        entity = self.live_entities.get(Address.parse(address))
        return None if entity is None else digest({"code": entity.code, "attrs": entity.attrs})

    def desired_digest(self, address: str) -> str | None:
        value = self.desired_values.get(Address.parse(address))
        return None if value is None else digest(value)

    def summary(self) -> dict[str, int]:
        count = Counter(change.action for change in self.changes)
        return {
            "add": count[Action.CREATE],
            "change": count[Action.UPDATE],
            "replace": count[Action.REPLACE],
            "destroy": count[Action.DELETE],
        }
