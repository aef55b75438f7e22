"""The JSON plan: shape, markers, stable encoding."""

from __future__ import annotations

import json

from pwconf.model import Address
from pwconf.plan import ABSENT, KNOWN_AFTER_APPLY, SENSITIVE, Action, Change, FieldChange, Plan
from pwconf.render import plan_to_dict, render_json

TAG = Address("tag", None, "Age")


def test_document_has_the_documented_top_level_keys(scenario: Plan) -> None:
    document = json.loads(render_json(scenario))
    assert sorted(document) == ["changes", "format_version", "notes", "summary", "unmanaged"]
    assert document["format_version"] == "1"
    assert document["summary"] == {
        "add": 6,
        "change": 3,
        "replace": 2,
        "destroy": 2,
        "unchanged": 17,
    }


def test_saved_plan_data_is_left_out(scenario: Plan) -> None:
    text = render_json(scenario)
    assert "live_values" not in text
    assert "manifest_files" not in text
    assert "sha256:abc" not in text


def test_replace_is_delete_then_create(scenario: Plan) -> None:
    changes = {c["address"]: c for c in plan_to_dict(scenario)["changes"]}
    assert changes["tag.Plan"]["actions"] == ["delete", "create"]
    assert changes["tag.Age"]["actions"] == ["create"]
    assert changes["tag.Legacy"]["actions"] == ["delete"]


def test_change_fields() -> None:
    change = Change(
        Address("preset", "shop", "welcome"),
        Action.UPDATE,
        "why",
        before={"a": ABSENT},
        after={"a": KNOWN_AFTER_APPLY, "b": SENSITIVE},
        fields=[FieldChange("a", ABSENT, KNOWN_AFTER_APPLY, forces_replacement=True)],
        drift=True,
        live_code="XYZ",
        depends_on=(Address("application", None, "shop"),),
    )
    assert plan_to_dict(Plan(changes=[change]))["changes"][0] == {
        "address": "preset.shop.welcome",
        "kind": "preset",
        "application": "shop",
        "name": "welcome",
        "actions": ["update"],
        "reason": "why",
        "before": {"a": None},
        "after": {"a": "(known after apply)", "b": "(sensitive value)"},
        "changed_fields": [
            {
                "path": "a",
                "before": None,
                "after": "(known after apply)",
                "forces_replacement": True,
            }
        ],
        "data_loss": False,
        "drift": True,
        "live_code": "XYZ",
        "depends_on": ["application.shop"],
    }


def test_application_entity_belongs_to_its_own_application() -> None:
    change = Change(Address("application", None, "shop"), Action.CREATE, "")
    document = plan_to_dict(Plan(changes=[change, Change(TAG, Action.CREATE, "")]))
    assert [c["application"] for c in document["changes"]] == ["shop", None]


def test_encoding_is_stable_sorted_and_indented(scenario: Plan) -> None:
    text = render_json(scenario)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
    assert text == render_json(scenario)


def test_notes_and_unmanaged(scenario: Plan) -> None:
    document = plan_to_dict(scenario)
    assert document["notes"][0]["address"] == "application.shop"
    assert document["notes"][1]["address"] is None
    assert document["unmanaged"]["presets"] == ["shop/old-promo"]


def test_non_json_values_are_made_encodable() -> None:
    import datetime

    after = {"expiration_date": datetime.date(2027, 6, 30), "platforms": ("iOS",)}
    document = plan_to_dict(Plan(changes=[Change(TAG, Action.CREATE, "", after=after)]))
    assert document["changes"][0]["after"] == {
        "expiration_date": "2027-06-30",
        "platforms": ["iOS"],
    }
