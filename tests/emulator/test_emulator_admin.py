"""The /_emulator/ endpoints, the journal, snapshots and the --data file."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
import requests
from emulator_client import Api

from pwconf.emulator.server import EmulatorError, EmulatorServer
from pwconf.emulator.store import Store


def test_health(api: Api) -> None:
    answer = api.admin("GET", "health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert api.admin("GET", "nope").status_code == 404
    assert api.admin("POST", "health").status_code == 405


def test_journal_records_calls_and_masks_the_token(server: EmulatorServer) -> None:
    secret = "sk-very-secret-token-123"
    server.store.add_token(server.store.default_account, secret)
    with requests.Session() as session:
        api = Api(server, session)
        api.ok("addTag", auth=secret, tag={"name": "Plan", "type": 2})
        api.error("addTag", auth=secret, tag={"name": "Plan", "type": 2})
        api.error("listTags", auth=secret + "-wrong")
        api.call("listTags", auth=None)
        session.post(f"{server.url}/listTags", data=b"{" + secret.encode(), timeout=5)
        answer = api.admin("GET", "calls")
    assert secret not in answer.text
    calls = answer.json()
    assert [c["method"] for c in calls] == ["addTag"] * 2 + ["listTags"] * 3
    first = calls[0]
    assert set(first) >= {"method", "request", "status", "status_code", "duration_ms", "time"}
    assert first["request"] == {"auth": "***", "tag": {"name": "Plan", "type": 2}}
    assert (first["status"], first["status_code"]) == (200, 200)
    assert (calls[1]["status"], calls[1]["status_code"]) == (200, 210)
    assert calls[4]["status"] == 400 and calls[4]["request"] is None
    assert first["duration_ms"] >= 0 and first["time"].startswith("20")


def test_journal_filter_clear_and_bound(api: Api) -> None:
    api.call("listTags")
    api.call("getApplications")
    assert [c["method"] for c in api.admin("GET", "calls?method=listTags").json()] == ["listTags"]
    assert api.admin("DELETE", "calls").json() == {"status": "ok"}
    assert api.admin("GET", "calls").json() == []
    with EmulatorServer(port=0, journal_size=3) as small, requests.Session() as session:
        client = Api(small, session)
        for page in range(1, 6):
            client.call("getApplications", page=page)
        calls = client.admin("GET", "calls").json()
        assert [c["request"]["page"] for c in calls] == [3, 4, 5]


def test_state_round_trip_and_reset(api: Api, app: str) -> None:
    api.ok("addTag", tag={"name": "Plan", "type": 2})
    api.new_preset(app)
    snapshot = api.admin("GET", "state").json()
    assert snapshot["format"] == "pwconf-emulator/1"
    assert api.admin("POST", "reset").json() == {"status": "ok"}
    assert api.ok("getApplications")["applications"] == {}
    assert "Plan" not in [t["name"] for t in api.ok("listTags")["tags"]]
    assert len(api.ok("listTags")["tags"]) == 10
    assert api.admin("PUT", "state", json=snapshot).json() == {"status": "ok"}
    assert list(api.ok("getApplications")["applications"]) == [app]
    assert api.admin("GET", "state").json() == snapshot
    bad = api.admin("PUT", "state", json={"accounts": [{"name": "no id"}]})
    assert bad.status_code == 400 and "missing 'id'" in bad.json()["error"]
    assert api.admin("PUT", "state", data=b"{").status_code == 400
    assert list(api.ok("getApplications")["applications"]) == [app]  # a bad load changes nothing


def test_minimal_snapshot_loads_with_defaults(api: Api) -> None:
    snapshot = {"accounts": [{"id": "main", "applications": [
        {"code": "AAAAA-00001", "title": "Seeded",
         "presets": [{"name": "P", "content": {"message": "m"},
                      "segmentation": {"platforms": [1]}}],
         "clusters": [{"name": "C"}],
         "geozones": [{"name": "G", "lat": 1, "lng": 2, "range": 100, "content": "x"}],
         "events": [{"name": "E"}]}],
        "tags": [{"name": "Plan", "type": 2}],
        "filters": [{"name": "F", "filter_expression": 'A("AAAAA-00001")'}]}]}
    assert api.admin("PUT", "state", json=snapshot).status_code == 200
    assert api.ok("getApplications")["applications"] == {"AAAAA-00001": "Seeded"}  # server token
    assert len(api.ok("listTags")["tags"]) == 11  # default tags come back
    assert api.ok("listPresets", application="AAAAA-00001")["presets"][0]["name"] == "P"
    zone = api.ok("listGeoZones", application="AAAAA-00001")["geoZones"][0]
    assert (zone["cooldown"], zone["cluster"], zone["id"]) == (0, None, 1)
    new_ids = api.ok("addGeoZone", application="AAAAA-00001", geozones=[
        {"name": "H", "lat": 1, "lng": 2, "range": 100, "cooldown": 0, "content": "x"}])
    assert new_ids == {"GeoZones": [2]}
    assert api.ok("listFilters")["filters"][0]["code"]


def test_store_helpers_and_snapshot_are_json_able() -> None:
    store = Store(seed=1, tokens=["a", "b"])
    other = store.add_account("other", tokens=["c"])
    app = store.add_application(other, "X")
    store.add_token(other, "narrow", applications=[app.code])
    app.suspended = True
    store.set_over_plan(other)
    other.suspended = True
    snapshot = json.loads(json.dumps(store.snapshot()))
    copy = Store(seed=1, tokens=["a", "b"])
    copy.load(snapshot)
    assert copy.snapshot() == snapshot
    assert copy.tokens["narrow"].applications == {app.code}
    copied = copy.accounts[other.id]
    assert copied.applications[app.code].suspended and copied.over_plan and copied.suspended


def test_data_file_is_saved_atomically_after_each_change_and_reloaded(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    with EmulatorServer(port=0, data_file=data) as srv, requests.Session() as session:
        api = Api(srv, session)
        code = api.new_app("Persisted")
        saved = json.loads(data.read_text())  # written already, before shutdown
        assert saved["accounts"][0]["applications"][0]["title"] == "Persisted"
        before = data.stat().st_mtime_ns
        api.ok("listTags")  # reads do not rewrite the file
        assert data.stat().st_mtime_ns == before
        api.ok("addTag", tag={"name": "Plan", "type": 2})
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp file left behind
    with EmulatorServer(port=0, data_file=data) as again, requests.Session() as session:
        api = Api(again, session)
        assert api.ok("getApplication", application=code)["application"]["title"] == "Persisted"
        assert "Plan" in [t["name"] for t in api.ok("listTags")["tags"]]
        assert api.new_app("Next") != code  # the code counter was saved too


def test_concurrent_writes_keep_the_data_file_whole(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    with EmulatorServer(port=0, data_file=data) as srv:
        def add_tags(worker: int) -> None:
            with requests.Session() as session:
                api = Api(srv, session)
                for index in range(10):
                    api.ok("addTag", tag={"name": f"w{worker}-{index}", "type": 1})
                    json.loads(data.read_text())  # never torn

        threads = [threading.Thread(target=add_tags, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tags = json.loads(data.read_text())["accounts"][0]["tags"]
        assert len(tags) == 10 + 40
    assert os.listdir(tmp_path) == ["state.json"]


def test_bad_data_file_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    data.write_text("{nope")
    with pytest.raises(EmulatorError, match=r"state\.json is not valid JSON"):
        EmulatorServer(port=0, data_file=data)
    data.write_text("[]")
    with pytest.raises(EmulatorError, match=r"state\.json: a snapshot must be a JSON object"):
        EmulatorServer(port=0, data_file=data)
    data.write_bytes(b'{"accounts": "\xff"}')
    with pytest.raises(EmulatorError, match=r"state\.json"):
        EmulatorServer(port=0, data_file=data)
    data.write_text('{"accounts": [{"id": "a"}, {"id": "a"}]}')
    with pytest.raises(EmulatorError, match="duplicate account id"):
        EmulatorServer(port=0, data_file=data)
    preset = {"code": "PPPPP-11111", "name": "P"}
    apps = [{"code": f"AAAAA-{n}", "title": "A", "presets": [preset]} for n in (1, 2)]
    data.write_text(json.dumps({"accounts": [{"id": "a", "applications": apps}]}))
    with pytest.raises(EmulatorError, match="duplicate code 'PPPPP-11111'"):
        EmulatorServer(port=0, data_file=data)
    app = {"code": "AAAAA-00001", "title": "A"}
    data.write_text(json.dumps({"accounts": [{"id": "a", "applications": [app]},
                                             {"id": "b", "applications": [app]}]}))
    with pytest.raises(EmulatorError, match=r"accounts\[1\]\.applications\[0\]: duplicate "
                       "application code 'AAAAA-00001'"):
        EmulatorServer(port=0, data_file=data)


def test_a_chunked_request_body_is_read_as_a_whole(server: EmulatorServer) -> None:
    """HTTP/1.1 servers must accept `Transfer-Encoding: chunked`: requests sends a generator so."""
    body = json.dumps({"request": {"auth": server.token, "tag": {"name": "Plan", "type": 2}}})
    pieces = (body[i : i + 7].encode() for i in range(0, len(body), 7))
    with requests.Session() as session:
        answer = session.post(f"{server.url}/addTag", data=pieces, timeout=5)
        assert answer.request.headers.get("Transfer-Encoding") == "chunked"
        assert answer.status_code == 200 and answer.json()["status_code"] == 200
        listed = Api(server, session).ok("listTags")
    assert "Plan" in json.dumps(listed)
