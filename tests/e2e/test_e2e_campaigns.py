"""Campaigns end to end through the CLI against the emulator over loopback HTTP: applied to an
empty account, presets and geozones carry their codes, getCampaigns is read page by page (the
emulator answers two a page), and an export plans no changes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import invoke
from tests.e2e.test_e2e_apply import app_of, apply, clear_journal, journal, plan, snapshot

CAMPAIGNS = ["autumn-reads", "winter-deals", "spring-sale", "summer-fun", "black-friday"]


def manifest(description: str = "Autumn reading push") -> str:
    campaigns = "\n".join(f"      {name}: {{description: {name} pushes}}" for name in CAMPAIGNS[1:])
    return f"""version: 1
applications:
  shop:
    title: Shop
    campaigns:
      autumn-reads: {{description: {description}}}
{campaigns}
    presets:
      come-back:
        campaign: autumn-reads
        platforms: [iOS]
        content: {{message: Come back}}
      plain:
        platforms: [Android]
        content: {{message: Hello}}
    geozones:
      harbour:
        {{lat: 59.9, lng: 10.7, range: 200, cooldown: 60, content: Hi, campaign: autumn-reads}}
"""


def write(directory: Path, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "shop.yaml").write_text(text)
    return directory


def test_campaigns_apply_link_presets_and_geozones_and_replan_empty(account, tmp_path) -> None:
    manifests = write(tmp_path / "m", manifest())
    state = tmp_path / "state.json"

    applied = apply(manifests, state)

    assert applied.exit_code == 0, applied.output
    shop = app_of(snapshot(account), "Shop")
    codes = {c["name"]: c["code"] for c in shop["campaigns"]}
    assert sorted(codes) == sorted(CAMPAIGNS)
    assert codes["autumn-reads"] and len(set(codes.values())) == 5
    presets = {p["name"]: p for p in shop["presets"]}
    assert presets["come-back"]["campaignCode"] == codes["autumn-reads"]
    assert presets["plain"]["campaignCode"] is None
    assert [g["campaign"] for g in shop["geozones"]] == [codes["autumn-reads"]]
    assert [c["description"] for c in shop["campaigns"] if c["name"] == "autumn-reads"] == [
        "Autumn reading push"
    ]

    clear_journal(account)
    again = plan(manifests, state)
    assert again.exit_code == 0, again.output
    assert len(journal(account, "getCampaigns")) == 3  # five campaigns, two a page

    out = tmp_path / "export"
    exported = invoke("export", "--out", out, "--state", state)
    assert exported.exit_code == 0, exported.output
    text = (out / "app-shop.yaml").read_text()
    assert "campaigns:" in text and "campaign: autumn-reads" in text
    replanned = invoke("plan", out, "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output


def test_a_changed_description_replaces_the_campaign_and_its_preset_follows(
    account, tmp_path
) -> None:
    state = tmp_path / "state.json"
    assert apply(write(tmp_path / "m", manifest()), state).exit_code == 0
    before = {c["name"]: c["code"] for c in app_of(snapshot(account), "Shop")["campaigns"]}
    changed = write(tmp_path / "m", manifest("Autumn reads (second edition)"))

    refused = apply(changed, state)
    assert refused.exit_code == 1, refused.output
    assert "--allow-data-loss" in refused.output

    shown = plan(changed, state)
    assert shown.exit_code == 2, shown.output
    assert "-/+ campaign.shop.autumn-reads (description cannot be updated in place)" in shown.output
    assert "-/+ preset.shop.come-back (points at a replaced campaign" in shown.output
    assert "~ geozone.shop.harbour (points at a replaced preset, cluster or campaign" in (
        shown.output
    )

    done = apply(changed, state, "--allow-data-loss")
    assert done.exit_code == 0, done.output
    shop = app_of(snapshot(account), "Shop")
    after = {c["name"]: c["code"] for c in shop["campaigns"]}
    assert after["autumn-reads"] != before["autumn-reads"]
    assert after["winter-deals"] == before["winter-deals"]
    [come_back] = [p for p in shop["presets"] if p["name"] == "come-back"]
    assert come_back["campaignCode"] == after["autumn-reads"]
    assert [g["campaign"] for g in shop["geozones"]] == [after["autumn-reads"]]
    assert plan(changed, state).exit_code == 0
