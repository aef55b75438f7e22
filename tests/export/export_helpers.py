"""Helpers of the export tests: seeding an emulator account over its HTTP API, reading exports.

Imported by name (`from export_helpers import ...`): pytest puts this folder on sys.path.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from pwconf.api.pushwoosh import Pushwoosh
from pwconf.cli.main import cli
from pwconf.kinds.tag import TAG_TYPES as KIND_TAG_TYPES

# Credentials configured on the seeded applications: none of these bytes may reach an export.
IOS_PASSWORD = "xyzzy-p12-password-7Q2"
IOS_KEY_FILE = b"-----p12 key bytes QUUX-0042-----"
FCM_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvFROBNICATE9981\n-----END PRIVATE KEY-----\n"
SECRETS = (
    IOS_PASSWORD,
    IOS_KEY_FILE.decode(),
    base64.b64encode(IOS_KEY_FILE).decode(),
    "MIIEvFROBNICATE9981",
)

# Tag type name -> its code on the wire.
TAG_TYPES = {name: tag_type.code for name, tag_type in KIND_TAG_TYPES.items()}


def invoke(*args: object, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def configure_credentials(api: Pushwoosh, code: str) -> None:
    api.configure_application(
        code,
        1,
        ios_key_management_type="manual",
        ios_key_file=base64.b64encode(IOS_KEY_FILE).decode(),
        ios_key_password=IOS_PASSWORD,
        ios_gateway=1,
    )
    api.configure_application(
        code,
        3,
        android_fcm_service_account={
            "type": "service_account",
            "project_id": "shop-push",
            "private_key": FCM_PRIVATE_KEY,
            "client_email": "push@shop-push.iam.gserviceaccount.com",
        },
    )


def seed_everything(api: Pushwoosh) -> dict[str, Any]:
    """An account holding every kind, and the traps: returns the codes and the counts seeded."""
    shop = api.create_application("Shop", sdk_ios="pw", sdk_android="pw").response["application"]
    blog = api.create_application("Blog", sdk_ios="corona").response["application"]
    twin = api.create_application("Shop Twin").response["application"]
    game = api.create_application("2048 Game!").response["application"]  # handle app-2048-game
    configure_credentials(api, shop)

    tags = {
        "Age": ("integer", False),
        "Plan": ("string", False),
        "Interests": ("list", False),
        "Birthday": ("date", False),
        "Subscribed": ("boolean", False),
        "LTV": ("decimal", False),
        "Build": ("version", True),
        "Favorite Team": ("string", True),
        "yes": ("string", False),  # YAML 1.1 reads a bare yes as true
        "0123": ("integer", False),
    }
    for name, (type_name, app_specific) in tags.items():
        api.add_tag(name, TAG_TYPES[type_name], application_specific=app_specific)

    segments = {
        "adults": ('T("Age", GTE, 18)', None, None),
        "gold-ios": (f'A("{shop}", ["iOS"]) * T("Plan", EQ, "gold")', shop, "2099-12-31"),
        "blog-fans": (f'AT("{blog}", "Favorite Team",  eq, "Reds") + A("{game}")', blog, None),
        "sloppy": (
            't("Age",lte,65)  *  (T("yes", EQ, "yes") + T("Subscribed", eq, true))',
            None,
            None,
        ),
        "no": ('T("Interests", IN, ["no", "on", "0123"])', None, None),
    }
    for name, (expression, application, expires) in segments.items():
        api.create_filter(name, expression, application=application, expiration_date=expires)

    api.create_preset(
        shop,
        "welcome",
        {
            "message": {"en": "Welcome!", "de": "Willkommen!"},
            "title": "Shop",
            "action": {"type": "url", "options": {"url": "https://example.com/welcome?a=1#x"}},
            "userData": {"campaign": "spring", "nested": {"list": [1, "yes", {"k": "0123"}]}},
        },
        [1, 3],
        filter_name="adults",
        send_rate=500,
    )
    api.create_preset(shop, "0123", {"message": "0123"}, [1], filter_name="gold-ios")
    api.create_preset(shop, "plain", {"message": "Line one\nline two: yes # no"}, [3, 11])
    api.create_preset(blog, "digest", {"message": "New posts"}, [3], filter_name="blog-fans")
    cluster = api.add_cluster(shop, "downtown", 3600).response["GeoZoneCluster"]
    api.add_cluster(blog, "campus", 600)
    welcome_code = api.find_preset_code(shop, "welcome")
    api.add_geozones(
        shop,
        [
            {
                "name": "flagship",
                "lat": 40.7128,
                "lng": -74.006,
                "range": 200,
                "cooldown": 3600,
                "presetCode": welcome_code,
                "cluster": cluster,
            },
            {
                "name": "outlet",
                "lat": 52.5,
                "lng": 13.4,
                "range": 1000,
                "cooldown": 60,
                "content": {"en": "Sale!", "de": "Ausverkauf!"},
            },
        ],
    )
    api.add_geozones(
        blog,
        [
            {
                "name": "library",
                "lat": -33.87,
                "lng": 151.21,
                "range": 50,
                "cooldown": 0,
                "content": "Read here",
            }
        ],
    )
    api.create_event(shop, "Purchase", description="Completed order", track_revenue=True)
    return {
        "codes": {"shop": shop, "blog": blog, "shop-twin": twin, "app-2048-game": game},
        "counts": {
            "application": 4,
            "tag": len(tags),
            "segment": len(segments),
            "preset": 4,
            "geozone_cluster": 2,
            "geozone": 3,
            "event": 0,
        },
        "tags": tags,
    }


def load_export(out: Path) -> dict[str, Any]:
    """Every exported file merged into one dict (applications by handle)."""
    merged: dict[str, Any] = {"tags": {}, "segments": {}, "applications": {}}
    for path in sorted(out.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in merged:
            merged[key].update(data.get(key) or {})
    return merged


def count_kinds(merged: dict[str, Any]) -> dict[str, int]:
    apps = merged["applications"].values()
    return {
        "application": len(merged["applications"]),
        "tag": len(merged["tags"]),
        "segment": len(merged["segments"]),
        "preset": sum(len(a.get("presets") or {}) for a in apps),
        "geozone_cluster": sum(len(a.get("geozone_clusters") or {}) for a in apps),
        "geozone": sum(len(a.get("geozones") or {}) for a in apps),
        "event": sum(len(a.get("events") or {}) for a in apps),
    }


def plan_json(stdout: str) -> dict[str, Any]:
    return json.loads(stdout)
