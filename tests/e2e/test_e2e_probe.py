"""`pwconf probe` through the CLI against the emulator over loopback HTTP: every read pwconf
relies on, once; where each answer differed from the shape pwconf expects; never a write, never
a credential or the token in its output."""

from __future__ import annotations

import json
import re

import pytest

from pwconf.emulator.answer_shapes import SHAPES
from tests.conftest import P12_PASSWORD, invoke
from tests.e2e.test_e2e_answer_shapes import answering, set_shapes
from tests.e2e.test_e2e_apply import apply, clear_journal, journal

LABELS = [
    "getApplications", "listTags", "listFilters", "getApplication", "getCampaigns", "listPresets",
    "listGeoZoneClusters", "listGeoZones", "getPreset", "getApplication (unknown code)",
]  # fmt: skip
DIFFERING = {
    "geozones-grouped": {"listGeoZones"},
    "application-without-code": {"getApplication"},
    "strings-for-numbers": {
        "getApplications", "listTags", "listGeoZoneClusters", "listGeoZones", "getPreset"
    },
    "strings-for-booleans": {"listTags", "getApplication"},
    "http-210-errors": {"getApplication (unknown code)"},
    "filters-need-application": {"listFilters"},
    "lowercase-operators": {"listFilters"},
}  # fmt: skip


@pytest.fixture
def applied(account, scenario):
    """The scenario applied to the emulator, the journal cleared."""
    assert apply(scenario["v1"], scenario["state"]).exit_code == 0
    clear_journal(account)
    return account


def probe_json(*args: str) -> tuple[int, dict]:
    result = invoke("probe", "--json", *args)
    return result.exit_code, json.loads(result.output)


def outcomes(report: dict) -> dict[str, str]:
    return {method["label"]: method["outcome"] for method in report["methods"]}


def assert_read_only(server) -> None:
    methods = [call["method"] for call in journal(server)]
    assert methods and all(m.startswith(("get", "list")) for m in methods), methods


def test_every_method_is_as_expected_against_the_emulator(applied) -> None:
    result = invoke("probe")
    assert result.exit_code == 0, result.output
    for label in LABELS:
        line = re.compile(rf"^  {re.escape(label)} +as expected$", re.M)
        assert line.search(result.output), (label, result.output)
    assert "Every answer had the shape pwconf expects." in result.output
    assert_read_only(applied)
    assert len(journal(applied)) == len(LABELS)

    code, report = probe_json()
    assert code == 0 and report["readable"] is True
    assert outcomes(report) == dict.fromkeys(LABELS, "as expected")


@pytest.mark.parametrize("shape", SHAPES)
def test_each_answer_shape_names_exactly_the_methods_that_differed(applied, shape) -> None:
    set_shapes(applied, [shape])
    code, report = probe_json()
    assert code == 0, report
    found = outcomes(report)
    differed = {label for label, outcome in found.items() if outcome == "differed"}
    assert differed == DIFFERING[shape]
    assert set(found.values()) == {"as expected", "differed"}
    for method in report["methods"]:
        assert bool(method["differences"]) == (method["outcome"] == "differed")
    assert_read_only(applied)


def test_a_refused_account_wide_list_is_asked_per_application(applied) -> None:
    set_shapes(applied, ["filters-need-application"])
    result = invoke("probe")
    assert result.exit_code == 0
    assert "the call without application was refused" in result.output
    (per_app,) = [line for line in result.output.splitlines() if "listFilters (application" in line]
    assert per_app.endswith("as expected")


def test_credentials_and_the_token_never_appear(applied) -> None:
    set_shapes(applied, ["application-without-code"])
    for args in ((), ("--json",)):
        result = invoke("probe", *args)
        assert result.exit_code == 0
        for secret in (P12_PASSWORD, P12_PASSWORD.encode().hex(), applied.token):
            assert secret not in result.output
    _, report = probe_json()
    (application,) = [m for m in report["methods"] if m["label"] == "getApplication"]
    assert application["answer"]["application"]["ios_key_password"] == "***"
    assert application["answer"]["application"]["ios_sdk"] == "x7077"


def test_an_unreadable_answer_is_named_and_the_probe_goes_on(applied) -> None:
    answering(applied, "getApplication", lambda response: "nope")
    result = invoke("probe")
    assert result.exit_code == 1
    assert (
        "getApplication: cannot read the answer at response: expected an object, found the "
        'string "nope"'
    ) in result.output
    assert "could not be read or the call failed" in result.output
    code, report = probe_json()
    assert code == 1 and report["readable"] is False
    assert outcomes(report)["getApplication"] == "unreadable"
    assert outcomes(report)["getPreset"] == "as expected"  # the other reads still ran


def test_probe_runs_against_the_embedded_emulator(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, report = probe_json("--emulator")
    assert code == 0
    assert outcomes(report)["getApplications"] == "as expected"
    assert outcomes(report)["getPreset"] == "not called"
    assert [m["problem"] for m in report["methods"] if m["outcome"] == "not called"] == [
        "the account has no application"
    ] * 6


def test_probe_reads_the_application_asked_for(applied, scenario) -> None:
    code, report = probe_json("--app", "00000-00001")
    assert code == 1
    assert outcomes(report)["getApplication"] == "failed"
    assert "Application not found" in report["methods"][3]["problem"]
    assert report["methods"][8]["problem"] == "no preset code: listPresets could not be read"


def test_a_refused_token_ends_the_probe_with_one_error(applied, monkeypatch) -> None:
    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", "not-the-token")
    result = invoke("probe")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "error: getApplications: Invalid API Token: Account not found"
    )
    assert "not-the-token" not in result.output
    assert len(journal(applied)) == 1
