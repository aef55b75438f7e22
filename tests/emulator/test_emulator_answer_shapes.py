"""Answer shapes: the emulator answering as public sources show Pushwoosh may (contract §11),
set at start or through PUT /_emulator/answer-shapes; the stored state never changes shape."""

from __future__ import annotations

import ast
import base64
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from emulator_client import Api
from test_emulator_cli import PWCONF, read_line

import pwconf.emulator as emulator_package
from pwconf.cli.emulator_cmd import emulator
from pwconf.emulator.answer_shapes import SHAPES
from pwconf.emulator.server import EmulatorError, EmulatorServer

P12 = base64.b64encode(b"fake p12").decode()
PASSWORD = "p12-secret-pass"


def shapes(api: Api, *names: str) -> None:
    answer = api.admin("PUT", "answer-shapes", json={"on": list(names)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["on"] == sorted(names)


def geozone(name: str, **extra) -> dict:
    return {"name": name, "lat": 40.5, "lng": -73.25, "range": 100, "cooldown": 60,
            "content": "Hi", **extra}  # fmt: skip


def test_the_admin_endpoint_lists_every_shape_and_refuses_an_unknown_one(api: Api) -> None:
    answer = api.admin("GET", "answer-shapes").json()
    assert answer == {"on": [], "known": SHAPES}
    refused = api.admin("PUT", "answer-shapes", json={"on": ["geozones-grouped", "nope"]})
    assert refused.status_code == 400 and "nope" in refused.json()["error"]
    assert api.admin("PUT", "answer-shapes", json=["x"]).status_code == 400
    assert api.admin("GET", "answer-shapes").json()["on"] == []


def test_an_unknown_shape_at_start_is_refused() -> None:
    with pytest.raises(EmulatorError, match="unknown answer shape 'flat-earth'"):
        EmulatorServer(port=0, answer_shapes=["flat-earth"])


def test_geozones_grouped_under_their_cluster(api: Api, app: str) -> None:
    code = api.ok("addGeoZoneCluster", application=app, name="Downtown", cooldown=60)[
        "GeoZoneCluster"
    ]
    api.ok("addGeoZone", application=app,
           geozones=[geozone("In", cluster=code), geozone("Out")])  # fmt: skip
    flat = api.ok("listGeoZones", application=app)["geoZones"]
    shapes(api, "geozones-grouped")
    grouped = api.ok("listGeoZones", application=app)["clusters"]
    assert [(g["name"], g["code"], [z["name"] for z in g["geoZones"]]) for g in grouped] == [
        ("Downtown", code, ["In"]),
        (None, None, ["Out"]),
    ]
    assert all("cluster" not in zone for group in grouped for zone in group["geoZones"])
    shapes(api)
    assert api.ok("listGeoZones", application=app)["geoZones"] == flat


def test_application_without_code_as_the_documented_example(api: Api, app: str) -> None:
    api.ok("configureApplication", application=app, device_type=1, ios_key_file=P12,
           ios_key_password=PASSWORD, ios_gateway="1")  # fmt: skip
    shapes(api, "application-without-code")
    answer = api.ok("getApplication", application=app)["application"]
    assert "code" not in answer and "title" not in answer
    assert answer["ios_sdk"] == answer["android_sdk"] == "x7077"  # "pw", hex-encoded
    assert answer["ios_key_password"] == "x" + PASSWORD.encode().hex()
    assert answer["providers"] == {"ios": True, "android": False}


def test_strings_for_numbers_in_every_read_pwconf_makes(api: Api, app: str) -> None:
    api.ok("addTag", tag={"name": "Level", "type": 1})
    preset = api.new_preset(app, scheduling={"sendRate": 200})
    cluster = api.ok("addGeoZoneCluster", application=app, name="C", cooldown=60)
    shapes(api, "strings-for-numbers")
    ids = api.ok("addGeoZone", application=app,
                 geozones=[geozone("Z", cluster=cluster["GeoZoneCluster"])])  # fmt: skip
    assert ids == {"GeoZones": ["1"]}
    page = api.ok("getApplications")
    assert (page["page"], page["total"]) == ("1", "1")
    assert {t["name"]: t["type"] for t in api.ok("listTags")["tags"]}["Level"] == "1"
    full = api.ok("getPreset", preset_code=preset)["preset"]
    assert full["scheduling"] == {"sendRate": "200"}
    assert full["segmentation"]["platforms"] == ["1", "3"]
    (listed_cluster,) = api.ok("listGeoZoneClusters", application=app)["clusters"]
    assert (listed_cluster["cooldown"], listed_cluster["geozones"]) == ("60", "1")
    (zone,) = api.ok("listGeoZones", application=app)["geoZones"]
    assert [zone[k] for k in ("id", "lat", "lng", "range", "cooldown")] == [
        "1", "40.5", "-73.25", "100", "60"
    ]  # fmt: skip
    shapes(api)
    assert api.ok("getPreset", preset_code=preset)["preset"]["scheduling"] == {"sendRate": 200}


def test_strings_for_booleans(api: Api, app: str) -> None:
    api.ok("addTag", tag={"name": "Team", "type": 2, "application_specific": True})
    shapes(api, "strings-for-booleans")
    flags = {t["name"]: t["isApplicationSpecific"] for t in api.ok("listTags")["tags"]}
    assert flags["Team"] == "1" and flags["Language"] == "0"
    assert api.ok("listTags", application=["not a code"])["tags"]  # a field it ignores
    providers = api.ok("getApplication", application=app)["application"]["providers"]
    assert providers == {"ios": "0", "android": "0"}


def test_http_210_errors_carry_the_status_in_http_too(api: Api) -> None:
    shapes(api, "http-210-errors")
    answer = api.call("getApplication", application="00000-00000")
    assert answer.status_code == 210
    assert answer.json()["status_code"] == 210
    assert api.call("listTags").status_code == 200


def test_filters_need_application(api: Api, app: str) -> None:
    other = api.new_app("Other")
    api.ok("createFilter", name="all", filter_expression='T("Language", EQ, "en")')
    api.ok("createFilter", name="mine", filter_expression=f'A("{app}")', application=app)
    api.ok("createFilter", name="theirs", filter_expression=f'A("{other}")', application=other)
    shapes(api, "filters-need-application")
    assert api.error("listFilters") == "API token or application is not set"
    names = [f["name"] for f in api.ok("listFilters", application=app)["filters"]]
    assert names == ["all", "mine"]


def test_lowercase_operators_never_touch_quoted_text(api: Api) -> None:
    api.ok("addTag", tag={"name": "IN", "type": 2})
    expression = 'T("IN", EQ, "EQ") * T("Language", IN, ["x"])'
    api.ok("createFilter", name="f", filter_expression=expression)
    shapes(api, "lowercase-operators")
    (listed,) = api.ok("listFilters")["filters"]
    assert listed["filter_expression"] == 'T("IN", eq, "EQ") * T("Language", in, ["x"])'


def test_lowercase_operators_lower_every_operator(api: Api) -> None:
    api.ok("addTag", tag={"name": "Age", "type": 1})
    api.ok("createFilter", name="f", filter_expression='T("Age", GT, 18) * T("Age", LT, 90)')
    shapes(api, "lowercase-operators")
    (listed,) = api.ok("listFilters")["filters"]
    assert listed["filter_expression"] == 'T("Age", gt, 18) * T("Age", lt, 90)'


def test_shapes_given_at_start() -> None:
    with EmulatorServer(port=0, answer_shapes=["http-210-errors"]) as server:
        assert server.core.shapes == {"http-210-errors"}


def test_the_cli_option_turns_shapes_on_in_a_real_process() -> None:
    process = subprocess.Popen(
        [*PWCONF, "emulator", "--port", "0", "--answer-shapes", "geozones-grouped,http-210-errors"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = read_line(process).partition(" on ")[2].split()[0]
        admin = url.replace("/json/1.3", "/_emulator")
        on = requests.get(f"{admin}/answer-shapes", timeout=5).json()["on"]
        assert on == ["geozones-grouped", "http-210-errors"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_cli_option_refuses_an_unknown_shape() -> None:
    result = CliRunner().invoke(emulator, ["--port", "0", "--answer-shapes", "flat-earth"])
    assert result.exit_code == 1
    assert "unknown answer shape 'flat-earth'" in result.output


def test_the_emulator_stays_independent_of_pwconfs_client_and_model() -> None:
    """A second implementation of the contract: it may share file writing, nothing else."""
    package = Path(emulator_package.__file__).parent
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {m for m in imported if m.split(".")[0] == "pwconf"}
    assert {m for m in ours if not m.startswith("pwconf.emulator")} <= {"pwconf.atomic_file"}
