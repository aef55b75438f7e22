"""Geozones: keyed by name within an application; numeric id from the server; updatable in
place with updateGeoZone (contract §8). They point at a preset and a cluster by code, which the
manifests name; a replaced preset or cluster means an update to its new code."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import (
    ArgumentError,
    BadRequest,
    OutcomeUnknown,
    Problem,
    PwconfError,
    UnreadableAnswer,
)
from pwconf.kinds.base import ApplyContext, Batch, Declared, Field, Kind, LiveView, unsendable
from pwconf.model import Entity


class GeozoneKind(Kind):
    name = "geozone"
    fields = (
        Field("lat", coerce=float),
        Field("lng", coerce=float),
        Field("range", coerce=int),
        Field("cooldown", coerce=int),
        Field("preset", wire="presetCode", points_at="preset"),
        Field("content"),
        Field("cluster", points_at="geozone_cluster"),
        Field("campaign", points_at="campaign"),
    )
    app_scoped = True
    code_assigned_by_server = True
    batched = True
    follow_reason = "points at a replaced preset, cluster or campaign, which gets a new code"

    def check(self, declared: Declared) -> Iterator[Problem]:
        for zone in declared.of_kind(self.name):
            preset, content = zone.attrs["preset"], zone.attrs["content"]
            if (preset is None) == (content is None):
                both = "both" if preset is not None else "neither"
                yield Problem(
                    f"geozone {zone.name!r} of application {zone.app!r} has {both} `preset:` "
                    "and `content:`; give exactly one",
                    zone.position,
                )

    def list_read(self, app_code: str | None) -> Read:
        return Reads.list_geozones(app_code)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        entity = super().to_entity({**raw, "code": str(raw["id"])}, app, view)
        if entity and not raw.get("cluster"):
            # listed under a cluster group known only by its name (api/shapes.py)
            entity.attrs["cluster"] = raw.get("clusterName")
        return entity

    def _create_wire(self, entity: Entity, ctx: ApplyContext) -> dict[str, Any]:
        wire = {k: v for k, v in self.wire(entity, ctx).items() if v is not None}
        return {"name": entity.name, **wire}

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        result = api.add_geozones(ctx.app_code(entity.app), [self._create_wire(entity, ctx)])
        ctx.codes[entity.address] = str(result.response["GeoZones"][0])

    def create_batch(self, api: Any, entities: list[Entity], ctx: ApplyContext) -> Batch:
        """One addGeoZone for all of them; its ids come back in request order (contract §8)."""
        batch, sent, wires = Batch(), [], []
        for entity in entities:
            try:
                wires.append(self._create_wire(entity, ctx))
                sent.append(entity)
            except (KeyError, TypeError, ValueError) as exc:
                batch.failed[entity.address] = unsendable(exc)
        if not sent:
            return batch
        app_code, missing = ctx.app_code(sent[0].app), ""
        try:
            ids: list[int | None] = api.add_geozones(app_code, wires).response["GeoZones"]
        except (ArgumentError, BadRequest):
            # refused as a whole for what one geozone holds: one by one tells which
            batch.one_by_one = [entity.address for entity in sent]
            return batch
        except (OutcomeUnknown, UnreadableAnswer) as exc:
            ids = self._found_ids(api, app_code, sent)
            missing = f"{exc.message}; not found by reading back"
        except PwconfError as exc:
            batch.failed.update({entity.address: exc.message for entity in sent})
            return batch
        for entity, geozone_id in zip(sent, ids, strict=True):
            if geozone_id is None:
                batch.failed[entity.address] = missing
            else:
                ctx.codes[entity.address] = str(geozone_id)
        return batch

    @staticmethod
    def _found_ids(api: Any, app_code: str, sent: list[Entity]) -> list[int | None]:
        """After an outcome the client could not settle: each geozone's id found by its name
        ([decided] unique within an application), so that one created is done and one missing
        fails without being sent again."""
        try:
            listed = api.list_geozones(app_code).response["geoZones"]
        except PwconfError:
            listed = []
        ids = {zone["name"]: zone["id"] for zone in listed}
        return [ids.get(entity.name) for entity in sent]

    def update(
        self, api: Any, desired: Entity, live: Entity, paths: Iterable[str], ctx: ApplyContext
    ) -> None:
        wire = self.wire(desired, ctx, {path.split(".")[0] for path in paths})
        api.update_geozone(ctx.app_code(desired.app), int(live.code or 0), **wire)

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        self.delete_batch(api, [live], ctx)

    def delete_batch(self, api: Any, entities: list[Entity], ctx: ApplyContext) -> Batch:
        # deleteGeoZone takes a list; one already gone is not an error (Pushwoosh.delete_geozones)
        ids = [int(entity.code or 0) for entity in entities]
        api.delete_geozones(ctx.app_code(entities[0].app), ids)
        return Batch()


KIND = GeozoneKind()
