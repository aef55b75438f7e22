"""Transport errors, the §1 account and token messages, restricted tokens, warnings."""

from __future__ import annotations

import http.client
import json

import pytest
import requests
from emulator_client import OMIT, OVER_PLAN, Api

from pwconf.emulator.server import EmulatorServer

SUBSCRIBER_LIMIT = ("Warnings: You have reached the subscriber limit. Push Message will be sent "
                    "to 1 random device only")
NOTIFICATION = {"send_date": "now", "content": "Hello"}


def test_missing_auth_is_http_401(api: Api) -> None:
    answer = api.call("listTags", auth=OMIT)
    assert answer.status_code == 401
    body = answer.json()
    assert body["status_code"] == 401 and "auth" in body["status_message"]


@pytest.mark.parametrize("payload", [b"{not json", b"[]", b'{"request": 5}', b'{"req": {}}', b""])
def test_malformed_body_is_http_400(server: EmulatorServer, payload: bytes) -> None:
    answer = requests.post(f"{server.url}/listTags", data=payload, timeout=5,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["status_code"] == 400


def test_unknown_method_is_http_404_and_get_is_405(api: Api, server: EmulatorServer) -> None:
    assert api.call("deleteEverything").status_code == 404
    assert requests.post(f"{server.url}/", json={"request": {}}, timeout=5).status_code == 404
    assert requests.post(f"{server.base}/json/1.2/listTags", json={}, timeout=5).status_code == 404
    answer = requests.get(f"{server.url}/listTags", timeout=5)
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"


def test_keep_alive_and_content_length(server: EmulatorServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = json.dumps({"request": {"auth": server.token}})
    sockets = []
    for _ in range(3):  # the same socket serves every call, errors included
        connection.request("POST", "/json/1.3/listTags", body)
        sockets.append(connection.sock)
        answer = connection.getresponse()
        payload = answer.read()
        assert answer.status == 200 and answer.version == 11
        assert answer.getheader("Content-Length") == str(len(payload))
        assert answer.getheader("Content-Type").startswith("application/json")
        connection.request("POST", "/json/1.3/nope", "{")
        assert connection.getresponse().read() and connection.sock is sockets[0]
    assert all(sock is sockets[0] for sock in sockets)
    connection.close()


# -- each §1 message from its situation ------------------------------------------------------------
def test_empty_auth(api: Api) -> None:
    for auth in ("", "  ", None, 42):
        assert api.error("listTags", auth=auth) == "API token or application or account is not set"


def test_unknown_token(api: Api) -> None:
    assert api.error("listTags", auth="no-such-token") == "Invalid API Token: Account not found"


def test_token_of_a_deleted_account(api: Api, server: EmulatorServer) -> None:
    account = server.store.add_account("gone", tokens=["ghost-token"])
    assert api.ok("listTags", auth="ghost-token")["tags"]
    del server.store.accounts[account.id]  # its token stays
    assert api.error("listTags", auth="ghost-token") == "Account not found"


def test_suspended_account(api: Api, server: EmulatorServer, app: str) -> None:
    server.store.default_account.suspended = True
    assert api.error("addTag", tag={"name": "x", "type": 1}) == "Account has been suspended"
    assert api.error("createApplication", title="x") == "Account has been suspended"
    assert api.error("createMessage", application=app, notifications=[NOTIFICATION]) == (
        "Account has been suspended")
    message = "Suspended account can not use device filtration"
    assert api.error("createFilter", name="f", filter_expression=f'A("{app}")') == message
    assert api.error("listFilters") == message
    assert api.ok("listTags")["tags"]  # reads still work
    assert api.ok("getApplication", application=app)


def test_application_not_set(api: Api) -> None:
    message = "API token or application is not set"
    for method in ("getApplication", "updateApplication", "deleteApplication",
                   "configureApplication", "createEvent", "listPresets", "addGeoZoneCluster",
                   "listGeoZoneClusters", "deleteGeoZoneCluster", "addGeoZone", "updateGeoZone",
                   "deleteGeoZone", "listGeoZones", "createPreset"):
        assert api.error(method) == message, method


def test_no_application_or_group(api: Api) -> None:
    assert api.error("createMessage", notifications=[NOTIFICATION]) == (
        "No application or group code given")


def test_application_not_found_vs_access_denied(api: Api, server: EmulatorServer) -> None:
    foreign = server.store.add_application(server.store.add_account("other"), "Theirs").code
    for code in ("ZZZZZ-99999", foreign):
        for method in ("getApplication", "updateApplication", "deleteApplication",
                       "configureApplication"):
            assert api.error(method, application=code) == "Application not found"
        for method in ("createEvent", "listPresets", "listGeoZones", "listGeoZoneClusters",
                       "listFilters", "createMessage"):
            assert api.error(method, application=code) == (
                "Access denied or application not found"), method
        assert api.error("createPreset", applicationCode=code) == (
            "Access denied or application not found")


def test_application_suspended(api: Api, server: EmulatorServer, app: str) -> None:
    preset = api.new_preset(app)
    server.store.default_account.applications[app].suspended = True
    for method in ("createEvent", "listPresets", "listGeoZones", "addGeoZoneCluster",
                   "updateApplication", "configureApplication"):
        assert api.error(method, application=app) == "Application suspended", method
    assert api.error("getPreset", preset_code=preset) == "Application suspended"
    assert api.error("createMessage", application=app, notifications=[NOTIFICATION]) == (
        "Application suspended")
    assert api.ok("getApplication", application=app)["application"]["code"] == app
    assert app in api.ok("getApplications")["applications"]
    assert api.ok("deleteApplication", application=app) is None


def test_please_select_a_platform(api: Api, app: str) -> None:
    assert api.error("createPreset", applicationCode=app, name="p", content={"message": "m"},
                     segmentation={"platforms": []}) == "Please select at least one platform"


# -- restricted tokens -----------------------------------------------------------------------------
def test_restricted_token(api: Api, server: EmulatorServer, app: str) -> None:
    other = api.new_app("Other")
    preset_elsewhere = api.new_preset(other)
    server.store.add_token(server.store.default_account, "narrow", applications=[app])

    def forbidden(method: str, **fields: object) -> None:
        answer = api.call(method, auth="narrow", **fields)
        assert answer.status_code == 403, (method, answer.text)
        assert answer.json()["status_message"] == "Token restrictions forbid this operation."

    assert api.ok("listPresets", auth="narrow", application=app) == {"presets": []}
    assert api.ok("createEvent", auth="narrow", application=app, name="E")
    assert len(api.ok("getApplications", auth="narrow")["applications"]) == 2  # lists are readable
    assert api.ok("listTags", auth="narrow")["tags"]
    assert api.ok("listFilters", auth="narrow") == {"filters": []}
    forbidden("listPresets", application=other)
    forbidden("getApplication", application=other)
    forbidden("createEvent", application=other, name="E")
    forbidden("getPreset", preset_code=preset_elsewhere)
    forbidden("listFilters", application=other)
    forbidden("createApplication", title="x")
    forbidden("addTag", tag={"name": "t", "type": 1})
    forbidden("deleteTag", tag={"name": "t"})
    forbidden("createFilter", name="f", filter_expression=f'A("{app}")')
    forbidden("deleteFilter", name="f")


def test_authorize_all_tokens_extends_restricted_tokens(api: Api, server: EmulatorServer,
                                                        app: str) -> None:
    server.store.add_token(server.store.default_account, "narrow", applications=[app])
    shared = api.ok("createApplication", title="Shared", authorize_all_tokens=True)["application"]
    assert api.ok("listPresets", auth="narrow", application=shared) == {"presets": []}


# -- warnings --------------------------------------------------------------------------------------
def test_over_plan_warning_on_every_success(api: Api, server: EmulatorServer, app: str) -> None:
    server.store.set_over_plan(server.store.default_account)
    for method, fields in (("listTags", {}), ("getApplication", {"application": app}),
                           ("addTag", {"tag": {"name": "t", "type": 1}})):
        body = api.call(method, **fields).json()
        assert (body["status_code"], body["status_message"]) == (200, OVER_PLAN)
        assert body["response"] is not None
    body = api.call("createMessage", application=app, notifications=[NOTIFICATION]).json()
    assert (body["status_code"], body["status_message"]) == (200, SUBSCRIBER_LIMIT)
    body = api.call("deleteTag", tag={"name": "nope"}).json()
    assert (body["status_code"], body["status_message"]) == (210, "Tag not found")
