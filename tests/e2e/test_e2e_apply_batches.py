"""End to end through the CLI against the emulator: apply makes the fewest calls the contract
allows (one addGeoZone per application, one listPresets per application for the new presets'
codes), and the JSON stream shows a batch as one call naming every object it created."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.conftest import invoke
from tests.e2e.test_e2e_apply import clear_journal, journal

MANIFEST = """\
version: 1
applications:
{apps}
"""

APP = """\
  {handle}:
    title: {title}
    presets:
      welcome: {{platforms: [iOS], content: {{message: Welcome}}}}
      promo: {{platforms: [Android], content: {{message: Sale}}}}
    geozones:
      gate: {{lat: 1.5, lng: 2.5, range: 100, cooldown: 60, preset: welcome}}
      dock: {{lat: 1.6, lng: 2.6, range: 200, cooldown: 60, preset: promo}}
      mall: {{lat: 1.7, lng: 2.7, range: 300, cooldown: 60, content: Hi}}
"""


def write_manifests(tmp_path: Path) -> Path:
    apps = "".join(APP.format(handle=h, title=t) for h, t in (("shop", "Shop"), ("cafe", "Cafe")))
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "apps.yaml").write_text(MANIFEST.format(apps=apps))
    return folder


def test_apply_creates_geozones_in_one_call_per_application_and_reads_codes_once(
    account, tmp_path: Path
) -> None:
    manifests, state = write_manifests(tmp_path), tmp_path / "state.json"
    plan = invoke("plan", manifests, "--state", state, "--out", tmp_path / "plan.json")
    assert plan.exit_code in (0, 2), plan.output
    clear_journal(account)  # the plan's reads are not the apply's

    result = invoke("apply", manifests, "--state", state, "--plan", tmp_path / "plan.json",
                    "--auto-approve", "--json")  # fmt: skip

    assert result.exit_code == 0, result.output
    calls = journal(account)
    assert all(call["status"] == 200 for call in calls)
    writes = Counter(c["method"] for c in calls if not c["method"].startswith(("get", "list")))
    assert writes == {"createApplication": 2, "createPreset": 4, "addGeoZone": 2}
    reads_after_writes = [c["method"] for c in calls[calls.index(_first_write(calls)) :]]
    assert Counter(m for m in reads_after_writes if m.startswith("list")) == {"listPresets": 2}
    for call in [c for c in calls if c["method"] == "addGeoZone"]:
        names = [zone["name"] for zone in call["request"]["geozones"]]
        assert sorted(names) == ["dock", "gate", "mall"]

    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    batches = [line for line in lines if line["type"] == "call" and line["method"] == "addGeoZone"]
    assert sorted(sorted(batch["addresses"]) for batch in batches) == [
        [f"geozone.{app}.{name}" for name in ("dock", "gate", "mall")] for app in ("cafe", "shop")
    ]
    done = {line["address"] for line in lines if line["type"] == "change"}
    assert {f"geozone.{a}.{n}" for a in ("shop", "cafe") for n in ("gate", "dock", "mall")} <= done
    (summary,) = [line for line in lines if line["type"] == "summary"]
    assert summary["done"] == 12 and summary["calls"] == 10

    again = invoke("plan", manifests, "--state", state, "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def _first_write(calls: list[dict]) -> dict:
    return next(c for c in calls if not c["method"].startswith(("get", "list")))


def test_pruned_geozones_are_deleted_in_one_call_per_application(account, tmp_path: Path) -> None:
    manifests, state = write_manifests(tmp_path), tmp_path / "state.json"
    assert invoke("apply", manifests, "--state", state, "--auto-approve").exit_code == 0
    text = (manifests / "apps.yaml").read_text()
    kept = "\n".join(line for line in text.splitlines() if not line.startswith("      "))
    kept = kept.replace("    geozones:\n", "").replace("    presets:\n", "")
    (manifests / "apps.yaml").write_text(
        kept.replace("version: 1", "version: 1\nsettings: {prune: [geozones]}")
    )
    clear_journal(account)

    result = invoke("apply", manifests, "--state", state, "--auto-approve")

    assert result.exit_code == 0, result.output
    deletes = [c for c in journal(account) if c["method"] == "deleteGeoZone"]
    assert len(deletes) == 2 and all(len(c["request"]["geozones"]) == 3 for c in deletes)
    again = invoke("plan", manifests, "--state", state, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
