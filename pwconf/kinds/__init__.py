"""The registry of kinds, in dependency order (contract §10):

    application ─┬─ event
                 ├─ preset ──segment (name)──▶ segment ──expression──▶ tag, application
                 ├─ geozone_cluster
                 └─ geozone ──preset──▶ preset; ──cluster──▶ geozone_cluster
    tag (account)   segment (account, optionally bound to one application)

Creates and updates run top-down in REGISTRY order; deletes run bottom-up.
Adding a kind means adding its module and one line here.
"""

from __future__ import annotations

from pwconf.kinds import application, event, geozone, geozone_cluster, preset, segment, tag
from pwconf.kinds.base import Kind
from pwconf.model import KIND_ORDER

REGISTRY: dict[str, Kind] = {
    "application": application.KIND,
    "tag": tag.KIND,
    "event": event.KIND,
    "segment": segment.KIND,
    "preset": preset.KIND,
    "geozone_cluster": geozone_cluster.KIND,
    "geozone": geozone.KIND,
}
assert tuple(REGISTRY) == KIND_ORDER
