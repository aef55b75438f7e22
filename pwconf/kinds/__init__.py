"""The registry of kinds, in dependency order (contract §10):

    application ─┬─ event
                 ├─ campaign
                 ├─ preset ──segment (name)──▶ segment ──expression──▶ tag, application
                 │         ──campaign──▶ campaign
                 ├─ geozone_cluster
                 └─ geozone ──preset──▶ preset; ──cluster──▶ geozone_cluster; ──campaign──▶ campaign
    tag (account)   segment (account, optionally bound to one application)

Creates and updates run top-down in REGISTRY order; deletes run bottom-up. The tables the rest
of pwconf uses (order, plurals, where each kind lives) derive from it.
Adding a kind means adding its module and one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pwconf.kinds import (
    application,
    campaign,
    event,
    geozone,
    geozone_cluster,
    preset,
    segment,
    tag,
)
from pwconf.kinds.base import Kind
from pwconf.model import Address

if TYPE_CHECKING:
    from pwconf.state import State

REGISTRY: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        application.KIND,
        tag.KIND,
        event.KIND,
        campaign.KIND,
        segment.KIND,
        preset.KIND,
        geozone_cluster.KIND,
        geozone.KIND,
    )
}

KIND_ORDER: tuple[str, ...] = tuple(REGISTRY)
# The plural names users write in manifests and in `settings.prune`.
PLURALS: dict[str, str] = {name: kind.plural for name, kind in REGISTRY.items()}
KIND_BY_PLURAL: dict[str, str] = {plural: name for name, plural in PLURALS.items()}
# Kinds that live inside one application.
APP_SCOPED: frozenset[str] = frozenset(n for n, k in REGISTRY.items() if k.app_scoped)
# The sections inside an application in the manifests: {plural: kind}, in KIND_ORDER.
APP_SECTIONS: dict[str, str] = {PLURALS[n]: n for n in KIND_ORDER if n in APP_SCOPED}
# The kind that holds the others, and those that belong to the account, not to one application.
CONTAINER: str = application.KIND.name
ACCOUNT_WIDE: tuple[str, ...] = tuple(
    n for n in KIND_ORDER if n not in APP_SCOPED and n != CONTAINER
)


def application_of(address: Address) -> str | None:
    """The handle of the application an entity belongs to (its own, for an application)."""
    return address.name if address.kind == CONTAINER else address.app


def kind_label(kind: str, count: int = 1) -> str:
    """How messages name a kind: "geozone cluster", or "geozone clusters" for count != 1."""
    return REGISTRY[kind].label(count)


def counted_kinds(counts: Mapping[str, int]) -> str:
    """"50 applications, 1 tag, ...": each kind's count, in the order given."""
    return ", ".join(f"{n:,} {kind_label(kind, n)}" for kind, n in counts.items())


def journal_records_of_old(record: list[Any], state: State) -> list[list[Any]] | None:
    """A state-journal record of a pwconf that named each kind's operation (up to stop 18) as
    today's records, so that a journal left by a crash survives an upgrade; None when it is not
    one of those. Raises ValueError or TypeError for a malformed one."""
    op, args = record[0], record[1:]
    events, tags, apps = event.KIND.plural, tag.KIND.plural, application.KIND.plural
    credentials = application.CREDENTIALS
    sections = {"event": events, "application": apps, "credentials": credentials}
    if op in sections:
        return [["record", sections[op], *args]]
    if op == "tag":
        name, user_specific = args
        return [["record", tags, name, {"user_specific": user_specific}]]
    if op == "forget_tag":
        return [["forget", [[tags, args[0]]]]]
    if op == "forget_application":
        (code,) = args
        return [["forget", [list(entry) for entry in application.state_entries(state, code)]]]
    return None
