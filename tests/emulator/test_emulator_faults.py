"""Fault injection: latency, 5xx before and after the method, 429 bursts, dropped connections."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from emulator_client import Api

from pwconf.emulator.faults import Faults
from pwconf.emulator.server import EmulatorServer


def statuses(api: Api, count: int) -> list[int | str]:
    seen: list[int | str] = []
    for _ in range(count):
        try:
            seen.append(api.call("listTags").status_code)
        except requests.ConnectionError:
            seen.append("drop")
    return seen


def run_with(count: int, **faults: object) -> list[int | str]:
    with EmulatorServer(port=0, **faults) as srv, requests.Session() as session:  # type: ignore[arg-type]
        return statuses(Api(srv, session), count)


def test_latency_is_added_to_api_calls_only(api: Api) -> None:
    api.server.faults.configure(latency_ms=60)
    started = time.perf_counter()
    api.call("listTags")
    assert time.perf_counter() - started >= 0.06
    started = time.perf_counter()
    api.admin("GET", "health")
    assert time.perf_counter() - started < 0.05


def test_latency_does_not_serialise_parallel_calls(server: EmulatorServer) -> None:
    server.faults.configure(latency_ms=200)

    def one_call(_: int) -> int:
        with requests.Session() as session:
            return Api(server, session).call("listTags").status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(one_call, range(8))) == [200] * 8
    assert time.perf_counter() - started < 0.8  # 8 x 200 ms would be 1.6 s if serialised


def test_error_rate_answers_500_and_503_before_running(api: Api) -> None:
    api.server.faults.configure(error_rate=1.0, seed=3)
    seen = {api.call("addTag", tag={"name": f"t{i}", "type": 1}).status_code for i in range(20)}
    assert seen == {500, 503}
    api.server.faults.configure(error_rate=0.0)
    assert [t["name"] for t in api.ok("listTags")["tags"] if t["name"].startswith("t")] == []


def test_error_after_rate_runs_the_method_then_answers_500(api: Api) -> None:
    api.server.faults.configure(error_after_rate=1.0)
    answer = api.call("addTag", tag={"name": "Level", "type": 1})
    assert answer.status_code == 500 and answer.json()["status_code"] == 500
    api.server.faults.configure(error_after_rate=0.0)
    assert "Level" in [t["name"] for t in api.ok("listTags")["tags"]]  # it did happen
    assert api.error("addTag", tag={"name": "Level", "type": 1}) == "Tag already exists"


def test_rate_limit_bursts() -> None:
    seen = run_with(12, rate_limit={"every": 3, "burst": 2, "retry_after": 7})
    assert seen == [200, 200, 200, 429, 429] * 2 + [200, 200]


def test_rate_limit_sends_retry_after(api: Api) -> None:
    api.server.faults.configure(rate_limit={"every": 1, "burst": 1, "retry_after": 2})
    api.call("listTags")
    answer = api.call("listTags")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "2"
    api.server.faults.configure(rate_limit={"every": 1, "burst": 5, "retry_after": 0.25})
    assert api.call("listTags").headers["Retry-After"] == "0.25"


def test_drop_closes_the_connection_without_an_answer(api: Api) -> None:
    api.server.faults.configure(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.call("listTags")
    api.server.faults.configure(drop_rate=0.0)
    assert api.ok("listTags")
    dropped = api.admin("GET", "calls").json()[0]
    assert (dropped["fault"], dropped["status"], dropped["status_code"]) == ("drop", None, None)


def test_faults_are_reproducible_from_the_seed() -> None:
    mix = {"error_rate": 0.2, "drop_rate": 0.1, "error_after_rate": 0.1}
    first = run_with(40, seed=11, **mix)
    assert first == run_with(40, seed=11, **mix)
    assert first != run_with(40, seed=12, **mix)
    assert {500, 503, "drop", 200} <= set(first)


def test_faults_admin_endpoint(api: Api) -> None:
    assert api.admin("GET", "faults").json() == {
        "latency_ms": 0, "error_rate": 0.0, "error_after_rate": 0.0, "drop_rate": 0.0,
        "rate_limit": None, "seed": 0, "calls": 0}
    changed = api.admin("PUT", "faults", json={"error_rate": 1, "seed": 9,
                                               "rate_limit": {"every": 5, "burst": 1}}).json()
    assert changed["error_rate"] == 1.0 and changed["seed"] == 9
    assert changed["rate_limit"] == {"every": 5, "burst": 1, "retry_after": 1}
    assert api.call("listTags").status_code in (500, 503)
    for path in ("health", "faults", "calls", "state"):  # admin is never faulted
        assert api.admin("GET", path).status_code == 200
    for bad in ({"error_rate": 2}, {"latency": 5}, {"rate_limit": {"every": 0}}, [1]):
        answer = api.admin("PUT", "faults", json=bad)
        assert answer.status_code == 400 and answer.json()["error"]
    assert api.admin("PUT", "faults", json={"error_rate": 0, "rate_limit": None}).ok
    assert api.ok("listTags")


def test_fault_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="drop_rate"):
        Faults(drop_rate=-0.1)
    with pytest.raises(ValueError, match="seed"):
        Faults().configure(seed="x")
