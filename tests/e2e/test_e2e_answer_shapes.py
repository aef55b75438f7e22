"""pwconf against every answer shape public sources show (contract §11), through the CLI over
loopback HTTP: apply to an empty account, re-plan, change, re-plan. Each shape is read as the
contract's: no changes on re-plan, no duplicate, no traceback. An answer pwconf cannot read
stops the run with one line naming the method, the key path and what was expected."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from pwconf.emulator.answer_shapes import SHAPES
from tests.e2e.test_e2e_apply import apply, clear_journal, journal, plan, snapshot, written

EVERY_SHAPE = ",".join(SHAPES)


def set_shapes(server, names: list[str]) -> None:
    answer = requests.put(f"{server.admin_url}/answer-shapes", json={"on": names}, timeout=5)
    assert answer.status_code == 200, answer.text


def creates_by_name(server) -> Counter:
    """How often each entity was created: a count above 1 is a duplicate."""
    made: Counter = Counter()
    for call in journal(server):
        if call["status"] != 200 or call["status_code"] != 200:
            continue
        request = call["request"]
        if call["method"] == "addGeoZone":
            made.update(("addGeoZone", zone["name"]) for zone in request["geozones"])
        elif call["method"] in ("createApplication", "createFilter", "createPreset",
                                "addGeoZoneCluster", "createEvent"):  # fmt: skip
            made[(call["method"], request.get("name") or request.get("title"))] += 1
        elif call["method"] == "addTag":
            made[("addTag", request["tag"]["name"])] += 1
    return made


def account_counts(server) -> dict[str, int]:
    snap = snapshot(server)
    (account,) = [a for a in snap["accounts"] if a["id"] == snap["default_account"]]
    apps = account["applications"]
    return {
        "applications": len(apps),
        "filters": len(account["filters"]),
        "presets": sum(len(app["presets"]) for app in apps),
        "clusters": sum(len(app["clusters"]) for app in apps),
        "geozones": sum(len(app["geozones"]) for app in apps),
    }


@pytest.mark.parametrize("shape", [*SHAPES, EVERY_SHAPE])
def test_apply_replan_change_replan_in_each_answer_shape(account, scenario, shape) -> None:
    set_shapes(account, shape.split(","))
    first = apply(scenario["v1"], scenario["state"])
    assert first.exit_code == 0, first.output
    assert "Apply complete" in first.output
    again = plan(scenario["v1"], scenario["state"])
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output
    assert max(creates_by_name(account).values()) == 1
    assert account_counts(account) == {
        "applications": 1, "filters": 3, "presets": 2, "clusters": 2, "geozones": 3
    }  # fmt: skip

    changed = apply(scenario["v2"], scenario["state"], "--allow-data-loss")
    assert changed.exit_code == 0, changed.output
    settled = plan(scenario["v2"], scenario["state"])
    assert settled.exit_code == 0, settled.output
    for result in (first, again, changed, settled):
        assert "Traceback" not in result.output


def test_filters_are_read_per_application_when_the_account_wide_call_is_refused(
    account, scenario
) -> None:
    set_shapes(account, ["filters-need-application"])
    assert apply(scenario["v1"], scenario["state"]).exit_code == 0
    clear_journal(account)
    assert plan(scenario["v1"], scenario["state"]).exit_code == 0
    listed = [call["request"].get("application") for call in journal(account, "listFilters")]
    (app_code,) = [code for code in listed if code]
    assert listed == [None, app_code]  # refused once, then once per application


# ---- answers no documented variant explains ------------------------------------------------


def answering(server, method: str, change: Callable[[Any], Any]) -> None:
    """From now on the emulator's `method` answers `change(response)` instead."""
    original = server.core.handle

    def handle(called: str, request: Any):
        status, body, headers = original(called, request)
        if called == method and body.get("status_code") == 200:
            body = {**body, "response": change(body["response"])}
        return status, body, headers

    server.core.handle = handle


def without_ids(response: dict) -> dict:
    return {"geoZones": [{k: v for k, v in z.items() if k != "id"} for z in response["geoZones"]]}


UNREADABLE = [
    ("getApplications", lambda r: {**r, "applications": "x"},
     "getApplications: cannot read the answer at response.applications: expected an object of "
     'application code to title, found the string "x"'),
    ("getApplication", lambda r: "nope",
     'getApplication: cannot read the answer at response: expected an object, found the string '
     '"nope"'),
    ("listGeoZones", without_ids,
     "listGeoZones: cannot read the answer at response.geoZones[0].id: expected a whole number, "
     "found no such key"),
    ("listTags", lambda r: {"tags": [{"name": "Age", "type": "integer"}]},
     "listTags: cannot read the answer at response.tags[0].type: expected a whole number, found "
     'the string "integer"'),
    ("getPreset", lambda r: {"preset": None},
     "getPreset: cannot read the answer at response.preset: expected an object, found null"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "change", "message"), UNREADABLE)
def test_an_answer_that_cannot_be_read_stops_the_plan_with_one_line(
    account, scenario, method, change, message
) -> None:
    assert apply(scenario["v1"], scenario["state"]).exit_code == 0
    answering(account, method, change)
    clear_journal(account)
    result = plan(scenario["v1"], scenario["state"])
    assert result.exit_code == 1
    assert f"error: {message}" in result.output.splitlines()
    assert "Traceback" not in result.output
    again = apply(scenario["v1"], scenario["state"])
    assert again.exit_code == 1 and f"error: {message}" in again.output.splitlines()
    # nothing planned, so nothing sent: a geozone without id is not re-added
    assert written(account) == []
