"""The client against the emulator over real loopback HTTP: every error class from the situation
that produces it, retries under injected faults, and creates that are never duplicated."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from pwconf.api.client import ApiClient
from pwconf.api.http import Reply
from pwconf.api.pushwoosh import Pushwoosh, Reads
from pwconf.errors import (
    ApiError,
    ArgumentError,
    AuthenticationError,
    BadRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
)

emulator_server = pytest.importorskip("pwconf.emulator.server")

OVER_PLAN = (
    "Warnings: You have exceeded the number of active devices allowed on your current "
    "subscription plan."
)


@pytest.fixture
def emu() -> Iterator[Any]:
    with emulator_server.EmulatorServer(port=0, seed=0) as srv:
        yield srv


class Sleeps:
    """Injected sleep: records delays and runs an optional hook (to lift a fault mid-call)."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.hook: Callable[[], None] | None = None

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.hook is not None:
            self.hook()


@pytest.fixture
def naps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def connect(emu, naps) -> Iterator[Callable[..., ApiClient]]:
    clients: list[ApiClient] = []

    def factory(token: str | None = None, **options: Any) -> ApiClient:
        options = {"sleep": naps, "max_attempts": 3, "rng": random.Random(1), **options}
        client = ApiClient(emu.url, emu.token if token is None else token, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def api(connect) -> Pushwoosh:
    return Pushwoosh(connect())


def set_faults(emu: Any, **settings: Any) -> None:
    """Through the emulator's HTTP admin endpoint, as a user would."""
    answer = requests.put(f"{emu.admin_url}/faults", json=settings, timeout=5)
    assert answer.status_code == 200, answer.text


def journal(emu: Any, method: str | None = None) -> list[dict[str, Any]]:
    params = {"method": method} if method else None
    return requests.get(f"{emu.admin_url}/calls", params=params, timeout=5).json()


def lift_faults_after_first_failure(emu: Any, naps: Sleeps) -> None:
    naps.hook = lambda: emu.faults.configure(error_after_rate=0.0, drop_rate=0.0, error_rate=0.0)


# ---- each error class from its situation ------------------------------------------------


def test_unknown_token_is_argument_error(connect):
    with pytest.raises(ArgumentError) as info:
        connect(token="no-such-token").call("listTags", {}, kind="read")
    assert info.value.status_code == 210 and info.value.http_status == 200
    assert info.value.result.message == "Invalid API Token: Account not found"
    assert "PUSHWOOSH_API_TOKEN" in info.value.hint


@pytest.mark.parametrize("token", ["", "   "])
def test_missing_or_empty_token_is_authentication_error(connect, token):
    with pytest.raises(AuthenticationError) as info:
        Pushwoosh(connect(token=token)).read(Reads.list_tags())
    assert info.value.http_status == 401 and "PUSHWOOSH_API_TOKEN" in info.value.hint


def test_restricted_token_cannot_touch_another_application(emu, connect):
    account = emu.store.default_account
    mine = emu.store.add_application(account, "Mine")
    other = emu.store.add_application(account, "Other")
    emu.store.add_token(account, "restricted-token-1", applications=[mine.code])
    restricted = Pushwoosh(connect(token="restricted-token-1"))
    assert restricted.add_cluster(mine.code, "Stores", 60).response["GeoZoneCluster"]
    with pytest.raises(PermissionDenied) as info:
        restricted.add_cluster(other.code, "Stores", 60)
    assert info.value.http_status == 403 and info.value.method == "addGeoZoneCluster"
    with pytest.raises(PermissionDenied):
        restricted.list_presets(other.code)
    assert other.clusters == {} and len(mine.clusters) == 1


def test_unknown_method_is_not_found(connect):
    with pytest.raises(NotFound) as info:
        connect().call("getNothing", {}, kind="read")
    assert info.value.http_status == 404 and "getNothing" in info.value.message


def test_malformed_body_is_bad_request(connect, monkeypatch):
    client = connect()
    post = client._transport.post

    def garbled(method: str, body: bytes) -> Reply:
        return post(method, b"{not json")

    monkeypatch.setattr(client._transport, "post", garbled)
    with pytest.raises(BadRequest) as info:
        client.call("listTags", {}, kind="read")
    assert info.value.http_status == 400 and info.value.result.attempts == 1


def test_429_is_retried_after_retry_after_then_succeeds(emu, connect, naps):
    set_faults(emu, rate_limit={"every": 1, "burst": 2, "retry_after": 2})
    client = connect(max_attempts=5)
    client.call("listTags", {}, kind="read")  # the cycle's one free call
    result = client.call("listTags", {}, kind="read")
    assert result.attempts == 3 and naps.delays == [2.0, 2.0]
    assert "waited 2s for Retry-After" in result.notes[0]


def test_429_past_budget_is_rate_limited(emu, connect, naps):
    set_faults(emu, rate_limit={"every": 1, "burst": 50, "retry_after": 0.5})
    client = connect(max_attempts=3)
    client.call("listTags", {}, kind="read")
    with pytest.raises(RateLimited) as info:
        client.call("listTags", {}, kind="read")
    assert str(info.value) == "listTags failed after 3 attempts: HTTP 429"
    assert naps.delays == [0.5, 0.5]


def test_5xx_past_budget_is_server_error_with_clear_message(emu, connect, naps):
    set_faults(emu, error_rate=1.0)
    with pytest.raises(ServerError) as info:
        Pushwoosh(connect(max_attempts=4)).read(Reads.get_applications(1))
    assert str(info.value) in {
        f"getApplications failed after 4 attempts: HTTP {code}" for code in (500, 503)
    }
    assert len(naps.delays) == 3 and len(journal(emu, "getApplications")) == 4


def test_5xx_retried_then_succeeds(emu, connect, naps):
    set_faults(emu, error_rate=1.0)
    lift_faults_after_first_failure(emu, naps)
    result = Pushwoosh(connect()).read(Reads.list_tags())
    assert result.attempts == 2 and result.notes[0].startswith("retried after HTTP 50")


def test_connection_refused_is_transport_error(naps):
    with emulator_server.EmulatorServer(port=0) as srv:
        url, token = srv.url, srv.token
    client = ApiClient(url, token, sleep=naps, max_attempts=2)
    try:
        with pytest.raises(TransportError) as info:
            client.call("listTags", {}, kind="read")
    finally:
        client.close()
    assert "could not connect" in str(info.value) and info.value.result.attempts == 2


def test_warning_on_200_is_carried(emu, api):
    emu.store.set_over_plan(emu.store.default_account)
    result = api.add_tag("Level", 1)
    assert result.status_code == 200 and result.warnings == (OVER_PLAN,)


# ---- creates whose response was lost are not duplicated ---------------------------------


def _count_applications(emu: Any, title: str) -> int:
    return sum(app.title == title for app in emu.store.default_account.applications.values())


@pytest.mark.parametrize("fault", ["error_after_rate", "drop_rate"])
def test_lost_create_application_is_not_duplicated(emu, api, naps, fault):
    set_faults(emu, **{fault: 1.0})
    lift_faults_after_first_failure(emu, naps)
    result = api.create_application("Shop")
    assert _count_applications(emu, "Shop") == 1
    code = next(iter(emu.store.default_account.applications))
    assert result.response == {"application": code}
    expected_writes = 1 if fault == "error_after_rate" else 2  # a drop happens before the method
    assert len(journal(emu, "createApplication")) == expected_writes
    if fault == "error_after_rate":
        assert "outcome confirmed by reading back" in result.notes


def test_lost_creates_of_every_kind_are_not_duplicated(emu, api, naps):
    app = emu.store.add_application(emu.store.default_account, "App")
    zone = {"name": "Z", "lat": 1.0, "lng": 2.0, "cooldown": 60, "range": 100, "content": "hi"}
    creates = [
        ("addTag", lambda: api.add_tag("Level", 1)),
        ("createFilter", lambda: api.create_filter("vip", 'T("Level", GTE, 5)')),
        ("createPreset", lambda: api.create_preset(app.code, "Hi", {"message": "hi"}, [1])),
        ("addGeoZoneCluster", lambda: api.add_cluster(app.code, "Stores", 60)),
        ("addGeoZone", lambda: api.add_geozones(app.code, [zone])),
    ]
    for method, create in creates:
        set_faults(emu, error_after_rate=1.0)
        lift_faults_after_first_failure(emu, naps)
        result = create()
        assert "outcome confirmed by reading back" in result.notes, method
        assert len(journal(emu, method)) == 1, method
    account = emu.store.default_account
    assert "Level" in account.tags and list(account.filters) == ["vip"]
    presets = {preset["name"]: code for code, preset in app.presets.items()}
    assert list(presets) == ["Hi"]
    assert [cluster["name"] for cluster in app.clusters.values()] == ["Stores"]
    assert list(app.geozone_ids_by_name()) == ["Z"]
    assert api.find_preset_code(app.code, "Hi") == presets["Hi"]


def test_lost_create_event_retry_counts_as_already_existed(emu, api, naps):
    app = emu.store.add_application(emu.store.default_account, "App")
    set_faults(emu, error_after_rate=1.0)
    lift_faults_after_first_failure(emu, naps)
    result = api.create_event(app.code, "Buy")
    assert result.notes[-1] == "already existed"
    assert list(app.events) == ["Buy"] and len(journal(emu, "createEvent")) == 2


def test_existing_event_on_first_attempt_stays_an_error(emu, api):
    app = emu.store.add_application(emu.store.default_account, "App")
    api.create_event(app.code, "Buy")
    with pytest.raises(ArgumentError, match="Event already exists"):
        api.create_event(app.code, "Buy")


def test_delete_of_missing_entities_is_already_gone(emu, api):
    app = emu.store.add_application(emu.store.default_account, "App")
    assert api.delete_tag("Nope").notes == ("already gone",)
    assert api.delete_filter("Nope").notes == ("already gone",)
    assert api.delete_preset("NOPE0-NOPE0").notes == ("already gone",)
    assert api.delete_cluster(app.code, "NOPE0-NOPE0").notes == ("already gone",)
    assert api.delete_geozones(app.code, [999]).notes == ("already gone",)
    api.delete_application(app.code)
    assert api.delete_application(app.code).notes == ("already gone",)
    with pytest.raises(ArgumentError, match="Default tag can not be deleted"):
        api.delete_tag("Language")


# ---- the token never shows --------------------------------------------------------------


def test_token_absent_from_errors_reprs_and_journal(emu, connect):
    api = Pushwoosh(connect())
    with pytest.raises(ApiError) as info:
        api.read(Reads.get_application("NOPE0-NOPE0"))
    api.read(Reads.list_tags())
    texts = [str(info.value), repr(info.value), repr(info.value.result), repr(api)]
    texts.append(json.dumps(journal(emu)))
    assert all(emu.token not in text for text in texts)


# ---- concurrency ------------------------------------------------------------------------


def test_sixteen_threads_against_the_emulator(emu, connect):
    api = Pushwoosh(connect(workers=16))
    names = [f"tag{n}" for n in range(48)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda name: api.add_tag(name, 2), names))
    assert all(result.response == {"result": True} for result in results)
    assert set(names) <= set(emu.store.default_account.tags)
    assert len(journal(emu, "addTag")) == 48
