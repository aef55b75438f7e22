"""Events: keyed by name within an application. Pushwoosh has no method to list, update or
delete events (contract §4), so pwconf knows them only through its state file."""

from __future__ import annotations

import textwrap
from typing import Any

from pwconf.errors import ArgumentError
from pwconf.kinds.base import ApplyContext, Exporting, Field, Kind, LiveView
from pwconf.model import Address, Entity, digest
from pwconf.state import State

ATTRIBUTE_TYPE_CODES = {"integer": 1, "string": 2, "list": 3, "date": 4, "boolean": 5, "price": 6}


class EventKind(Kind):
    name = "event"
    fields = (
        Field("description"),
        Field("track_revenue", coerce=bool, default=False),
        Field("attributes", coerce=lambda attributes: dict(sorted(attributes.items())), default={}),
    )
    app_scoped = True
    readable = False
    changed_unreadably = (
        "definition changed in the manifests, but Pushwoosh has no method to "
        "update events: change it in the Control Panel (pwconf cannot read it back)"
    )
    removed_unreadably = (
        "removed from the manifests, but Pushwoosh has no method to delete events: "
        "delete it in the Control Panel if it should go"
    )

    export_note = "events: Pushwoosh has no method to list them; none written (add them by hand)"

    def export_unlisted(self, app_code: str, handle: str, export: Exporting) -> None:
        export.header += [
            "Events: Pushwoosh has no method to list events, so none are written here. Add the",
            "events pwconf should manage under `events:` by hand (an event that already exists",
            "is adopted on apply).",
        ]
        known = sorted(export.state.recorded(self.plural, app_code) or {}) if export.state else []
        if known:
            export.header += textwrap.wrap(
                "pwconf's state file says pwconf created these events here (their definitions "
                "cannot be read back): " + ", ".join(repr(name) for name in known) + ".",
                width=92,
            )
            export.notes.append(
                f"events of {handle} that pwconf created: {', '.join(known)} "
                "(named in the file's header; definitions cannot be read back)"
            )

    def recorded_live(self, state: State, view: LiveView) -> dict[Address, Entity]:
        """Events exist, for pwconf, where its state file recorded creating them."""
        found: dict[Address, Entity] = {}
        for code, handle in view.handle_by_code.items():
            for name, recorded in (state.recorded(self.plural, code) or {}).items():
                address = Address(self.name, handle, name)
                found[address] = Entity(address, {"digest": recorded})
        return found

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        attributes = [
            {"name": name, "type": ATTRIBUTE_TYPE_CODES[type_name]}
            for name, type_name in attrs["attributes"].items()
        ]
        app_code = ctx.app_code(entity.app)
        try:
            api.create_event(
                app_code,
                entity.name,
                description=attrs.get("description"),
                attributes=attributes,
                track_revenue=attrs["track_revenue"],
            )
        except ArgumentError as exc:
            # Events cannot be read back, so a state file lost after a create leaves pwconf
            # unaware of it; the 210 "Event already exists" [decided] then means: adopt it.
            if "already exists" not in exc.message:
                raise
            ctx.notes.append(f"{entity.address}: already existed; adopted as it is")
        self.record_created(ctx.state, entity, app_code)

    def record_created(self, state: State, entity: Entity, app_code: str | None) -> None:
        """Events cannot be read: their digest stands in for them in later plans."""
        recorded = digest(self.normalize(entity.attrs))
        state.record(self.plural, app_code or "", entity.name, value=recorded)


KIND = EventKind()
