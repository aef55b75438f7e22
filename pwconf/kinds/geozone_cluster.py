"""Geozone clusters: keyed by name within an application; server code; no update (§7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.kinds.base import REPLACE_ALL, ApplyContext, Kind, LiveView
from pwconf.model import Address, Entity


class GeozoneClusterKind(Kind):
    name = "geozone_cluster"
    export_order = ("cooldown",)
    app_scoped = True
    replace_fields = REPLACE_ALL
    code_assigned_by_server = True

    def normalize(self, attrs: Mapping[str, Any], view: LiveView | None = None) -> dict[str, Any]:
        return {"cooldown": int(attrs["cooldown"])}

    def list_read(self, app_code: str | None) -> Read:
        return Reads.list_clusters(app_code)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        address = Address("geozone_cluster", app, raw["name"])
        return Entity(address, {"cooldown": raw.get("cooldown")}, code=raw.get("code"))

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        app_code = ctx.app_code(entity.app or "")
        result = api.add_cluster(app_code, entity.name, entity.attrs["cooldown"])
        ctx.learn(entity.address, result.response["GeoZoneCluster"])

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_cluster(ctx.app_code(live.app or ""), live.code)
        ctx.forget(live.address)


KIND = GeozoneClusterKind()
