"""Presets: keyed by name within an application; the server assigns a code and returns none;
there is no update method, so any change is a replace (contract §6)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import Problem
from pwconf.kinds.base import (
    ApplyContext,
    Declared,
    Exporting,
    Field,
    Kind,
    LiveView,
    at,
    ordered,
    suggest,
)
from pwconf.model import Address, Entity

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

SEGMENT = "segment"
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


class PresetKind(Kind):
    name = "preset"
    fields = (
        Field("segment"),
        Field("platforms", coerce=_sorted_platforms, default=()),
        Field("content", coerce=lambda content: ordered(content, CONTENT_WIRE_NAMES), default={}),
        Field("send_rate", coerce=int),
        Field("campaign", wire="campaignCode", points_at="campaign"),
    )
    export_order = ("segment", "campaign", "platforms", "content", "send_rate")
    app_scoped = True
    replaced_on_change = True
    code_assigned_by_server = True
    needs_detail = True
    follow_reason = "points at a replaced campaign, which gets a new code"

    def check(self, declared: Declared) -> Iterator[Problem]:
        """A preset's segment is declared, and bound to no other application."""
        for preset in declared.of_kind(self.name):
            name = preset.attrs["segment"]
            if name is None:
                continue
            uses = f"preset {preset.name!r} of application {preset.app!r} uses segment {name!r}"
            segment = declared.entities.get(Address(SEGMENT, None, name))
            bound = segment.attrs["application"] if segment else None
            position = at(preset, "segment")
            if not declared.is_declared(SEGMENT, None, name):
                hint = suggest(name, declared.names(SEGMENT))
                yield Problem(f"{uses}, which is not declared under `segments:`{hint}", position)
            elif bound is not None and bound != preset.app:
                yield Problem(f"{uses}, which is bound to application {bound!r}", position)

    def from_manifest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The platforms in the order written: sent so."""
        return {**self.normalize(body), "platforms": list(body["platforms"])}

    def references(self, entity: Entity) -> list[Address]:
        refs = super().references(entity)
        if entity.attrs.get("segment"):
            refs.append(Address(SEGMENT, None, entity.attrs["segment"]))
        return refs

    def export(self, entity: Entity, export: Exporting) -> dict[str, Any] | None:
        """Content and platforms as read, with warnings where they will not validate."""
        attrs = dict(entity.attrs)
        attrs["content"] = ordered(attrs.get("content") or {}, CONTENT_WIRE_NAMES) or None
        attrs["platforms"] = attrs.get("platforms") or None
        where = f"preset {entity.app}/{entity.name}"
        bad = [p for p in attrs["platforms"] or [] if p.startswith("platform-")]
        if bad:
            noun = "id" if len(bad) == 1 else "ids"
            export.warnings.append(
                f"{where}: unknown platform {noun} {', '.join(bad)}: written as read; "
                "fix them by hand"
            )
        segment = Address(SEGMENT, None, attrs.get("segment") or "")
        if segment.name and segment not in export.written:
            why = export.left_out.get(segment, "it is not in the account")
            export.warnings.append(
                f"{where} uses segment {segment.name!r}, which was not written ({why}): "
                "declare it under `segments:`, or the export will not validate"
            )
        return super().export(replace(entity, attrs=attrs), export)

    def list_read(self, app_code: str | None) -> Read:
        return Reads.list_presets(app_code)

    def detail_read(self, raw: dict[str, Any]) -> Read:
        return Reads.get_preset(raw["code"], listed_row=raw)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        content = raw.get("content") or {}
        segmentation = raw.get("segmentation") or {}
        platforms = segmentation.get("platforms") or []
        record = {
            **raw,
            "segment": segmentation.get("filter") or None,
            "platforms": [PLATFORM_NAMES.get(p, f"platform-{p}") for p in platforms],
            "content": {
                key: content[wire]
                for key, wire in CONTENT_WIRE_NAMES.items()
                if content.get(wire) is not None
            },
            "send_rate": (raw.get("scheduling") or {}).get("sendRate"),
        }
        return super().to_entity(record, app, view)

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        api.create_preset(
            ctx.app_code(entity.app),
            entity.name,
            {CONTENT_WIRE_NAMES[k]: v for k, v in attrs["content"].items()},
            [PLATFORM_IDS[p] for p in attrs["platforms"]],
            filter_name=attrs.get("segment"),
            send_rate=attrs.get("send_rate"),
            campaign=self.wire(entity, ctx, ["campaign"])["campaignCode"],
        )

    # createPreset returns no code (contract §6): the applier reads the codes back by name.
    codes_read_back = True

    def read_back_codes(self, api: Any, entities: list[Entity], ctx: ApplyContext) -> None:
        """One listPresets for all of them ([decided] names are unique within an application);
        a preset not listed keeps no code."""
        listed = api.list_presets(ctx.app_code(entities[0].app)).response["presets"]
        codes = {preset["name"]: preset["code"] for preset in listed}
        for entity in entities:
            if codes.get(entity.name):
                ctx.codes[entity.address] = codes[entity.name]

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_preset(live.code)


KIND = PresetKind()
