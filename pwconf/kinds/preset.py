"""Presets: keyed by name within an application; the server assigns a code and returns none;
there is no update method, so any change is a replace (contract §6)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import Problem
from pwconf.kinds.base import (
    REPLACE_ALL,
    ApplyContext,
    Declared,
    Kind,
    LiveView,
    at,
    name_of_code,
    suggest,
)
from pwconf.model import Address, Entity
from pwconf.plan import KNOWN_AFTER_APPLY, FieldChange

PLATFORM_IDS: dict[str, int] = {
    "iOS": 1,
    "Android": 3,
    "macOS": 7,
    "Windows": 8,
    "Amazon": 9,
    "Safari": 10,
    "Chrome": 11,
    "Firefox": 12,
}
PLATFORM_NAMES: dict[int, str] = {code: name for name, code in PLATFORM_IDS.items()}

# Manifest content keys and their wire names.
CONTENT_WIRE_NAMES: dict[str, str] = {
    "message": "message",
    "title": "title",
    "subtitle": "subtitle",
    "action": "action",
    "user_data": "userData",
    "properties": "properties",
}


def _sorted_platforms(names: list[str]) -> list[str]:
    return sorted(set(names), key=lambda name: PLATFORM_IDS.get(name, 999))


def _code_of(ctx: ApplyContext, address: Address) -> str | None:
    return ctx.code_of(address) if address.name else None


class PresetKind(Kind):
    name = "preset"
    export_order = ("segment", "campaign", "platforms", "content", "send_rate")
    app_scoped = True
    replace_fields = REPLACE_ALL
    code_assigned_by_server = True
    needs_detail = True
    pointers = (("campaign", "campaign"),)
    names_from = frozenset({"campaign"})
    follow_reason = "points at a replaced campaign, which gets a new code"

    def follow_replacements(
        self, live: Entity, replaced: set[Address], live_entities: Mapping[Address, Entity]
    ) -> list[FieldChange]:
        """A preset has no update: pointing it at a campaign's new code is a replace."""
        target = Address("campaign", live.app, live.attrs.get("campaign") or "")
        if target not in replaced:
            return []
        old_code = live_entities[target].code if target in live_entities else None
        return [FieldChange("campaign_code", old_code, KNOWN_AFTER_APPLY, True)]

    def check(self, declared: Declared) -> Iterator[Problem]:
        """A preset's segment is declared, and bound to no other application."""
        for preset in declared.of_kind(self.name):
            name = preset.attrs["segment"]
            if name is None:
                continue
            where = f"preset {preset.name!r} of application {preset.app!r}"
            if not declared.is_declared("segment", None, name):
                yield Problem(
                    f"{where} uses segment {name!r}, which is not declared under `segments:`"
                    f"{suggest(name, declared.names('segment'))}",
                    at(preset, "segment"),
                )
                continue
            segment = declared.get(Address("segment", None, name))
            bound = segment.attrs["application"] if segment else None
            if bound is not None and bound != preset.app:
                yield Problem(
                    f"{where} uses segment {name!r}, which is bound to application {bound!r}",
                    at(preset, "segment"),
                )

    def normalize(self, attrs: Mapping[str, Any], view: LiveView | None = None) -> dict[str, Any]:
        content = {k: v for k, v in (attrs.get("content") or {}).items() if v is not None}
        return {
            "segment": attrs.get("segment"),
            "platforms": _sorted_platforms(list(attrs.get("platforms") or [])),
            "content": content,
            "send_rate": attrs.get("send_rate"),
            "campaign": attrs.get("campaign"),
        }

    def from_manifest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        given = body["content"]
        send_rate = body.get("send_rate")
        return {
            "segment": body.get("segment"),
            "platforms": list(body["platforms"]),
            "content": {key: given[key] for key in CONTENT_WIRE_NAMES if key in given},
            "send_rate": None if send_rate is None else int(send_rate),
            "campaign": body.get("campaign"),
        }

    def references(self, entity: Entity) -> list[Address]:
        refs = super().references(entity)
        if entity.attrs.get("segment"):
            refs.append(Address("segment", None, entity.attrs["segment"]))
        return refs

    def list_read(self, app_code: str | None) -> Read:
        return Reads.list_presets(app_code)

    def detail_read(self, raw: dict[str, Any]) -> Read:
        return Reads.get_preset(raw["code"], listed_row=raw)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        wire_content = raw.get("content") or {}
        content = {
            key: wire_content[wire]
            for key, wire in CONTENT_WIRE_NAMES.items()
            if wire_content.get(wire) is not None
        }
        segmentation = raw.get("segmentation") or {}
        platforms = [
            PLATFORM_NAMES.get(p, f"platform-{p}") for p in segmentation.get("platforms") or []
        ]
        attrs = {
            "segment": segmentation.get("filter") or None,
            "platforms": platforms,
            "content": content,
            "send_rate": (raw.get("scheduling") or {}).get("sendRate"),
            "campaign": name_of_code(view.names_of("campaign", app), raw.get("campaignCode")),
        }
        return Entity(Address("preset", app, raw["name"]), attrs, code=raw.get("code"))

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        app_code = ctx.app_code(entity.app or "")
        content = {CONTENT_WIRE_NAMES[k]: v for k, v in attrs["content"].items()}
        api.create_preset(
            app_code,
            entity.name,
            content,
            [PLATFORM_IDS[p] for p in attrs["platforms"]],
            filter_name=attrs.get("segment"),
            send_rate=attrs.get("send_rate"),
            campaign=_code_of(ctx, Address("campaign", entity.app, attrs.get("campaign") or "")),
        )

    # createPreset returns no code (contract §6): the applier reads the codes back by name.
    codes_read_back = True

    def read_back_codes(self, api: Any, entities: list[Entity], ctx: ApplyContext) -> None:
        """One listPresets for all of them ([decided] names are unique within an application);
        a preset not listed keeps no code."""
        listed = api.list_presets(ctx.app_code(entities[0].app or "")).response["presets"]
        codes = {preset["name"]: preset["code"] for preset in listed}
        for entity in entities:
            if codes.get(entity.name):
                ctx.learn(entity.address, codes[entity.name])

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_preset(live.code)
        ctx.forget(live.address)


KIND = PresetKind()
