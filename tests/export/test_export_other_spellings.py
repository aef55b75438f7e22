"""Segments written by other tools (contract §11) exported, validated and planned: no changes.

The emulator is seeded over HTTP with the spellings of Pushwoosh's Python library and of its
documentation; what the real service may accept but pwconf cannot read is put into the
emulator's store directly (its API would refuse it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from export_helpers import TAG_TYPES, invoke, load_export

from pwconf.api.pushwoosh import Pushwoosh
from pwconf.emulator.server import EmulatorServer

GROUP = "GGGGG-00000"


def seed_other_spellings(api: Pushwoosh) -> str:
    """Segments as other tools write them; returns the application's code."""
    shop = api.create_application("Shop").response["application"]
    api.add_tag("Loyalty Level", TAG_TYPES["integer"])
    api.add_tag("Last Open", TAG_TYPES["date"])
    api.add_tag("Team", TAG_TYPES["string"], application_specific=True)
    written = {
        # Pushwoosh's Python library: capital platform constants, each pair in parentheses.
        "loyal": f'(A("{shop}", ["IOS", "ANDROID"]) * T("Loyalty Level", GTE, 3))',
        "lapsed": 'T("Last Open", lte, daysago(30))',
        "groups": f'G("{GROUP}", ["WINDOWS_PHONE"]) + A("{shop}", ["ios"], 1)',
        "strict": 'T("Loyalty Level", gt, 2) * t("Loyalty Level", lt, 10)',
        "fans": f'at("{shop}", "Team", eq, "Reds")',
    }
    for name, expression in written.items():
        api.create_filter(name, expression)
    return shop


def store_filter(server: EmulatorServer, name: str, expression: str) -> None:
    """A filter the service holds but pwconf cannot read (the emulator's API would refuse it)."""
    server.store.default_account.filters[name] = {
        "code": server.store.new_code(),
        "name": name,
        "filter_expression": expression,
        "expiration_date": None,
        "application": None,
    }


def export(out: Path) -> str:
    result = invoke("export", "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    return result.stderr


def plan_json(folder: Path) -> dict[str, Any]:
    validated = invoke("validate", folder)
    assert validated.exit_code == 0, validated.output + validated.stderr
    planned = invoke("plan", folder, "--json")
    assert planned.exit_code == 0, planned.output + planned.stderr
    return json.loads(planned.stdout)


def changes(plan: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(c['actions'])} {c['address']}" for c in plan["changes"]]


def test_export_writes_other_spellings_in_canonical_form_and_plans_no_changes(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seed_other_spellings(api)
    out = tmp_path / "export"
    export(out)
    exported = {name: s["expression"] for name, s in load_export(out)["segments"].items()}
    assert exported == {
        "loyal": 'A(@shop, ["iOS", "Android"]) * T("Loyalty Level", GTE, 3)',
        "lapsed": 'T("Last Open", LTE, "30 days ago")',
        "groups": f'G("{GROUP}", ["WindowsPhone"]) + A(@shop, ["iOS"], 1)',
        "strict": 'T("Loyalty Level", GT, 2) * T("Loyalty Level", LT, 10)',
        "fans": 'AT(@shop, "Team", EQ, "Reds")',
    }
    planned = invoke("plan", out, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output + planned.stderr
    assert changes(plan_json(out)) == []


def test_a_manifest_compares_equal_to_the_python_librarys_segment(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    shop = seed_other_spellings(api)
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "shop.yaml").write_text(
        f"version: 1\napplications:\n  shop: {{title: Shop, code: {shop}}}\n"
        "tags:\n  Loyalty Level: {type: integer}\n"
        "segments:\n"
        "  loyal:\n"
        '    expression: A(@shop, ["Android", "iOS"]) * T("Loyalty Level", gte, 3)\n'
    )
    planned = invoke("plan", manifests, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output + planned.stderr
    assert "No changes" in planned.stdout


def test_an_expression_pwconf_cannot_read_is_compared_as_text_and_said_once(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    api.add_tag("Age", TAG_TYPES["integer"])
    store_filter(account, "future", 'T("Age", GTE, 3) * S("a syntax of tomorrow")')
    store_filter(account, "later", 'V2(T("Age", EQ, 1))')
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "segments.yaml").write_text(
        "version: 1\ntags:\n  Age: {type: integer}\nsegments:\n"
        "  future: {expression: 'T(\"Age\", GTE, 3)'}\n"
        "  later: {expression: 'T(\"Age\", EQ, 1)'}\n"
    )
    plan = plan_json(manifests)
    assert changes(plan) == ["delete/create segment.future", "delete/create segment.later"]
    notes = [n["message"] for n in plan["notes"] if "compared" in n["message"]]
    assert notes == [
        "segments 'future', 'later': pwconf cannot read the expression the account holds, "
        "so it is compared with the manifests as text"
    ]
    text = invoke("plan", manifests)
    assert text.stdout.count("pwconf cannot read the expression") == 1


def test_export_leaves_out_what_validate_would_refuse_and_says_why(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    shop = api.create_application("Shop").response["application"]
    api.add_tag("Age", TAG_TYPES["integer"])
    api.create_filter("adults", 'T("Age", GTE, 18)')
    api.create_filter("gone", 'T("Age", GTE, 99)')
    api.create_preset(shop, "uses-unreadable", {"message": "a"}, [1], filter_name="adults")
    api.create_preset(shop, "uses-gone", {"message": "b"}, [1], filter_name="gone")
    store_filter(account, "adults", 'T("Age", GTE, 18) * S("tomorrow")')  # the same name
    del account.store.default_account.filters["gone"]  # deleted outside, still named by a preset
    store_filter(account, "untyped", 'T("Nobody", EQ, 1)')  # names a tag the account lacks

    out = tmp_path / "export"
    summary = export(out)
    assert load_export(out)["segments"] == {}
    assert "segment 'adults': pwconf cannot read its expression: expected a term" in summary
    assert "segment 'untyped': validate would refuse its expression: tag 'Nobody' is not" in summary
    assert (
        "preset shop/uses-unreadable uses segment 'adults', which was not written (pwconf "
        "cannot read its expression: " in summary
    )
    assert (
        "preset shop/uses-gone uses segment 'gone', which was not written (it is not in the "
        "account)" in summary
    )
    assert "application left out" not in summary
