"""The account of the per-kind tests (fixture `account` in conftest.py), and the round trip
every kind's tests run: manifest body → from_manifest → the kind's create (its wire payload,
over HTTP) → the fetch → to_entity → normalize, which must give back what the manifest asked
for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pwconf.api.pushwoosh import Pushwoosh
from pwconf.fetch import fetch_live
from pwconf.kinds import REGISTRY
from pwconf.kinds.base import ApplyContext
from pwconf.model import Address, DesiredState, Entity

APP = "shop"


@dataclass
class Account:
    api: Pushwoosh
    ctx: ApplyContext
    desired: DesiredState

    def create(self, kind_name: str, name: str, body: dict[str, Any]) -> Entity:
        """The entity the manifest body declares, created through its kind."""
        kind = REGISTRY[kind_name]
        address = Address(kind_name, APP if kind.app_scoped else None, name)
        entity = Entity(address, kind.from_manifest(body))
        kind.create(self.api, entity, self.ctx)
        if kind.codes_read_back:  # as the applier does once the level's creates are done
            kind.read_back_codes(self.api, [entity], self.ctx)
        self.desired.entities[address] = entity
        return entity

    def live(self, address: Address) -> Entity:
        """The entity as the fetch reads it back, normalised and completed from the state file
        as the planner compares it."""
        codes = dict(self.ctx.view.code_by_handle)
        fetched = fetch_live(self.api, self.desired, known_codes=codes, parallelism=2)
        kind = REGISTRY[address.kind]
        found = fetched.entities[address]
        found = Entity(address, kind.normalize(found.attrs, fetched.view), found.code)
        desired = kind.normalize(self.desired.entities[address].attrs)
        return Entity(address, dict(kind.complete_live(found, desired, self.ctx.state)), found.code)

    def round_trip(self, kind_name: str, name: str, body: dict[str, Any]) -> None:
        """Created from the manifest and read back, the entity compares equal."""
        entity = self.create(kind_name, name, body)
        kind = REGISTRY[kind_name]
        assert self.live(entity.address).attrs == kind.normalize(entity.attrs)
