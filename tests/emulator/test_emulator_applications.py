"""Applications (contract §2) over real HTTP."""

from __future__ import annotations

import base64
import re

from emulator_client import Api

from pwconf.emulator.server import EmulatorServer

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
P12 = base64.b64encode(b"p12-bytes").decode()


def test_create_and_get(api: Api) -> None:
    code = api.ok("createApplication", title="Shop", sdk_ios="corona", sdk_android="phonegap",
                  icon=PNG, authorize_all_tokens=False)["application"]
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    app = api.ok("getApplication", application=code)["application"]
    assert app["code"] == code
    assert app["title"] == "Shop"
    assert (app["sdk_ios"], app["sdk_android"]) == ("corona", "phonegap")
    assert app["icon_url"].startswith("https://")
    assert app["providers"] == {"ios": False, "android": False}
    assert set(app) == {"code", "title", "sdk_ios", "sdk_android", "icon_url", "providers"}


def test_defaults_and_validation(api: Api) -> None:
    app = api.ok("getApplication", application=api.new_app())["application"]
    assert (app["sdk_ios"], app["sdk_android"], app["icon_url"]) == ("pw", "pw", None)
    assert api.error("createApplication") == "Missing required field: title"
    assert api.error("createApplication", title=" ") == "Invalid title: must not be empty"
    assert "sdk_ios" in api.error("createApplication", title="x", sdk_ios="phonegap")
    assert "sdk_android" in api.error("createApplication", title="x", sdk_android="flutter")
    assert api.error("createApplication", title="x", icon="@@@") == "Invalid icon: not base64"


def test_codes_are_deterministic_from_the_seed() -> None:
    def codes(seed: int) -> list[str]:
        with EmulatorServer(port=0, seed=seed) as srv:
            return [srv.store.add_application(srv.store.default_account, f"a{i}").code
                    for i in range(3)]

    assert codes(5) == codes(5)
    assert codes(5) != codes(6)


def test_update(api: Api, app: str) -> None:
    assert api.ok("updateApplication", application=app, title="Renamed", sdk_ios="corona") is None
    got = api.ok("getApplication", application=app)["application"]
    assert (got["title"], got["sdk_ios"], got["sdk_android"]) == ("Renamed", "corona", "pw")
    assert api.error("updateApplication", application=app, title="") == (
        "Invalid title: must not be empty")
    assert api.error("updateApplication", application="AAAAA-00000") == "Application not found"


def test_get_applications_pages_of_100(api: Api, server: EmulatorServer) -> None:
    empty = api.ok("getApplications")
    assert empty == {"applications": {}, "page": 1, "total": 1}
    for index in range(250):
        server.store.add_application(server.store.default_account, f"App {index}")
    pages = [api.ok("getApplications", page=n) for n in (1, 2, 3, 4)]
    assert [len(p["applications"]) for p in pages] == [100, 100, 50, 0]
    assert all(p["total"] == 3 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    assert api.ok("getApplications")["applications"] == pages[0]["applications"]
    titles = [t for p in pages for t in p["applications"].values()]
    assert titles == [f"App {i}" for i in range(250)]
    assert "page" in api.error("getApplications", page=0)
    assert "page" in api.error("getApplications", page="2")


def test_configure_ios_and_android_never_echo_credentials(api: Api, server: EmulatorServer,
                                                         app: str) -> None:
    providers = api.ok("configureApplication", application=app, device_type=1,
                       ios_key_management_type="manual", ios_key_file=P12,
                       ios_key_password="s3cret-pass", ios_gateway=0)["providers"]
    assert providers == {"ios": True, "android": False}
    service_account = {"type": "service_account", "private_key": "PRIVATE-KEY-XYZ"}
    providers = api.ok("configureApplication", application=app, device_type=3,
                       android_fcm_service_account=service_account)["providers"]
    assert providers == {"ios": True, "android": True}
    answer = api.call("getApplication", application=app)
    assert answer.json()["response"]["application"]["providers"] == providers
    assert "s3cret-pass" not in answer.text and "PRIVATE-KEY-XYZ" not in answer.text
    stored = server.store.default_account.applications[app].credentials
    assert stored["ios"]["ios_key_password"] == "s3cret-pass"


def test_configure_validation(api: Api, app: str) -> None:
    def error(**fields: object) -> str:
        return api.error("configureApplication", application=app, **fields)

    assert error() == "Missing required field: device_type"
    assert "device_type" in error(device_type=7)
    assert error(device_type=1, ios_key_password="p", ios_gateway=1) == (
        "Missing required field: ios_key_file")
    assert error(device_type=1, ios_key_file=P12, ios_gateway=1) == (
        "Missing required field: ios_key_password")
    assert error(device_type=1, ios_key_file=P12, ios_key_password="p") == (
        "Missing required field: ios_gateway")
    assert "ios_gateway" in error(device_type=1, ios_key_file=P12, ios_key_password="p",
                                  ios_gateway=2)
    assert error(device_type=3) == "Missing required field: android_fcm_service_account"
    assert "expected an object" in error(device_type=3, android_fcm_service_account="{}")
    assert api.error("configureApplication", application="AAAAA-00000", device_type=3) == (
        "Application not found")


def test_delete_removes_everything_of_the_app(api: Api, server: EmulatorServer) -> None:
    app, other = api.new_app("Doomed"), api.new_app("Kept")
    api.ok("createEvent", application=app, name="Buy")
    preset = api.new_preset(app)
    cluster = api.ok("addGeoZoneCluster", application=app, name="C", cooldown=0)["GeoZoneCluster"]
    api.ok("addGeoZone", application=app, geozones=[
        {"name": "G", "lat": 1, "lng": 2, "cooldown": 0, "range": 100, "presetCode": preset,
         "cluster": cluster}])
    api.ok("createFilter", name="bound", filter_expression=f'A("{app}")', application=app)
    api.ok("createFilter", name="other", filter_expression=f'A("{other}")', application=other)
    assert api.ok("deleteApplication", application=app) is None
    assert api.error("getApplication", application=app) == "Application not found"
    assert api.error("getPreset", preset_code=preset) == "Preset not found"
    assert [f["name"] for f in api.ok("listFilters")["filters"]] == ["other"]
    assert list(api.ok("getApplications")["applications"]) == [other]
    assert app not in server.store.default_account.applications
    assert api.error("deleteApplication", application=app) == "Application not found"
