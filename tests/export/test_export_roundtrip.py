"""`pwconf export` of an emulator account, then `validate` and `plan` of the export: no changes.

Everything runs over real loopback HTTP against the emulator (fixtures `account`, `emulator`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from export_helpers import (
    SECRETS,
    configure_credentials,
    count_kinds,
    invoke,
    load_export,
    seed_everything,
)

from pwconf.api.pushwoosh import Pushwoosh, Reads
from pwconf.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]


def export_to(out: Path, *args: str) -> tuple[list[str], str]:
    result = invoke("export", "--out", out, *args)
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout.splitlines(), result.stderr


def assert_no_changes(out: Path, *args: str) -> dict:
    validated = invoke("validate", out)
    assert validated.exit_code == 0, validated.output + validated.stderr
    planned = invoke("plan", out, "--detailed-exitcode", *args)
    assert planned.exit_code == 0, planned.output + planned.stderr
    as_json = invoke("plan", out, "--json", *args)
    assert as_json.exit_code == 0, as_json.stderr
    return json.loads(as_json.stdout)


def test_export_of_every_kind_plans_no_changes(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seeded = seed_everything(api)
    out = tmp_path / "export"
    files, summary = export_to(out)

    assert sorted(Path(f).name for f in files) == [
        "account.yaml",
        "app-app-2048-game.yaml",
        "app-blog.yaml",
        "app-shop-twin.yaml",
        "app-shop.yaml",
    ]
    merged = load_export(out)
    assert count_kinds(merged) == seeded["counts"]
    plan = assert_no_changes(out)
    assert plan["unmanaged"] in ({}, None, [])
    assert "Wrote 5 files" in summary


def test_export_writes_codes_handles_and_manifest_vocabulary(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seeded = seed_everything(api)
    codes = seeded["codes"]
    out = tmp_path / "export"
    export_to(out)
    merged = load_export(out)

    apps = merged["applications"]
    assert {h: a["code"] for h, a in apps.items()} == codes
    assert list(apps["shop"])[:4] == ["title", "code", "sdk_ios", "sdk_android"]
    assert apps["blog"]["sdk_ios"] == "corona"
    assert list(apps["shop"])[4:] == ["presets", "geozone_clusters", "geozones"]

    segments = merged["segments"]
    assert segments["gold-ios"] == {
        "expression": 'A(@shop, ["iOS"]) * T("Plan", EQ, "gold")',
        "application": "shop",
        "expiration_date": "2099-12-31",
    }
    assert segments["blog-fans"]["expression"] == (
        'AT(@blog, "Favorite Team", EQ, "Reds") + A(@app-2048-game)'
    )
    assert segments["sloppy"]["expression"] == (
        'T("Age", LTE, 65) * (T("yes", EQ, "yes") + T("Subscribed", EQ, true))'
    )
    for segment in segments.values():
        for code in codes.values():
            assert code not in segment["expression"]

    assert merged["tags"]["Build"] == {"type": "version", "application_specific": True}
    assert merged["tags"]["Age"] == {"type": "integer"}
    assert not {"Language", "Country", "City", "Push Alerts Enabled"} & set(merged["tags"])

    shop = apps["shop"]
    assert shop["presets"]["welcome"] == {
        "segment": "adults",
        "platforms": ["iOS", "Android"],
        "content": {
            "message": {"en": "Welcome!", "de": "Willkommen!"},
            "title": "Shop",
            "action": {"type": "url", "options": {"url": "https://example.com/welcome?a=1#x"}},
            "user_data": {"campaign": "spring", "nested": {"list": [1, "yes", {"k": "0123"}]}},
        },
        "send_rate": 500,
    }
    assert shop["geozones"]["flagship"] == {
        "lat": 40.7128,
        "lng": -74.006,
        "range": 200,
        "cooldown": 3600,
        "preset": "welcome",
        "cluster": "downtown",
    }
    assert shop["geozones"]["outlet"]["content"] == {"en": "Sale!", "de": "Ausverkauf!"}
    assert shop["geozone_clusters"] == {"downtown": {"cooldown": 3600}}
    assert "events" not in shop


def test_yaml_traps_load_back_as_strings(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seed_everything(api)
    out = tmp_path / "export"
    export_to(out)
    account_text = (out / "account.yaml").read_text()
    shop_text = (out / "app-shop.yaml").read_text()
    assert "\n  'yes':" in account_text and "\n  'no':" in account_text
    merged = load_export(out)
    assert "yes" in merged["tags"] and True not in merged["tags"]
    assert "0123" in merged["tags"] and 123 not in merged["tags"]
    assert "no" in merged["segments"] and False not in merged["segments"]
    presets = merged["applications"]["shop"]["presets"]
    assert presets["0123"]["content"]["message"] == "0123"
    assert presets["plain"]["content"]["message"] == "Line one\nline two: yes # no"
    assert presets["welcome"]["content"]["user_data"]["nested"]["list"] == [1, "yes", {"k": "0123"}]
    assert "message: '0123'" in shop_text


def test_every_file_has_the_modeline_and_says_what_is_missing(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seed_everything(api)
    out = tmp_path / "export"
    _, summary = export_to(out, "--schema-url", "https://example.com/pwconf.schema.json")
    for path in out.glob("*.yaml"):
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=https://example.com/pwconf.schema.json"
        if path.name.startswith("app-"):
            assert "no method to list events" in path.read_text()
    assert "events" in summary and "no method to list them" in summary
    assert "default tag" in summary
    assert "credentials of shop (ios, android)" in summary


def test_default_modeline_points_at_the_nearest_schema(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    schema = tmp_path / "repo" / "schemas" / "pwconf.schema.json"
    schema.parent.mkdir(parents=True)
    schema.write_text("{}")
    out = tmp_path / "repo" / "manifests" / "prod"
    _, summary = export_to(out)
    first = (out / "account.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/pwconf.schema.json"
    assert "--schema-url" not in summary

    lonely = tmp_path / "lonely"
    _, summary = export_to(lonely)
    first = (lonely / "account.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=schemas/pwconf.schema.json"
    assert "--schema-url" in summary


def test_export_never_writes_a_credential(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seed_everything(api)
    out = tmp_path / "export"
    files, summary = export_to(out)
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for secret in SECRETS:
        assert secret.encode() not in everything
        assert secret not in summary
        assert all(secret not in line for line in files)
    shop = (out / "app-shop.yaml").read_text()
    # The placeholders are there, commented out: the export loads without the secrets.
    assert "#   key_password: ${env:SHOP_IOS_KEY_PASSWORD}" in shop
    assert "#   key_file: ${file:secrets/shop.p12}" in shop
    assert "#   fcm_service_account: ${file:secrets/shop-fcm-service-account.json}" in shop
    data = yaml.safe_load(shop)["applications"]["shop"]
    assert "ios" not in data and "android" not in data
    assert "${" not in (out / "app-blog.yaml").read_text()  # nothing configured there


def test_uncommenting_the_credentials_plans_their_configuration(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commented block is a working template: uncommented, pwconf manages the credentials."""
    code = api.create_application("Shop").response["application"]
    configure_credentials(api, code)
    out = tmp_path / "export"
    export_to(out)
    path = out / "app-shop.yaml"
    lines = path.read_text().splitlines()
    start = lines.index("    # ios:")
    block = [line.replace("    # ", "    ", 1) for line in lines[start : start + 6]]
    path.write_text("\n".join(lines[:start] + block + lines[start + 6 :]) + "\n")
    (out / "secrets").mkdir()
    (out / "secrets" / "shop.p12").write_bytes(b"new key")
    (out / "secrets" / "shop-fcm-service-account.json").write_text('{"type": "service_account"}')
    monkeypatch.setenv("SHOP_IOS_KEY_PASSWORD", "new password")
    planned = invoke("plan", out, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output + planned.stderr
    assert "application.shop" in planned.stdout
    assert "new password" not in planned.stdout


def test_export_of_chosen_applications(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seeded = seed_everything(api)
    codes = seeded["codes"]
    out = tmp_path / "export"
    files, summary = export_to(out, "--app", codes["shop"], "--app", codes["shop-twin"])
    assert sorted(Path(f).name for f in files) == [
        "account.yaml",
        "app-shop-twin.yaml",
        "app-shop.yaml",
    ]
    merged = load_export(out)
    assert set(merged["applications"]) == {"shop", "shop-twin"}
    # blog-fans is bound to Blog, which was left out; the rest are account-wide or Shop's.
    assert set(merged["segments"]) == {"adults", "gold-ios", "sloppy", "no"}
    assert f"segment 'blog-fans': bound to application {codes['blog']}, which" in summary
    assert "2 other applications: not chosen with --app" in summary
    assert_no_changes(out)


def test_unknown_application_code_is_an_error(account: EmulatorServer, tmp_path: Path) -> None:
    result = invoke("export", "--out", tmp_path / "x", "--app", "NOPE0-00000")
    assert result.exit_code == 1
    assert "NOPE0-00000" in result.stderr and "no such application" in result.stderr
    assert not (tmp_path / "x").exists()


def test_refuses_to_overwrite_unless_forced(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    api.create_application("Shop")
    out = tmp_path / "export"
    export_to(out)
    (out / "account.yaml").write_text("version: 1\n# edited by hand\n")
    again = invoke("export", "--out", out)
    assert again.exit_code == 1
    assert "refusing to overwrite" in again.stderr and "--force" in again.stderr
    assert "edited by hand" in (out / "account.yaml").read_text()
    forced = invoke("export", "--out", out, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "edited by hand" not in (out / "account.yaml").read_text()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_other_manifests_in_the_folder_are_pointed_out(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "extra.yaml").write_text("version: 1\n")
    _, summary = export_to(out)
    assert "also holds other manifest files" in summary and "extra.yaml" in summary


def test_empty_account_exports_an_account_file(account: EmulatorServer, tmp_path: Path) -> None:
    out = tmp_path / "export"
    files, summary = export_to(out)
    assert [Path(f).name for f in files] == ["account.yaml"]
    assert yaml.safe_load((out / "account.yaml").read_text()) == {"version": 1}
    assert_no_changes(out)


def test_user_specific_comes_from_the_state_file(account: EmulatorServer, tmp_path: Path) -> None:
    """listTags never says user_specific; the state file of the apply that made the tag does."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "tags.yaml").write_text(
        "version: 1\ntags:\n  Plan: {type: string, user_specific: true}\n  Age: {type: integer}\n"
    )
    applied = invoke("apply", manifests, "--auto-approve")
    assert applied.exit_code == 0, applied.output + applied.stderr
    state = manifests / ".pwconf-state.json"
    assert state.exists()

    out = tmp_path / "export"
    _, summary = export_to(out, "--state", state)
    tags = load_export(out)["tags"]
    assert tags["Plan"] == {"type": "string", "user_specific": True}
    assert tags["Age"] == {"type": "integer"}
    assert "user_specific of" not in summary  # every flag was known
    assert_no_changes(out, "--state", str(state))

    blind = tmp_path / "blind"
    _, summary = export_to(blind)
    assert load_export(blind)["tags"]["Plan"] == {"type": "string"}
    assert "user_specific of 2 tags" in summary and "--state" in summary

    # Without --state, the state file in --out (where plan and apply keep it) is read.
    managed = tmp_path / "managed"
    managed.mkdir()
    shutil.copy(state, managed / ".pwconf-state.json")
    _, summary = export_to(managed)
    assert load_export(managed)["tags"]["Plan"] == {"type": "string", "user_specific": True}
    assert "user_specific of" not in summary

    missing = invoke("export", "--out", tmp_path / "x", "--state", tmp_path / "nope.json")
    assert missing.exit_code == 1 and "no such file" in missing.stderr


@pytest.mark.parametrize(
    "kind",
    ["application", "tag", "segment", "preset", "geozone_cluster", "geozone", "credentials"],
)
def test_round_trip_per_kind(
    kind: str, account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    """One kind at a time (with what it needs), so a broken kind is named by its test."""
    code = api.create_application("Solo App", sdk_android="phonegap").response["application"]
    if kind == "tag":
        api.add_tag("on", 5)
    if kind in ("segment", "preset"):
        api.add_tag("Score", 6)
        api.create_filter("high", f'A("{code}") * T("Score", GTE, 9.5)', application=code)
    if kind == "preset":
        api.create_preset(code, "p", {"message": "off"}, [1, 3, 7, 8, 9, 10, 11, 12], "high")
    if kind in ("geozone_cluster", "geozone"):
        api.add_cluster(code, "c", 10)
    if kind == "geozone":
        api.add_geozones(
            code,
            [
                {
                    "name": "z",
                    "lat": 0,
                    "lng": -180,
                    "range": 50,
                    "cooldown": 1,
                    "content": "hi",
                    "cluster": api.read(Reads.list_clusters(code)).response["clusters"][0]["code"],
                }
            ],
        )
    if kind == "credentials":
        configure_credentials(api, code)
    out = tmp_path / "export"
    export_to(out)
    assert_no_changes(out)
    written = load_export(out)
    if kind != "credentials":
        assert count_kinds(written)[kind] >= 1


def test_same_titles_get_distinct_handles_and_a_warning(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    first = api.create_application("Shop").response["application"]
    second = api.create_application("Shop").response["application"]
    out = tmp_path / "export"
    _, summary = export_to(out)
    apps = load_export(out)["applications"]
    assert {apps["shop"]["code"], apps["shop-2"]["code"]} == {first, second}
    assert "applications shop, shop-2 share the title 'Shop'" in summary
    # Each one alone is a valid export that plans no changes.
    alone = tmp_path / "alone"
    export_to(alone, "--app", second)
    assert_no_changes(alone)


def test_export_of_the_applied_quickstart(account: EmulatorServer, tmp_path: Path) -> None:
    """The quickstart applied with pwconf, exported with its state file: the same handles, the
    events it created named, and no changes planned with or without that state file."""
    quickstart = tmp_path / "quickstart"
    shutil.copytree(ROOT / "examples" / "quickstart", quickstart)
    applied = invoke("apply", quickstart, "--auto-approve")
    assert applied.exit_code == 0, applied.output + applied.stderr
    state = quickstart / ".pwconf-state.json"

    out = tmp_path / "export"
    _, summary = export_to(out, "--state", state)
    exported = load_export(out)
    assert set(exported["applications"]) == {"shop"}
    assert exported["tags"]["Plan"] == {"type": "string", "user_specific": True}
    assert exported["segments"]["summer-fans"]["expression"].startswith('AT(@shop, "Favorite')
    shop_text = (out / "app-shop.yaml").read_text()
    assert "'Add To Cart', 'Purchase'" in shop_text
    assert "events of shop that pwconf created: Add To Cart, Purchase" in summary
    assert "# ios:" in shop_text and "# android:" in shop_text

    assert_no_changes(out)
    assert_no_changes(out, "--state", str(state))
    # And the other way round: the quickstart still plans no changes against the account.
    planned = invoke("plan", quickstart, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output + planned.stderr


def test_handles_recorded_in_the_state_file_are_kept(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "apps.yaml").write_text(
        "version: 1\napplications:\n  Main_Store:\n    title: Shop\n"
        "segments:\n  buyers: {expression: 'A(@Main_Store)', application: Main_Store}\n"
    )
    applied = invoke("apply", manifests, "--auto-approve")
    assert applied.exit_code == 0, applied.output + applied.stderr
    api.create_application("Main Store")  # would slug to main-store; no clash either way
    out = tmp_path / "export"
    files, _ = export_to(out, "--state", manifests / ".pwconf-state.json")
    assert sorted(Path(f).name for f in files) == [
        "account.yaml",
        "app-Main_Store.yaml",
        "app-main-store.yaml",
    ]
    exported = load_export(out)
    assert exported["segments"]["buyers"] == {
        "expression": "A(@Main_Store)",
        "application": "Main_Store",
    }
    assert_no_changes(out)


def test_partial_export_keeps_references_to_applications_left_out_honest(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    shop = api.create_application("Shop").response["application"]
    blog = api.create_application("Blog").response["application"]
    api.create_filter("blog-only", f'A("{blog}")', application=blog)
    api.create_filter("both", f'A("{shop}") + A("{blog}")')
    out = tmp_path / "export"
    _, summary = export_to(out, "--app", shop)
    segments = load_export(out)["segments"]
    # Blog is not exported: its code stays a code (no @handle to point at).
    assert segments == {"both": {"expression": f'A(@shop) + A("{blog}")'}}
    assert f"segment 'both': names application {blog} by code" in summary
    assert f"segment 'blog-only': bound to application {blog}, which was not" in summary
    assert_no_changes(out)


def test_export_pages_through_the_applications_once(
    account: EmulatorServer, api: Pushwoosh, tmp_path: Path
) -> None:
    seed_everything(api)
    account.journal.clear()
    export_to(tmp_path / "export")
    assert [e["method"] for e in account.journal.entries("getApplications")] == ["getApplications"]
