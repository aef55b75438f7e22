"""Benchmark worlds: one consistent account per profile, as manifests AND as an emulator snapshot.

`generate(profile)` builds a `World` (plain dicts, manifest vocabulary, plus the wire form of
every entity and its server-assigned code). From it:

- `write_manifests(world, folder)` writes a file per application plus `account.yaml` (settings,
  tags, segments), `version: 1` at the top of each (manifest-format.md);
- `snapshot(world)` is the same content in the emulator's snapshot format (store.load), written
  the way pwconf itself would have created it (filter expressions with quoted application codes,
  wire names, platform ids, type codes), so a plan of the unchanged account is empty;
- `change(world, fraction)` is a copy of the world with about `fraction` of the entities
  changed (geozone updates; replaced presets, clusters, tags and segments; creates; deletes
  through `settings.prune`), for the apply measurement.

Events cannot be read back: the run seeds pwconf's state file with them (see plan_worker.py).
Everything is deterministic for a given profile and seed. No pwconf import here: the generator
is a second, independent statement of the contract.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Profile:
    name: str
    apps: int
    entities: int  # every desired entity, applications included


PROFILES: dict[str, Profile] = {
    "small": Profile("small", apps=1, entities=100),
    "medium": Profile("medium", apps=10, entities=10_000),
    "large": Profile("large", apps=50, entities=100_000),
}

# Share of the non-application entities per kind (every kind is present in every profile).
SHARES: dict[str, float] = {
    "tag": 0.05,
    "segment": 0.05,
    "event": 0.10,
    "preset": 0.10,
    "geozone_cluster": 0.05,
    "geozone": 0.65,
}
APP_KINDS = ("event", "preset", "geozone_cluster", "geozone")
PRUNE = ["tags", "segments", "presets", "geozone_clusters", "geozones"]

TAG_TYPES = ("integer", "string", "boolean", "list", "decimal", "date", "version")
TAG_CODES = {
    name: i
    for i, name in enumerate(
        ("integer", "string", "list", "date", "boolean", "decimal", "version"), start=1
    )
}
EVENT_ATTR_CODES = {"integer": 1, "string": 2, "list": 3, "date": 4, "boolean": 5, "price": 6}
PLATFORM_IDS = {
    "iOS": 1,
    "Android": 3,
    "macOS": 7,
    "Windows": 8,
    "Amazon": 9,
    "Safari": 10,
    "Chrome": 11,
    "Firefox": 12,
}
CONTENT_WIRE = {
    "message": "message",
    "title": "title",
    "subtitle": "subtitle",
    "action": "action",
    "user_data": "userData",
    "properties": "properties",
}
PAGE_SIZE = 100  # getApplications [decided in the contract]


class YDate(str):
    """A date written as a plain YAML scalar (`2027-06-30`), as manifest-format.md shows it."""


@dataclass
class App:
    handle: str
    title: str
    code: str
    adopt: bool  # `code:` in the manifest; else matched by title
    sdk_ios: str | None = None
    sdk_android: str | None = None
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)  # + "_code"
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)  # + "_code"
    geozones: dict[str, dict[str, Any]] = field(default_factory=dict)  # + "_id"


@dataclass
class World:
    profile: Profile
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)  # + "_wire", "_code"
    apps: dict[str, App] = field(default_factory=dict)
    unmanaged_app_code: str = ""
    seed: int = 0

    def counts(self) -> dict[str, int]:
        counts = {
            "application": len(self.apps),
            "tag": len(self.tags),
            "segment": len(self.segments),
            "event": sum(len(a.events) for a in self.apps.values()),
            "preset": sum(len(a.presets) for a in self.apps.values()),
            "geozone_cluster": sum(len(a.clusters) for a in self.apps.values()),
            "geozone": sum(len(a.geozones) for a in self.apps.values()),
        }
        counts["total"] = sum(counts.values())
        return counts

    def account_applications(self) -> int:
        return len(self.apps) + 1  # the unmanaged one too: it is listed by getApplications

    def required_plan_calls(self) -> dict[str, int]:
        """The fewest calls the contract allows for a full plan (contract §2-§8).

        getApplications once per page; listTags; listFilters (account-wide); per managed
        application getApplication, listPresets, listGeoZoneClusters, listGeoZones, and
        getCampaigns once per page (the profiles make no campaign: one page); and one getPreset
        per preset (listPresets carries only code and name). Events: no read exists.
        """
        pages = max(1, math.ceil(self.account_applications() / PAGE_SIZE))
        apps = len(self.apps)
        presets = sum(len(a.presets) for a in self.apps.values())
        calls = {
            "getApplications": pages,
            "listTags": 1,
            "listFilters": 1,
            "getApplication": apps,
            "listPresets": apps,
            "listGeoZoneClusters": apps,
            "listGeoZones": apps,
            "getCampaigns": apps,
            "getPreset": presets,
        }
        calls["total"] = sum(calls.values())
        return calls

    def critical_path(self) -> int:
        """Round trips that must follow each other: getApplications page 1 (→ pages 2..N)
        → listPresets → getPreset."""
        pages = max(1, math.ceil(self.account_applications() / PAGE_SIZE))
        depth = 1 + (1 if pages > 1 else 0) + 1
        if any(a.presets for a in self.apps.values()):
            depth += 1
        return depth


# --- identities ------------------------------------------------------------------------------


class Codes:
    """Deterministic `XXXXX-XXXXX` codes (the schema's pattern), never repeated."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.n = 0
        self.used: set[str] = set()

    def new(self, label: str) -> str:
        while True:
            self.n += 1
            h = hashlib.sha256(f"{self.seed}:{label}:{self.n}".encode()).hexdigest().upper()
            code = f"{h[:5]}-{h[5:10]}"
            if code not in self.used:
                self.used.add(code)
                return code


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def kind_counts(profile: Profile) -> dict[str, int]:
    rest = profile.entities - profile.apps
    counts = {kind: max(1, int(rest * share)) for kind, share in SHARES.items()}
    counts["geozone"] += rest - sum(counts.values())
    return counts


# --- generation ------------------------------------------------------------------------------


def generate(profile: Profile | str, seed: int = 7) -> World:
    profile = PROFILES[profile] if isinstance(profile, str) else profile
    rng = random.Random(f"{profile.name}:{seed}")
    codes = Codes(seed)
    world = World(profile, seed=seed)
    counts = kind_counts(profile)

    for i in range(1, profile.apps + 1):
        handle = f"app{i:03d}"
        world.apps[handle] = App(
            handle=handle,
            title=f"Bench App {i:03d}",
            code=codes.new(handle),
            adopt=i % 2 == 0,
            sdk_ios="pw" if i % 3 == 0 else None,
            sdk_android="phonegap" if i % 5 == 0 else None,
        )
    world.unmanaged_app_code = codes.new("legacy")

    _make_tags(world, counts["tag"])
    _make_app_entities(world, counts, rng, codes, events_only=True)
    _make_segments(world, counts["segment"], rng, codes)
    _make_app_entities(world, counts, rng, codes, events_only=False)
    return world


def _make_tags(world: World, count: int) -> None:
    for i in range(1, count + 1):
        type_name = TAG_TYPES[(i - 1) % len(TAG_TYPES)]
        spec: dict[str, Any] = {"type": type_name}
        if i % 4 == 0:
            spec["application_specific"] = True
        if i % 5 == 0:
            spec["user_specific"] = True
        elif i % 7 == 0:
            spec["user_specific"] = False  # written explicitly: same as the default
        world.tags[f"{type_name} tag {i:05d}"] = spec


def _referenced_share(items: list[str]) -> list[str]:
    """The first 80%: what other entities may point at; the rest stays free to delete."""
    return items[: max(1, int(len(items) * 0.8))] if items else []


def _tag_pools(world: World) -> dict[tuple[str, bool], list[str]]:
    names = _referenced_share(list(world.tags))
    pools: dict[tuple[str, bool], list[str]] = {}
    for name in names:
        spec = world.tags[name]
        pools.setdefault((spec["type"], bool(spec.get("application_specific"))), []).append(name)
    return pools


def _q(text: str) -> str:
    return json.dumps(text)


# Each template: (needs, manifest text, wire text). Wire text is what pwconf sends on create
# (canonical, @handle replaced by the quoted code) or, for a few, a terser spelling of it, as
# another client might have created it. {h}/{code} are the segment's application.
SEGMENT_TEMPLATES: list[tuple[tuple[tuple[str, bool], ...], str, str]] = [
    ((("integer", False),), "T({i}, GTE, {n})", "T({i}, GTE, {n})"),
    (
        (("string", False),),
        'A(@{h}, ["iOS", "Android"]) * T({s}, EQ, "gold")',
        'A("{code}", ["iOS", "Android"]) * T({s}, EQ, "gold")',
    ),
    (
        (("string", True), ("boolean", False)),
        'AT(@{h}, {sa}, IN, ["x", "y"]) + T({b}, EQ, true)',
        'AT("{code}", {sa}, IN, ["x", "y"]) + T({b}, EQ, true)',
    ),
    (
        (("integer", False),),
        "t({i},between,[1,{n}])   *(A(@{h}))",
        'T({i}, BETWEEN, [1, {n}]) * A("{code}")',
    ),
    ((("integer", False),), 'A("{legacy}") \\ T({i}, LTE, {n})', 'A("{legacy}")\\T({i},LTE,{n})'),
    (
        (("decimal", False),),
        'T("Country", IN, ["US", "DE"]) * T({d}, GTE, 9.99)',
        'T("Country",IN,["US","DE"])*T({d},GTE,9.99)',
    ),
    ((("list", False),), 'T({l}, NOTIN, ["a", "b"])', 'T({l}, NOTIN, ["a", "b"])'),
    (
        (("date", False), ("version", False)),
        "(T({dt}, NOTSET) + T({v}, NOTSET)) * A(@{h})",
        '(T({dt}, NOTSET) + T({v}, NOTSET)) * A("{code}")',
    ),
    ((), "E({ev}, COUNT, GTE, 1) * A(@{h})", 'E({ev}, COUNT, GTE, 1) * A("{code}")'),
]
POOL_KEYS = {
    ("integer", False): "i",
    ("string", False): "s",
    ("string", True): "sa",
    ("boolean", False): "b",
    ("decimal", False): "d",
    ("list", False): "l",
    ("date", False): "dt",
    ("version", False): "v",
}
FALLBACK = ((), 'T("Country", EQ, "US") * A(@{h})', 'T("Country", EQ, "US") * A("{code}")')


def _make_segments(world: World, count: int, rng: random.Random, codes: Codes) -> None:
    pools = _tag_pools(world)
    handles = list(world.apps)
    for i in range(1, count + 1):
        handle = handles[(i - 1) % len(handles)]
        app = world.apps[handle]
        bound = i % 3 == 0
        needs, text, wire = SEGMENT_TEMPLATES[(i - 1) % len(SEGMENT_TEMPLATES)]
        if any(not pools.get(need) for need in needs) or ("{ev}" in text and not app.events):
            needs, text, wire = FALLBACK
        values: dict[str, Any] = {
            "h": handle,
            "code": app.code,
            "legacy": world.unmanaged_app_code,
            "n": rng.randint(2, 99),
        }
        for need in needs:
            values[POOL_KEYS[need]] = _q(rng.choice(pools[need]))
        if "{ev}" in text:
            values["ev"] = _q(rng.choice(list(app.events)))
        spec: dict[str, Any] = {"expression": text.format(**values)}
        if bound:
            spec["application"] = handle
        if i % 4 == 0:
            month = 1 + i % 12
            spec["expiration_date"] = YDate(f"2027-{month:02d}-15")
        spec["_wire"] = wire.format(**values)
        spec["_code"] = codes.new("filter")
        world.segments[f"segment-{i:05d}"] = spec


PRESET_CONTENTS = [
    lambda n: {"message": f"Hello {n}"},
    lambda n: {"message": {"en": f"Welcome {n}", "de": f"Willkommen {n}"}, "title": "Bench"},
    lambda n: {
        "message": f"Sale {n}",
        "title": "Shop",
        "subtitle": "Today only",
        "action": {"type": "url", "options": {"url": f"https://example.com/p/{n}"}},
    },
    lambda n: {"message": f"News {n}", "user_data": {"campaign": f"c{n}", "n": n}},
    lambda n: {
        "message": f"Open {n}",
        "action": {"type": "deepLink", "options": {"link": f"app://item/{n}"}},
    },
]
PLATFORM_SETS = [
    ["iOS", "Android"],
    ["Android"],
    ["iOS"],
    ["Chrome", "Safari", "Firefox"],
    ["Android", "iOS", "Windows"],
    ["Amazon", "macOS"],
]


def _make_app_entities(
    world: World, counts: dict[str, int], rng: random.Random, codes: Codes, *, events_only: bool
) -> None:
    handles = list(world.apps)
    per_app = {kind: _split(counts[kind], len(handles)) for kind in APP_KINDS}
    unbound = _referenced_share([n for n, s in world.segments.items() if "application" not in s])
    for index, handle in enumerate(handles):
        app = world.apps[handle]
        if events_only:
            for j in range(1, per_app["event"][index] + 1):
                app.events[f"evt_{handle}_{j:05d}"] = _event(j)
            continue
        bound = _referenced_share(
            [n for n, s in world.segments.items() if s.get("application") == handle]
        )
        usable = unbound + bound
        for j in range(1, per_app["preset"][index] + 1):
            content = PRESET_CONTENTS[j % len(PRESET_CONTENTS)](j)
            spec: dict[str, Any] = {}
            if usable and j % 7 != 0:
                spec["segment"] = rng.choice(usable)
            platforms = list(PLATFORM_SETS[j % len(PLATFORM_SETS)])
            if j % 2:
                platforms.reverse()  # order is not meaningful: pwconf sorts
            spec["platforms"] = platforms
            spec["content"] = content
            if j % 5 in (1, 3):
                spec["send_rate"] = 100 + (j * 37) % 901
            spec["_code"] = codes.new("preset")
            app.presets[f"preset-{j:05d}"] = spec
        for j in range(1, per_app["geozone_cluster"][index] + 1):
            app.clusters[f"cluster-{j:04d}"] = {
                "cooldown": [0, 60, 600, 3600][j % 4],
                "_code": codes.new("cluster"),
            }
        presets = _referenced_share(list(app.presets))
        clusters = _referenced_share(list(app.clusters))
        for j in range(1, per_app["geozone"][index] + 1):
            gz: dict[str, Any] = {
                "lat": round(rng.uniform(-80, 80), 4) if j % 10 else float(rng.randint(-80, 80)),
                "lng": round(rng.uniform(-179, 179), 4),
                "range": 50 + 10 * rng.randint(0, 95),
                "cooldown": [0, 60, 600, 3600, 86400][j % 5],
            }
            if presets and j % 10 < 7:
                gz["preset"] = rng.choice(presets)
            elif j % 2:
                gz["content"] = f"You are near spot {j}"
            else:
                gz["content"] = {"en": f"Near {j}", "fr": f"Près de {j}"}
            if clusters and j % 2 == 0:
                gz["cluster"] = rng.choice(clusters)
            app.geozones[f"geozone-{j:06d}"] = gz


def _event(j: int) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if j % 3:
        spec["description"] = f"Bench event {j}"
    if j % 4 == 0:
        spec["track_revenue"] = True
    attrs = [
        {"amount": "price", "sku": "string"},
        {"level": "integer"},
        {},
        {"tags": "list", "when": "date", "ok": "boolean"},
    ][j % 4]
    if attrs:
        spec["attributes"] = attrs
    return spec


# --- ids for the snapshot (geozone ids are numeric) -------------------------------------------


def assign_geozone_ids(world: World) -> None:
    next_id = 1
    for app in world.apps.values():
        for gz in app.geozones.values():
            gz["_id"] = next_id
            next_id += 1


# --- manifests -------------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _key(name: str) -> str:
    if _PLAIN_KEY.match(name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, YDate):
        return str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    raise TypeError(type(value))


def _public(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if not k.startswith("_")}


def write_manifests(world: World, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    written = [folder / "account.yaml"]
    lines = ["version: 1", "", "settings:", f"  prune: {_flow(PRUNE)}", "", "tags:"]
    lines += [f"  {_key(name)}: {_flow(spec)}" for name, spec in world.tags.items()]
    lines += ["", "segments:"]
    for name, spec in world.segments.items():
        lines.append(f"  {_key(name)}:")
        lines += [f"    {k}: {_flow(v)}" for k, v in _public(spec).items()]
    written[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    for handle, app in world.apps.items():
        lines = ["version: 1", "", "applications:", f"  {handle}:"]
        lines.append(f"    title: {_flow(app.title)}")
        if app.adopt:
            lines.append(f"    code: {_flow(app.code)}")
        for attr in ("sdk_ios", "sdk_android"):
            if getattr(app, attr):
                lines.append(f"    {attr}: {getattr(app, attr)}")
        if app.events:
            lines.append("    events:")
            lines += [f"      {_key(n)}: {_flow(s)}" for n, s in app.events.items()]
        if app.presets:
            lines.append("    presets:")
            for name, spec in app.presets.items():
                lines.append(f"      {_key(name)}:")
                lines += [f"        {k}: {_flow(v)}" for k, v in _public(spec).items()]
        if app.clusters:
            lines.append("    geozone_clusters:")
            lines += [f"      {_key(n)}: {_flow(_public(s))}" for n, s in app.clusters.items()]
        if app.geozones:
            lines.append("    geozones:")
            lines += [f"      {_key(n)}: {_flow(_public(s))}" for n, s in app.geozones.items()]
        path = folder / f"{handle}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


# --- emulator snapshot -----------------------------------------------------------------------


def snapshot(world: World) -> dict[str, Any]:
    """The world in the emulator's snapshot format (pwconf/emulator/store.py)."""
    assign_geozone_ids(world)
    apps = []
    for app in world.apps.values():
        preset_codes = {n: s["_code"] for n, s in app.presets.items()}
        cluster_codes = {n: s["_code"] for n, s in app.clusters.items()}
        apps.append(
            {
                "code": app.code,
                "title": app.title,
                "sdk_ios": app.sdk_ios or "pw",
                "sdk_android": app.sdk_android or "pw",
                "providers": {"ios": False, "android": False},
                "events": [_wire_event(name, spec) for name, spec in app.events.items()],
                "presets": [_wire_preset(name, spec) for name, spec in app.presets.items()],
                "clusters": [
                    {"code": s["_code"], "name": n, "cooldown": s["cooldown"]}
                    for n, s in app.clusters.items()
                ],
                "geozones": [
                    _wire_geozone(name, spec, preset_codes, cluster_codes)
                    for name, spec in app.geozones.items()
                ],
            }
        )
    apps.append({"code": world.unmanaged_app_code, "title": "Legacy App (not managed)"})
    filters = [
        {
            "code": spec["_code"],
            "name": name,
            "filter_expression": spec["_wire"],
            "expiration_date": str(spec["expiration_date"]) if "expiration_date" in spec else None,
            "application": world.apps[spec["application"]].code if "application" in spec else None,
        }
        for name, spec in world.segments.items()
    ]
    tags = [
        {
            "name": name,
            "type": TAG_CODES[spec["type"]],
            "application_specific": bool(spec.get("application_specific")),
            "user_specific": bool(spec.get("user_specific")),
        }
        for name, spec in world.tags.items()
    ]
    geozones = sum(len(a.geozones) for a in world.apps.values())
    return {
        "format": "pwconf-emulator/1",
        "seed": world.seed,
        "counters": {"geozone": geozones},
        "accounts": [
            {"id": "acc-1", "name": "bench", "tags": tags, "filters": filters, "applications": apps}
        ],
    }


def _wire_event(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "description": spec.get("description"),
        "eventAttributes": [
            {"name": n, "type": EVENT_ATTR_CODES[t]} for n, t in spec.get("attributes", {}).items()
        ],
        "trackRevenue": bool(spec.get("track_revenue")),
    }


def _wire_preset(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    segmentation: dict[str, Any] = {"platforms": [PLATFORM_IDS[p] for p in spec["platforms"]]}
    if spec.get("segment"):
        segmentation["filter"] = spec["segment"]
    return {
        "code": spec["_code"],
        "name": name,
        "campaignCode": None,
        "content": {CONTENT_WIRE[k]: v for k, v in spec["content"].items()},
        "scheduling": {"sendRate": spec["send_rate"]} if "send_rate" in spec else {},
        "segmentation": segmentation,
    }


def _wire_geozone(
    name: str, spec: dict[str, Any], presets: dict[str, str], clusters: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": spec["_id"],
        "name": name,
        "lat": spec["lat"],
        "lng": spec["lng"],
        "cooldown": spec["cooldown"],
        "range": spec["range"],
        "content": spec.get("content"),
        "presetCode": presets[spec["preset"]] if spec.get("preset") else None,
        "cluster": clusters[spec["cluster"]] if spec.get("cluster") else None,
        "campaign": None,
        "timetable": None,
    }


# --- the change for the apply measurement ----------------------------------------------------

CHANGE_MIX: dict[str, float] = {
    "geozone_update": 0.50,
    "preset_replace": 0.08,
    "geozone_cluster_replace": 0.02,
    "tag_replace": 0.04,
    "segment_replace": 0.06,
    "create": 0.15,
    "delete": 0.15,
}


def change(world: World, fraction: float = 0.01, seed: int = 11) -> tuple[World, dict[str, int]]:
    """A copy of `world` with about `fraction` of its entities changed; and what was done.

    At least one change of every sort, so the small profile changes more than 1%.
    """
    rng = random.Random(f"change:{world.profile.name}:{seed}")
    new = copy.deepcopy(world)
    target = round((world.counts()["total"] - len(world.apps)) * fraction)
    wanted = {sort: max(1, round(target * share)) for sort, share in CHANGE_MIX.items()}
    done: dict[str, int] = {}
    handles = list(new.apps)
    touched: set[tuple[str, ...]] = set()

    def pick(pool: list[tuple[str, ...]], n: int) -> list[tuple[str, ...]]:
        free = [key for key in pool if key not in touched]
        chosen = rng.sample(free, min(n, len(free)))
        touched.update(chosen)
        return chosen

    # what other entities point at (those must not be deleted)
    used_presets = {
        (h, gz["preset"])
        for h, a in new.apps.items()
        for gz in a.geozones.values()
        if gz.get("preset")
    }
    used_clusters = {
        (h, gz["cluster"])
        for h, a in new.apps.items()
        for gz in a.geozones.values()
        if gz.get("cluster")
    }
    used_segments = {
        p["segment"] for a in new.apps.values() for p in a.presets.values() if p.get("segment")
    }
    quoted = {
        json.loads(m)
        for s in new.segments.values()
        for m in re.findall(r'"(?:[^"\\]|\\.)*"', s["expression"])
    }
    used_tags = {name for name in new.tags if name in quoted}

    geozones = [(h, n) for h, a in new.apps.items() for n in a.geozones]
    for h, n in pick(geozones, wanted["geozone_update"]):
        gz = new.apps[h].geozones[n]
        gz["range"] = 50 + (gz["range"] + 130 - 50) % 951
        if rng.random() < 0.3:
            gz["cooldown"] = gz["cooldown"] + 30
    done["geozone updates"] = wanted["geozone_update"]

    presets = [(h, n) for h, a in new.apps.items() for n in a.presets if (h, n) in used_presets]
    chosen = pick(presets, wanted["preset_replace"])
    for h, n in chosen:
        content = new.apps[h].presets[n]["content"]
        message = content["message"]
        content["message"] = (
            {k: v + " (v2)" for k, v in message.items()}
            if isinstance(message, dict)
            else message + " (v2)"
        )
    done["preset replaces"] = len(chosen)

    clusters = [(h, n) for h, a in new.apps.items() for n in a.clusters if (h, n) in used_clusters]
    chosen = pick(clusters, wanted["geozone_cluster_replace"])
    for h, n in chosen:
        new.apps[h].clusters[n]["cooldown"] += 60
    done["geozone_cluster replaces"] = len(chosen)

    free_tags = [(n,) for n in new.tags if n not in used_tags]
    chosen = pick(free_tags, wanted["tag_replace"])
    for (n,) in chosen:
        spec = new.tags[n]
        spec["user_specific"] = not spec.get("user_specific", False)
    done["tag replaces"] = len(chosen)

    segments = [(n,) for n in new.segments]
    chosen = pick(segments, wanted["segment_replace"])
    for (n,) in chosen:
        new.segments[n]["expiration_date"] = YDate("2028-01-15")
    done["segment replaces"] = len(chosen)

    # creates: a chain across every level (tag → segment → preset → geozone, + event, cluster)
    creates = wanted["create"]
    per = max(1, creates // 6)
    for i in range(1, per + 1):
        handle = handles[i % len(handles)]
        app = new.apps[handle]
        tag = f"string tag new {i:04d}"
        new.tags[tag] = {"type": "string"}
        segment = f"segment-new-{i:04d}"
        new.segments[segment] = {"expression": f'T({_q(tag)}, EQ, "new") * A(@{handle})'}
        app.events[f"evt_new_{i:04d}"] = {
            "description": "created by the bench",
            "attributes": {"n": "integer"},
        }
        preset = f"preset-new-{i:04d}"
        app.presets[preset] = {
            "segment": segment,
            "platforms": ["iOS"],
            "content": {"message": f"New {i}"},
        }
        cluster = f"cluster-new-{i:04d}"
        app.clusters[cluster] = {"cooldown": 120}
        app.geozones[f"geozone-new-{i:04d}"] = {
            "lat": 10.5,
            "lng": 20.25,
            "range": 300,
            "cooldown": 60,
            "preset": preset,
            "cluster": cluster,
        }
    done["creates"] = per * 6

    # deletes (settings.prune): only what nothing else points at
    deletes = wanted["delete"]
    per = max(1, deletes // 5)
    removed = 0
    for h, n in pick(geozones, per):
        del new.apps[h].geozones[n]
        removed += 1
    free = [
        (h, n)
        for h, a in new.apps.items()
        for n in a.presets
        if (h, n) not in used_presets and not n.startswith("preset-new")
    ]
    for h, n in pick(free, per):
        del new.apps[h].presets[n]
        removed += 1
    free = [
        (h, n)
        for h, a in new.apps.items()
        for n in a.clusters
        if (h, n) not in used_clusters and not n.startswith("cluster-new")
    ]
    for h, n in pick(free, per):
        del new.apps[h].clusters[n]
        removed += 1
    free = [(n,) for n in new.segments if n not in used_segments and "-new-" not in n]
    for (n,) in pick(free, per):
        del new.segments[n]
        removed += 1
    free = [(n,) for n in new.tags if n not in used_tags and " new " not in n]
    for (n,) in pick(free, per):
        del new.tags[n]
        removed += 1
    done["deletes"] = removed
    done["total"] = sum(done.values())
    return new, done
