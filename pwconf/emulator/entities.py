"""The emulator's stored things: tokens, applications (with their clusters, campaigns and
geozones) and accounts, and the constants a fresh store starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SNAPSHOT_FORMAT = "pwconf-emulator/1"
DEFAULT_TOKEN = "emulator-token"
DEFAULT_ACCOUNT_NAME = "default"

# (name, type code, application-specific) [decided: contract §3 names them, the types are ours].
DEFAULT_TAGS: tuple[tuple[str, int, bool], ...] = (
    ("Language", 2, False),
    ("Country", 2, False),
    ("City", 2, False),
    ("Timezone", 2, False),
    ("Application Version", 7, True),
    ("Last Application Open", 4, True),
    ("First Install", 4, True),
    ("Device Model", 2, False),
    ("OS Version", 7, False),
    ("Push Alerts Enabled", 5, True),
)

GEOZONE_FIELDS = (
    "name", "lat", "lng", "cooldown", "range", "content", "presetCode", "cluster", "campaign",
    "timetable",
)


class StoreError(ValueError):
    """A snapshot or helper argument the store cannot accept."""


@dataclass(slots=True, eq=False)
class Token:
    token: str
    account_id: str
    applications: set[str] | None = None  # None: every application of the account

    def allows(self, application_code: str) -> bool:
        return self.applications is None or application_code in self.applications


@dataclass(slots=True, eq=False)
class Application:
    code: str
    account_id: str
    title: str
    sdk_ios: str = "pw"
    sdk_android: str = "pw"
    icon: str | None = None
    authorize_all_tokens: bool = False
    suspended: bool = False
    providers: dict[str, bool] = field(default_factory=lambda: {"ios": False, "android": False})
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)  # by code
    preset_codes_by_name: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)  # by code
    cluster_codes_by_name: dict[str, str] = field(default_factory=dict)
    geozones: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id
    geozone_ids_by_name: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)  # by code, in order

    # Clusters and geozones live only inside their application, so their indexes live here.
    def put_cluster(self, cluster: dict[str, Any]) -> None:
        self.clusters[cluster["code"]] = cluster
        self.cluster_codes_by_name[cluster["name"]] = cluster["code"]

    def drop_cluster(self, code: str) -> None:
        cluster = self.clusters.pop(code)
        self.cluster_codes_by_name.pop(cluster["name"], None)
        for geozone in list(self.geozones.values()):
            if geozone["cluster"] == code:
                self.put_geozone({**geozone, "cluster": None})

    def drop_campaign(self, code: str) -> None:
        """Forget a campaign; presets and geozones that pointed at it point at none."""
        del self.campaigns[code]
        for preset in self.presets.values():
            if preset.get("campaignCode") == code:
                preset["campaignCode"] = None
        for geozone in list(self.geozones.values()):
            if geozone["campaign"] == code:
                self.put_geozone({**geozone, "campaign": None})

    def put_geozone(self, geozone: dict[str, Any]) -> None:
        old = self.geozones.get(geozone["id"])
        if old is not None and old["name"] != geozone["name"]:
            self.geozone_ids_by_name.pop(old["name"], None)
        self.geozones[geozone["id"]] = geozone
        self.geozone_ids_by_name[geozone["name"]] = geozone["id"]

    def drop_geozone(self, geozone_id: int) -> None:
        geozone = self.geozones.pop(geozone_id)
        self.geozone_ids_by_name.pop(geozone["name"], None)


@dataclass(slots=True, eq=False)
class Account:
    id: str
    name: str
    suspended: bool = False
    over_plan: bool = False
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    applications: dict[str, Application] = field(default_factory=dict)  # by code, in order
