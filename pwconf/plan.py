"""The plan: a plain, serialisable value. Renderers only read it; the applier only consumes it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pwconf.model import Address, Entity, digest

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"

    @property
    def json_actions(self) -> list[str]:
        """Terraform's convention: a replace is ["delete", "create"], so a scan finds both."""
        if self is Action.REPLACE:
            return ["delete", "create"]
        return [self.value]

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "no-op": " "}[
            self.value
        ]


class _Marker:
    """A display placeholder that is not a real value."""

    def __init__(self, text: str) -> None:
        self.text = text

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


@dataclass
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
    fields: list[FieldChange] = field(default_factory=list)
    data_loss: bool = False
    drift: bool = False  # live differs from what pwconf last applied: changed outside pwconf
    live_code: str | None = None
    depends_on: tuple[Address, ...] = ()
    desired: Entity | None = None
    live: Entity | None = None


@dataclass
class Note:
    """Something the plan cannot do or cannot know, told once rather than planned forever."""

    address: Address | None
    message: str


class DesiredValues(Mapping[str, Any]):
    """What each desired entity was compared as, by str(address), looked up on access (as
    LiveValues): a plan that is only shown never formats the addresses."""

    def __init__(self, by_address: Mapping[Address, Any]) -> None:
        self._by_address = by_address

    def __getitem__(self, key: str) -> Any:
        return self._by_address[Address.parse(key)]

    def __iter__(self) -> Iterator[str]:
        return (str(address) for address in self._by_address)

    def __len__(self) -> int:
        return len(self._by_address)

    def by_address(self) -> Iterator[tuple[Address, Any]]:
        """Every value with its address, none of them formatted or parsed."""
        return iter(self._by_address.items())


class LiveValues(Mapping[str, Any]):
    """What was read of each live entity ({"code", "attrs"}) by str(address), made on access:
    a saved plan needs only the entities it touches, of the hundreds of thousands read."""

    def __init__(self, by_kind: Mapping[str, Mapping[Address, Entity]]) -> None:
        self._by_kind = by_kind

    def __getitem__(self, key: str) -> dict[str, Any]:
        address = Address.parse(key)
        entity = self._by_kind.get(address.kind, {}).get(address)
        if entity is None:
            raise KeyError(key)
        return {"code": entity.code, "attrs": entity.attrs}

    def __iter__(self) -> Iterator[str]:
        return (str(address) for entities in self._by_kind.values() for address in entities)

    def __len__(self) -> int:
        return sum(len(entities) for entities in self._by_kind.values())


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)  # no no-ops; in apply order
    unchanged: int = 0
    unmanaged: dict[str, list[str]] = field(default_factory=dict)  # kind -> display names
    notes: list[Note] = field(default_factory=list)
    # What was compared, by str(address): digests are taken only when a saved plan or an
    # apply needs them, so that a plan of 100,000 unchanged entities does not hash them all.
    live_values: Mapping[str, Any] = field(default_factory=dict)
    desired_values: DesiredValues = field(default_factory=lambda: DesiredValues({}))
    manifest_files: list[str] = field(default_factory=list)

    def live_fingerprint(self, address: str) -> str | None:
        value = self.live_values.get(address)
        return None if value is None else digest(value)

    def desired_digest(self, address: str) -> str | None:
        value = self.desired_values.get(address)
        return None if value is None else digest(value)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        return {
            "add": self.count(Action.CREATE),
            "change": self.count(Action.UPDATE),
            "replace": self.count(Action.REPLACE),
            "destroy": self.count(Action.DELETE),
        }
