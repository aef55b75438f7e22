"""createMessage and its 600-a-minute limit; the pure core with an injected clock and calendar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from emulator_client import Api

from pwconf.emulator.core import Emulator
from pwconf.emulator.store import Store

NOTIFICATION = {"send_date": "now", "content": "Hello"}


def test_create_message(api: Api, app: str) -> None:
    answer = api.ok("createMessage", application=app, notifications=[
        NOTIFICATION,
        {"send_date": "2030-01-02 03:04", "content": {"en": "Hi", "de": "Hallo"},
         "platforms": [1, 3]},
    ])
    assert len(answer["Messages"]) == 2
    assert all(re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{8}-[0-9A-F]{8}", c) for c in answer["Messages"])
    assert api.ok("createMessage", applications_group="GRP-1", notifications=[NOTIFICATION])


@pytest.mark.parametrize(("notifications", "message"), [
    (None, "Missing required field: notifications"),
    ([], "Invalid notifications: must not be empty"),
    ([{"content": "x"}], "Missing required field: notifications[0].send_date"),
    ([{"send_date": "tomorrow", "content": "x"}],
     "Invalid notifications[0].send_date: expected now or YYYY-MM-DD HH:mm"),
    ([{"send_date": "2030-13-01 10:00", "content": "x"}],
     "Invalid notifications[0].send_date: not a calendar date and time"),
    ([{"send_date": "now"}], "Missing required field: notifications[0].content"),
    ([{"send_date": "now", "content": "x", "platforms": [4]}],
     "Invalid notifications[0].platforms[0]: unknown platform id 4"),
])
def test_create_message_validation(api: Api, app: str, notifications: object, message: str) -> None:
    fields = {} if notifications is None else {"notifications": notifications}
    assert api.error("createMessage", application=app, **fields) == message


def test_create_message_limit_over_http(api: Api, app: str) -> None:
    api.ok("createMessage", application=app, notifications=[NOTIFICATION])
    request = {"auth": api.server.token, "application": app, "notifications": [NOTIFICATION]}
    for _ in range(599):  # the same core the server runs, minus the HTTP round trips
        assert api.server.core.handle("createMessage", request)[0] == 200
    answer = api.call("createMessage", application=app, notifications=[NOTIFICATION])
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert answer.json()["status_code"] == 429
    assert api.ok("listTags")  # no other method is limited [doc]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def message_call(core: Emulator, store: Store, app: str) -> tuple[int, dict, dict]:
    return core.handle("createMessage", {"auth": store.server_tokens[0], "application": app,
                                         "notifications": [NOTIFICATION]})


def test_limit_is_a_sliding_window_per_account() -> None:
    store, clock = Store(), FakeClock()
    core = Emulator(store, clock=clock)
    app = store.add_application(store.default_account, "A").code
    for second in range(60):  # ten calls a second for a minute
        clock.now = 1000.0 + second
        for _ in range(10):
            assert message_call(core, store, app)[0] == 200
    clock.now = 1059.5
    status, body, headers = message_call(core, store, app)
    assert (status, body["status_code"], headers) == (429, 429, {"Retry-After": "1"})
    clock.now = 1060.0  # the ten calls of second 0 have left the window
    assert all(message_call(core, store, app)[0] == 200 for _ in range(10))
    assert message_call(core, store, app)[0] == 429
    other = store.add_account("other", tokens=["other-token"])
    other_app = store.add_application(other, "B").code
    assert core.handle("createMessage", {"auth": "other-token", "application": other_app,
                                         "notifications": [NOTIFICATION]})[0] == 200


def test_core_is_pure_and_answers_envelopes() -> None:
    store = Store(tokens=["t"])
    core = Emulator(store)
    assert core.handle("listTags", {"auth": "t"})[0:2][1]["status_message"] == "OK"
    assert core.handle("nope", {"auth": "t"})[0] == 404
    assert core.handle("listTags", ["auth"])[0] == 400
    status, body, headers = core.handle("listTags", {})
    assert (status, body["status_code"], body["response"], headers) == (401, 401, None, {})


def test_expired_filters_disappear_unless_a_preset_uses_them() -> None:
    store, today = Store(tokens=["t"]), [dt.date(2030, 1, 10)]
    core = Emulator(store, today=lambda: today[0])
    app = store.add_application(store.default_account, "A").code

    def ok(method: str, **fields: object) -> object:
        status, body, _ = core.handle(method, {"auth": "t", **fields})
        assert (status, body["status_code"]) == (200, 200), body
        return body["response"]

    for name in ("short", "used", "forever"):
        ok("createFilter", name=name, filter_expression=f'A("{app}")',
           expiration_date="2030-01-10" if name != "forever" else None)
    ok("createPreset", applicationCode=app, name="P", content={"message": "m"},
       segmentation={"platforms": [1], "filter": "used"})
    names = lambda: [f["name"] for f in ok("listFilters")["filters"]]  # noqa: E731
    assert names() == ["short", "used", "forever"]  # alive through the expiration date
    today[0] = dt.date(2030, 1, 11)
    assert names() == ["used", "forever"]
    ok("createFilter", name="short", filter_expression=f'A("{app}")')  # the name is free again
    assert core.handle("createFilter", {"auth": "t", "name": "x", "filter_expression": "A(\"" +
                       app + "\")", "expiration_date": "2030-01-10"})[1]["status_message"] == (
        "Invalid expiration_date: must not be in the past")
