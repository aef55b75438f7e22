"""Hand-built plans for the renderer tests, and the golden-file fixture.

Golden files live in tests/render/golden/; regenerate them with
`PWCONF_UPDATE_GOLDEN=1 pytest tests/render` and review the diff before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pwconf.model import Address, Entity, Secret
from pwconf.plan import (
    ABSENT,
    KNOWN_AFTER_APPLY,
    SENSITIVE,
    Action,
    Change,
    FieldChange,
    Note,
    Plan,
)

GOLDEN_DIR = Path(__file__).parent / "golden"
SECRET_TEXT = "hunter2-secret"
LONG_MESSAGE = (
    "Our biggest sale of the year starts today: everything in the shop is half price until "
    "Sunday midnight, while stocks last."
)


def app(name: str) -> Address:
    return Address("application", None, name)


def scenario_plan() -> Plan:
    """Every kind and action, with drift, data loss, markers, a Secret, unmanaged and notes."""
    return Plan(
        changes=[
            Change(
                app("news"),
                Action.CREATE,
                "not in the account",
                after={
                    "title": "News",
                    "code": KNOWN_AFTER_APPLY,
                    "sdk_ios": "pw",
                    "ios": {"key_password": Secret(SECRET_TEXT), "gateway": "production"},
                },
            ),
            Change(
                app("shop"),
                Action.UPDATE,
                "title and credentials differ",
                before={"title": "Shop", "ios": {"key_password": SENSITIVE}},
                after={"title": "Shop EU", "ios": {"key_password": SENSITIVE}},
                fields=[
                    FieldChange("title", "Shop", "Shop EU"),
                    FieldChange("ios.key_password", SENSITIVE, Secret(SECRET_TEXT)),
                ],
                drift=True,
                live_code="ABCDE-12345",
            ),
            Change(
                Address("tag", None, "Age"),
                Action.CREATE,
                "",
                after={"type": "integer", "user_specific": False, "application_specific": False},
            ),
            Change(
                Address("tag", None, "Plan"),
                Action.REPLACE,
                "type is immutable",
                before={"type": "string", "user_specific": True},
                after={"type": "integer", "user_specific": True},
                fields=[FieldChange("type", "string", "integer", forces_replacement=True)],
                data_loss=True,
            ),
            Change(
                Address("event", "shop", "Purchase"),
                Action.UPDATE,
                "",
                before={"description": "Order", "attributes": {"amount": "price"}},
                after={
                    "description": "Completed order",
                    "attributes": {"amount": "price", "sku": "string"},
                },
                fields=[
                    FieldChange("description", "Order", "Completed order"),
                    FieldChange("attributes.sku", ABSENT, "string"),
                ],
                live_code="Purchase",
            ),
            Change(
                Address("segment", None, "gold-ios"),
                Action.CREATE,
                "",
                after={
                    "expression": 'A(@shop, ["iOS"]) * T("Plan", EQ, "gold")',
                    "application": "shop",
                    "expiration_date": None,
                },
                depends_on=(app("shop"), Address("tag", None, "Plan")),
            ),
            Change(
                Address("preset", "shop", "welcome"),
                Action.CREATE,
                "",
                after={
                    "segment": "adults",
                    "platforms": ["iOS", "Android"],
                    "content": {
                        "message": {"en": "Welcome!", "de": "Willkommen!"},
                        "title": "Shop",
                        "action": {"type": "url", "options": {"url": "https://example.com/w"}},
                    },
                    "send_rate": 500,
                    "code": KNOWN_AFTER_APPLY,
                },
                depends_on=(app("shop"),),
            ),
            Change(
                Address("preset", "shop", "sale"),
                Action.REPLACE,
                "presets cannot be updated",
                before={"platforms": ["iOS"], "content": {"message": "Sale!"}},
                after={"platforms": ["iOS", "Android"], "content": {"message": LONG_MESSAGE}},
                fields=[
                    FieldChange("platforms", ["iOS"], ["iOS", "Android"], forces_replacement=True),
                    FieldChange("content.message", "Sale!", LONG_MESSAGE, forces_replacement=True),
                ],
                live_code="1234-ABCD",
            ),
            Change(
                Address("geozone", "shop", "flagship"),
                Action.UPDATE,
                "",
                before={"range": 200, "lat": 40.7128, "cluster": None},
                after={"range": 300, "lat": 40.7128, "cluster": "downtown"},
                fields=[
                    FieldChange("range", 200, 300),
                    FieldChange("cluster", None, "downtown"),
                ],
                drift=True,
                live_code="77",
            ),
            Change(
                Address("geozone_cluster", "news", "center"),
                Action.CREATE,
                "",
                after={"cooldown": 3600, "code": KNOWN_AFTER_APPLY},
                depends_on=(app("news"),),
            ),
            Change(
                Address("geozone", "news", "hq"),
                Action.CREATE,
                "",
                after={
                    "lat": 52.52,
                    "lng": 13.405,
                    "range": 100,
                    "cooldown": 600,
                    "content": {"message": "Hello from HQ"},
                    "cluster": "center",
                },
                depends_on=(app("news"), Address("geozone_cluster", "news", "center")),
            ),
            Change(
                Address("geozone_cluster", "shop", "old-downtown"),
                Action.DELETE,
                "not in manifests and prune is on",
                before={"cooldown": 60},
                live_code="C-9",
            ),
            Change(
                Address("tag", None, "Legacy"),
                Action.DELETE,
                "not in manifests and prune is on",
                before={"type": "list"},
                data_loss=True,
            ),
        ],
        unchanged=17,
        unmanaged={
            "tags": [f"Tag{number:02d}" for number in range(1, 13)],
            "presets": ["shop/old-promo"],
        },
        notes=[
            Note(app("shop"), "android credentials are write-only; they are sent on every apply"),
            Note(None, "2 default tags (Language, Country) are never planned for deletion"),
        ],
        live_entities={
                Address("application", None, "shop"): Entity(
                    Address("application", None, "shop"), {}, code="ABCDE-12345"
                )
            },
        manifest_files=["pwconf.yaml"],
    )


def no_changes_plan() -> Plan:
    return Plan(
        unchanged=42,
        unmanaged={"segments": ["beta-testers"]},
        notes=[Note(Address("tag", None, "Age"), "type differs only in case; left alone")],
    )


@pytest.fixture
def scenario() -> Plan:
    return scenario_plan()


@pytest.fixture
def no_changes() -> Plan:
    return no_changes_plan()


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare a rendering with tests/render/golden/<name>, or rewrite it under
    PWCONF_UPDATE_GOLDEN=1."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get("PWCONF_UPDATE_GOLDEN") == "1":
            path.write_text(actual + "\n", encoding="utf-8")
            return
        assert path.exists(), f"{path} is missing: run PWCONF_UPDATE_GOLDEN=1 pytest tests/render"
        expected = path.read_text(encoding="utf-8")
        assert actual + "\n" == expected, f"{name} differs from its golden file"

    return check
