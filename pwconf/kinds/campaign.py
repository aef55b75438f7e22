"""Campaigns: keyed by name within an application; the server assigns a code; no update
method, so a changed description is a replace, and deleting one loses its statistics
(contract §8a). Presets and geozones point at them by code."""

from __future__ import annotations

from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.kinds.base import ApplyContext, Field, Kind
from pwconf.model import Entity


class CampaignKind(Kind):
    name = "campaign"
    fields = (Field("description", coerce=lambda text: text or None),)
    app_scoped = True
    replaced_on_change = True
    code_assigned_by_server = True
    data_loss_on_delete = "loses the campaign's aggregated statistics"

    def list_read(self, app_code: str | None) -> Read:
        return Reads.get_campaigns(app_code)

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        app_code = ctx.app_code(entity.app)
        result = api.create_campaign(app_code, entity.name, entity.attrs.get("description"))
        ctx.codes[entity.address] = result.response["campaign"]

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_campaign(live.code)


KIND = CampaignKind()
