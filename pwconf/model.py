"""The one model both sides are normalised into: manifests (desired) and the live account.

An Entity is identified by its Address (kind, application handle, name). Its `attrs` hold only
managed fields, in manifest vocabulary (snake_case, type names rather than wire codes), so that
desired and live compare directly. Secret values travel as `Secret` objects and are never shown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pwconf.errors import Position


@dataclass(frozen=True, order=True, slots=True)
class Address:
    """Where an entity sits: `tag.Age`, `preset.shop.welcome`, `application.shop`."""

    kind: str
    app: str | None
    name: str

    def __str__(self) -> str:
        if self.app is None:
            return f"{self.kind}.{self.name}"
        return f"{self.kind}.{self.app}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """Read `tag.Age` or `preset.shop.welcome` back (handles never contain a dot)."""
        from pwconf.kinds import APP_SCOPED  # the kinds import this module

        kind, _, rest = text.partition(".")
        if kind not in APP_SCOPED:
            return cls(kind, None, rest)
        app, _, name = rest.partition(".")
        return cls(kind, app, name)

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (_kind_order()[self.kind], self.app or "", self.name)


@cache
def _kind_order() -> dict[str, int]:
    """Kind -> its place in the registry."""
    from pwconf.kinds import KIND_ORDER  # the kinds import this module

    return {name: index for index, name in enumerate(KIND_ORDER)}


class Secret:
    """A credential value read from the environment or a file: usable, never shown."""

    __slots__ = ("_value", "origin")

    def __init__(self, value: str | bytes, origin: str = "") -> None:
        self._value = value
        self.origin = origin  # e.g. "env:SHOP_P12_PASSWORD" or "file:secrets/shop.p12"

    def reveal(self) -> str | bytes:
        """The value itself: only for the request that sends it."""
        return self._value

    def fingerprint(self, salt: str) -> str:
        """A salted HMAC that identifies the value without disclosing it."""
        raw = self._value if isinstance(self._value, bytes) else self._value.encode()
        digest = hmac.new(salt.encode(), raw, hashlib.sha256).hexdigest()
        return f"hmac-sha256:{digest[:32]}"

    def __repr__(self) -> str:
        return "Secret(<sensitive>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(
            self.fingerprint("eq"), other.fingerprint("eq")
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint("hash"))


@dataclass(slots=True)
class Entity:
    """One desired or live object. `code`: the server-assigned identity when known (on the
    desired side of an application, the `code:` to adopt); `position`: where a desired entity
    was defined."""

    address: Address
    attrs: dict[str, Any]
    code: str | None = None
    position: Position | None = None
    field_positions: Mapping[str, Position] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def name(self) -> str:
        return self.address.name

    @property
    def app(self) -> str | None:
        return self.address.app


@dataclass
class DesiredState:
    """Everything the manifests ask for, after loading, merging and checking."""

    entities: dict[Address, Entity] = field(default_factory=dict)
    prune: frozenset[str] = frozenset()  # the kinds `settings.prune` names (singular)
    files: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for a, e in self.entities.items() if a.kind == kind]

    def counts(self) -> dict[str, int]:
        return dict.fromkeys(_kind_order(), 0) | Counter(address.kind for address in self.entities)


def canonical_json(value: Any) -> str:
    """Canonical text of a value: sorted keys, no spaces; keeps true, 1 and 1.0 apart."""
    return _CANONICAL_ENCODER.encode(value)


def _encode_special(value: Any) -> Any:
    if isinstance(value, Secret):
        return {"__secret__": value.fingerprint("canonical")}
    raise TypeError(f"cannot encode {type(value).__name__}")


# One encoder for every call: json.dumps with options builds a new one each time.
_CANONICAL_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_encode_special
)


def seal_secrets(value: Any, salt: str) -> Any:
    """A copy of `value` with every Secret replaced by its salted fingerprint."""
    if isinstance(value, Secret):
        return value.fingerprint(salt)
    if isinstance(value, dict):
        return {key: seal_secrets(item, salt) for key, item in value.items()}
    if isinstance(value, list):
        return [seal_secrets(item, salt) for item in value]
    return value


def digest(value: Any) -> str:
    """A short, stable digest of a (sealed) value, for state records and saved plans."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:24]
