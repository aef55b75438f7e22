"""End to end through the CLI against the emulator over loopback HTTP: plan and apply."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import requests

from tests.conftest import P12_PASSWORD, invoke


def journal(server, method: str | None = None) -> list[dict]:
    calls = requests.get(f"{server.admin_url}/calls", timeout=5).json()
    return [c for c in calls if method is None or c["method"] == method]


def written(server) -> list[dict]:
    """The journal's write calls: every method but get* and list*."""
    return [c for c in journal(server) if not c["method"].startswith(("get", "list"))]


def call_api(server, method: str, **fields) -> None:
    """A change made outside pwconf, straight through the API."""
    body = {"request": {"auth": server.token, **fields}}
    requests.post(f"{server.url}/{method}", json=body, timeout=5).raise_for_status()


def clear_journal(server) -> None:
    requests.delete(f"{server.admin_url}/calls", timeout=5)


def snapshot(server) -> dict:
    return requests.get(f"{server.admin_url}/state", timeout=5).json()


def app_of(snap: dict, title: str) -> dict:
    (account,) = [a for a in snap["accounts"] if a["id"] == snap["default_account"]]
    return next(app for app in account["applications"] if app["title"] == title)


def apply(paths: Path, state: Path, *extra: str):
    return invoke("apply", paths, "--state", state, "--auto-approve", "--parallelism", "1", *extra)


def plan(paths: Path, state: Path, *extra: str):
    return invoke("plan", paths, "--state", state, "--detailed-exitcode", *extra)


