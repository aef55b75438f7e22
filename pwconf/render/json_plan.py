"""The machine-readable plan (`pwconf plan --json`), its keys sorted.

`actions` follows Terraform: a replace is `["delete", "create"]`. `application` is the handle of
the application the entity belongs to (its own for an application; null for account-wide kinds).
Markers appear as their text ("(sensitive value)"), `ABSENT` as null. Secrets never appear.
"""

from __future__ import annotations

import json
from typing import Any

from pwconf.kinds import application_of
from pwconf.plan import FORMAT_VERSION, Change, FieldChange, Plan
from pwconf.render.values import json_value


def render_json(plan: Plan) -> str:
    """The plan as indented JSON, without a trailing newline."""
    return json.dumps(plan_to_dict(plan), indent=2, sort_keys=True, ensure_ascii=False)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "summary": {**plan.summary(), "unchanged": plan.unchanged},
        "changes": [change_to_dict(change) for change in plan.changes],
        "unmanaged": json_value(plan.unmanaged),
        "notes": [
            {"address": json_value(note.address), "message": note.message} for note in plan.notes
        ],
    }


def change_to_dict(change: Change) -> dict[str, Any]:
    address = change.address
    return {
        "address": str(address),
        "kind": address.kind,
        "application": application_of(address),
        "name": address.name,
        "actions": change.action.json_actions,
        "reason": change.reason,
        "before": json_value(change.before),
        "after": json_value(change.after),
        "changed_fields": [field_to_dict(field) for field in change.fields],
        "data_loss": change.data_loss,
        "drift": change.drift,
        "live_code": change.live_code,
        "depends_on": [str(dependency) for dependency in change.depends_on],
    }


def field_to_dict(field: FieldChange) -> dict[str, Any]:
    return {
        "path": field.path,
        "before": json_value(field.before),
        "after": json_value(field.after),
        "forces_replacement": field.forces_replacement,
    }
