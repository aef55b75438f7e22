"""Tags: account-wide, keyed by name; no update method, so any change is a replace (contract §3)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import Problem
from pwconf.kinds.base import ApplyContext, Declared, Field, Kind, LiveView
from pwconf.model import Entity
from pwconf.segments import OPERATORS
from pwconf.state import State

TYPE_CODES: dict[str, int] = {
    "integer": 1,
    "string": 2,
    "list": 3,
    "date": 4,
    "boolean": 5,
    "decimal": 6,
    "version": 7,
}
TYPE_NAMES: dict[int, str] = {code: name for name, code in TYPE_CODES.items()}
# The segment operators a tag of each type can be compared with.
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": ("EQ", "NOTEQ", "IN", "NOTIN", "NOTSET"),
    "integer": OPERATORS,
    "decimal": OPERATORS,
    "date": OPERATORS,
    "version": OPERATORS,
    "boolean": ("EQ", "NOTSET"),
    "list": ("IN", "NOTIN", "NOTSET"),
}

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

    def complete_live(
        self, live: Entity, desired: Mapping[str, Any] | None, state: State
    ) -> dict[str, Any]:
        recorded = state.tags.get(live.name)
        if recorded is not None:
            user_specific = recorded["user_specific"]
        else:  # unknowable: never claim a difference pwconf cannot see
            user_specific = desired["user_specific"] if desired else False
        return {**live.attrs, "user_specific": user_specific}

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        api.add_tag(
            entity.name,
            TYPE_CODES[attrs["type"]],
            application_specific=attrs["application_specific"],
            user_specific=attrs["user_specific"],
        )
        ctx.state.record_tag(entity.name, attrs["user_specific"])

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_tag(live.name)
        ctx.state.forget_tag(live.name)


KIND = TagKind()