def test_quickstart_applies_to_an_empty_account_then_plans_nothing(account, quickstart) -> None:
    first = invoke("apply", quickstart, "--auto-approve")
    assert first.exit_code == 0, first.output
    assert "Apply complete" in first.output

    again = invoke("plan", quickstart, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output


def test_every_kind_and_action_converges_in_dependency_order(account, scenario) -> None:
    assert apply(scenario["v1"], scenario["state"]).exit_code == 0
    assert plan(scenario["v1"], scenario["state"]).exit_code == 0

    clear_journal(account)
    result = apply(scenario["v2"], scenario["state"], "--allow-data-loss")
    assert result.exit_code == 0, result.output
    assert plan(scenario["v2"], scenario["state"]).exit_code == 0

    methods = [c["method"] for c in journal(account) if c["status"] == 200]
    writes = [m for m in methods if not m.startswith(("get", "list"))]
    deletes = [m for m in writes if m.startswith("delete")]
    assert writes[: len(deletes)] == deletes, "every delete runs before any create or update"
    delete_order = ["deleteGeoZone", "deleteGeoZoneCluster", "deletePreset", "deleteFilter"]
    assert [m for m in dict.fromkeys(deletes) if m in delete_order] == delete_order
    create_order = [
        "createApplication",
        "addTag",
        "createEvent",
        "createFilter",
        "createPreset",
        "addGeoZoneCluster",
        "addGeoZone",
    ]
    assert [m for m in dict.fromkeys(writes) if m in create_order] == create_order


def test_replaced_preset_and_cluster_leave_geozones_on_the_new_codes(account, scenario) -> None:
    apply(scenario["v1"], scenario["state"])
    assert apply(scenario["v2"], scenario["state"], "--allow-data-loss").exit_code == 0

    shop = app_of(snapshot(account), "Shop EU")
    presets = {p["name"]: p["code"] for p in shop["presets"]}
    clusters = {c["name"]: c["code"] for c in shop["clusters"]}
    flagship = next(g for g in shop["geozones"] if g["name"] == "flagship")
    assert flagship["presetCode"] == presets["welcome"]
    assert flagship["cluster"] == clusters["downtown"]
    assert Counter(p["name"] for p in shop["presets"]) == Counter({"welcome": 1, "winback": 1})


def test_a_data_loss_change_is_refused_without_the_flag(account, scenario) -> None:
    apply(scenario["v1"], scenario["state"])
    clear_journal(account)

    result = apply(scenario["v2"], scenario["state"])

    assert result.exit_code == 1
    assert "destroys stored data" in result.output
    assert "tag.Age" in result.output and "--allow-data-loss" in result.output
    assert written(account) == []


def test_apply_without_a_terminal_or_auto_approve_refuses(account, scenario) -> None:
    result = invoke("apply", scenario["v1"], "--state", scenario["state"])
    assert result.exit_code == 1
    assert "--auto-approve" in result.output
    assert journal(account, "createApplication") == []


def test_warnings_are_reported_beside_their_call(account, scenario) -> None:
    account.store.set_over_plan(account.store.default_account, True)

    result = apply(scenario["v1"], scenario["state"], "--target", "tag.Age")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    done = lines.index("done create tag.Age")
    assert lines[done + 1].startswith("    warning: addTag: Warnings: You have exceeded")
    assert "(1 call, 1 warning)" in lines[-1]


FAILING = """\
version: 1
tags:
  Age: {type: integer}
  Score: {type: integer}
segments:
  lapsed:
    expression: T("Age", GTE, 18)
    expiration_date: EXPIRES
applications:
  shop:
    title: Shop
    presets:
      comeback: {segment: lapsed, platforms: [iOS], content: {message: Come back}}
    geozones:
      door: {lat: 1.0, lng: 2.0, range: 100, cooldown: 0, preset: comeback}
      gate: {lat: 1.5, lng: 2.5, range: 100, cooldown: 0, content: Hello}
"""


def test_a_failure_skips_dependents_and_a_second_apply_finishes(account, tmp_path) -> None:
    manifest, state = tmp_path / "m" / "all.yaml", tmp_path / "state.json"
    manifest.parent.mkdir()
    # Valid for pwconf, refused by the server: the emulator rejects a date already past.
    manifest.write_text(FAILING.replace("EXPIRES", "2020-01-01"))

    failed = apply(manifest.parent, state)

    assert failed.exit_code == 1
    lines = failed.output.splitlines()
    call = next(line for line in lines if "segment.lapsed: createFilter" in line)
    assert "210" in call and "expiration_date" in call
    assert "skipped create preset.shop.comeback: depends on segment.lapsed" in failed.output
    assert "skipped create geozone.shop.door: depends on preset.shop.comeback" in failed.output
    assert "done create geozone.shop.gate" in failed.output  # independent work finished
    assert "done create tag.Score" in failed.output
    assert "1 failed, 2 skipped" in failed.output

    remaining = plan(manifest.parent, state, "--json")
    assert remaining.exit_code == 2
    addresses = {c["address"] for c in json.loads(remaining.output)["changes"]}
    assert addresses == {"segment.lapsed", "preset.shop.comeback", "geozone.shop.door"}

    manifest.write_text(FAILING.replace("EXPIRES", "2030-01-01"))
    assert apply(manifest.parent, state).exit_code == 0
    assert plan(manifest.parent, state).exit_code == 0


def test_a_permission_error_is_shown_verbatim_beside_its_call(account, tmp_path) -> None:
    manifest = tmp_path / "m" / "all.yaml"
    manifest.parent.mkdir()
    manifest.write_text(FAILING.replace("EXPIRES", "2030-01-01"))
    assert (
        apply(manifest.parent, tmp_path / "s.json", "--target", "application.shop").exit_code == 0
    )
    code = app_of(snapshot(account), "Shop")["code"]
    account.store.add_token(account.store.default_account, "only-shop-token", applications=[code])

    import os

    os.environ["PUSHWOOSH_API_TOKEN"] = "only-shop-token"
    try:
        result = apply(manifest.parent, tmp_path / "s.json")
    finally:
        os.environ["PUSHWOOSH_API_TOKEN"] = account.token

    assert result.exit_code == 1
    call = next(line for line in result.output.splitlines() if "tag.Age: addTag" in line)
    assert "Token restrictions forbid this operation." in call
    assert "done create geozone.shop.gate" in result.output


def test_a_stale_saved_plan_is_refused_naming_the_changed_object(
    account, scenario, tmp_path
) -> None:
    apply(scenario["v1"], scenario["state"])
    saved = tmp_path / "plan.json"
    assert plan(scenario["v2"], scenario["state"], "--out", saved).exit_code == 2
    call_api(account, "deleteTag", tag={"name": "Legacy"})

    result = invoke("apply", "--plan", saved, "--state", scenario["state"], "--allow-data-loss")

    assert result.exit_code == 1
    assert "tag.Legacy: deleted in the account" in result.output


def test_a_fresh_saved_plan_applies_without_asking(account, scenario, tmp_path) -> None:
    apply(scenario["v1"], scenario["state"])
    saved = tmp_path / "plan.json"
    plan(scenario["v2"], scenario["state"], "--out", saved)

    result = invoke("apply", "--plan", saved, "--state", scenario["state"], "--allow-data-loss")

    assert result.exit_code == 0, result.output
    assert plan(scenario["v2"], scenario["state"]).exit_code == 0


def test_a_saved_plan_has_its_keys_and_one_it_does_not_know_still_applies(
    account, scenario, tmp_path
) -> None:
    apply(scenario["v1"], scenario["state"])
    saved = tmp_path / "plan.json"
    plan(scenario["v2"], scenario["state"], "--out", saved)
    document = json.loads(saved.read_text())
    assert set(document) == {
        "pwconf_saved_plan", "api_url", "manifest_files", "made_in", "touched",
        "live_fingerprints", "desired_digests", "plan",
    }  # fmt: skip
    saved.write_text(json.dumps({**document, "added_by_a_newer_pwconf": 1}))

    result = invoke("apply", "--plan", saved, "--state", scenario["state"], "--allow-data-loss")

    assert result.exit_code == 0, result.output


def test_a_saved_plan_missing_a_field_is_refused_before_any_call(
    account, scenario, tmp_path
) -> None:
    saved = tmp_path / "plan.json"
    plan(scenario["v1"], scenario["state"], "--out", saved)
    document = json.loads(saved.read_text())
    del document["touched"]
    saved.write_text(json.dumps(document))
    clear_journal(account)

    result = invoke("apply", "--plan", saved, "--state", scenario["state"])

    assert result.exit_code == 1
    assert "is not a plan saved by this version of pwconf" in result.output
    assert "Traceback" not in result.output
    assert journal(account) == []


def test_a_saved_plan_applied_from_another_folder_names_the_folder_it_was_made_in(
    account, quickstart, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(quickstart.parent)
    saved = tmp_path / "plan.json"
    state = tmp_path / "s.json"
    assert plan(Path(quickstart.name), state, "--out", saved).exit_code == 2
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    clear_journal(account)

    result = invoke("apply", "--plan", saved, "--state", state)

    assert result.exit_code == 1
    assert f"the saved plan was made in {quickstart.parent}" in result.output
    assert journal(account) == []


def test_apply_converges_under_faults_without_duplicates(account, scenario) -> None:
    faults = {
        "error_rate": 0.2,
        "error_after_rate": 0.05,
        "rate_limit": {"every": 20, "burst": 3, "retry_after": 0.05},
        # The faults fall by call count, so the calls an apply makes move them; some seeds give
        # one call two errors and then a 429 burst, its 5 attempts used up (a failure, not a
        # duplicate). This one does not, with the calls apply makes now.
        "seed": 14,
    }
    requests.put(f"{account.admin_url}/faults", json=faults, timeout=5)

    for version in ("v1", "v2"):
        result = invoke(
            "apply",
            scenario[version],
            "--state",
            scenario["state"],
            "--auto-approve",
            "--allow-data-loss",
        )
        assert result.exit_code == 0, result.output
    faulted = [c for c in journal(account) if c.get("fault")]
    assert len(faulted) > 10

    requests.put(
        f"{account.admin_url}/faults",
        json={"error_rate": 0, "rate_limit": None, "error_after_rate": 0},
        timeout=5,
    )
    assert plan(scenario["v2"], scenario["state"]).exit_code == 0
    snap = snapshot(account)
    (acc,) = [a for a in snap["accounts"] if a["id"] == snap["default_account"]]
    assert Counter(a["title"] for a in acc["applications"]) == Counter({"Shop EU": 1, "News": 1})
    shop = app_of(snap, "Shop EU")
    for group in ("presets", "clusters", "geozones", "events"):
        names = [item["name"] for item in shop[group]]
        assert len(names) == len(set(names)), group
    assert sorted(f["name"] for f in acc["filters"]) == ["adults", "gold-ios", "news-readers"]


def test_one_change_in_the_account_is_exactly_what_the_plan_names(account, scenario) -> None:
    apply(scenario["v1"], scenario["state"])
    shop = app_of(snapshot(account), "Shop")
    mall = next(g for g in shop["geozones"] if g["name"] == "mall")
    call_api(account, "updateGeoZone", application=shop["code"], geoZoneId=mall["id"], range=900)

    result = invoke(
        "plan", scenario["v1"], "--state", scenario["state"], "--detailed-exitcode", "--json"
    )

    assert result.exit_code == 2
    changes = json.loads(result.output)["changes"]
    assert [(c["address"], c["actions"]) for c in changes] == [("geozone.shop.mall", ["update"])]
    assert changes[0]["changed_fields"][0]["path"] == "range"
    assert changes[0]["drift"] is True


def test_no_token_or_secret_reaches_any_output_or_file(account, scenario, tmp_path) -> None:
    saved = tmp_path / "plan.json"
    outputs = [
        apply(scenario["v1"], scenario["state"]).output,
        plan(scenario["v2"], scenario["state"], "--out", saved).output,
        invoke("plan", scenario["v2"], "--state", scenario["state"], "--json").output,
        invoke("plan", scenario["v2"], "--state", scenario["state"], "--markdown").output,
        apply(scenario["v2"], scenario["state"], "--allow-data-loss", "--json").output,
    ]
    files = [saved.read_text(), scenario["state"].read_text()]
    fcm_key = "fake-key-for-tests"
    for text in outputs + files:
        assert account.token not in text
        assert P12_PASSWORD not in text
        assert fcm_key not in text
    assert "(sensitive value)" in outputs[0]


def test_quickstart_account_plans_clean_and_names_exactly_one_outside_change(
    account, quickstart
) -> None:
    assert invoke("apply", quickstart, "--auto-approve").exit_code == 0
    assert invoke("plan", quickstart, "--detailed-exitcode").exit_code == 0
    shop = app_of(snapshot(account), "Shop")
    airport = next(g for g in shop["geozones"] if g["name"] == "airport")
    call_api(
        account, "updateGeoZone", application=shop["code"], geoZoneId=airport["id"], cooldown=1
    )

    result = invoke("plan", quickstart, "--detailed-exitcode", "--json")

    assert result.exit_code == 2
    (change,) = json.loads(result.output)["changes"]
    assert (change["address"], change["actions"]) == ("geozone.shop.airport", ["update"])
    assert [f["path"] for f in change["changed_fields"]] == ["cooldown"]
