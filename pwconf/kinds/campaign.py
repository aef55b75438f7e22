"""Campaigns: keyed by name within an application; the server assigns a code; no update
method, so a changed description is a replace, and deleting one loses its statistics
(contract §8a). Presets and geozones point at them by code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.kinds.base import REPLACE_ALL, ApplyContext, Kind, LiveView
from pwconf.model import Address, Entity


class CampaignKind(Kind):
    name = "campaign"
    export_order = ("description",)
    app_scoped = True
    replace_fields = REPLACE_ALL
    code_assigned_by_server = True
    data_loss_on_delete = "loses the campaign's aggregated statistics"

    def normalize(self, attrs: Mapping[str, Any], view: LiveView | None = None) -> dict[str, Any]:
        return {"description": attrs.get("description") or None}

    def list_read(self, app_code: str | None) -> Read:
        return Reads.get_campaigns(app_code)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        address = Address(self.name, app, raw["name"])
        return Entity(address, {"description": raw.get("description")}, code=raw["code"])

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        app_code = ctx.app_code(entity.app or "")
        result = api.create_campaign(app_code, entity.name, entity.attrs.get("description"))
        ctx.learn(entity.address, result.response["campaign"])

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_campaign(live.code)
        ctx.forget(live.address)


KIND = CampaignKind()
