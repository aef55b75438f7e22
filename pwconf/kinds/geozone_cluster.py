"""Geozone clusters: keyed by name within an application; server code; no update (§7)."""

from __future__ import annotations

from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.kinds.base import ApplyContext, Field, Kind
from pwconf.model import Entity


class GeozoneClusterKind(Kind):
    name = "geozone_cluster"
    fields = (Field("cooldown", coerce=int),)
    app_scoped = True
    replaced_on_change = True
    code_assigned_by_server = True

    def list_read(self, app_code: str | None) -> Read:
        return Reads.list_clusters(app_code)

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        app_code = ctx.app_code(entity.app)
        result = api.add_cluster(app_code, entity.name, entity.attrs["cooldown"])
        ctx.codes[entity.address] = result.response["GeoZoneCluster"]

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_cluster(ctx.app_code(live.app), live.code)


KIND = GeozoneClusterKind()
