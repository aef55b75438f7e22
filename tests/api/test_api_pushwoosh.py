"""Pushwoosh: the wire name and fields of every method, and the read-backs of creates."""

from __future__ import annotations

import contextlib

import pytest

from pwconf.api.pushwoosh import Pushwoosh, Reads
from pwconf.errors import OutcomeUnknown, UnreadableAnswer


@pytest.fixture
def api(scripted, make_client) -> Pushwoosh:
    return Pushwoosh(make_client(scripted.url))


def _sent(scripted, token):
    (call,) = scripted.calls
    request = dict(call.request)
    assert request.pop("auth") == token
    return call.method, request


WIRE = [
    (lambda a: a.read(Reads.get_applications(2)), "getApplications", {"page": 2}),
    (
        lambda a: a.read(Reads.get_application("AAAAA-BBBBB")),
        "getApplication",
        {"application": "AAAAA-BBBBB"},
    ),
    (
        lambda a: a.update_application("A-1", title="New", sdk_ios="pw"),
        "updateApplication",
        {"application": "A-1", "title": "New", "sdk_ios": "pw"},
    ),
    (lambda a: a.delete_application("A-1"), "deleteApplication", {"application": "A-1"}),
    (
        lambda a: a.configure_application("A-1", 3, android_fcm_service_account={"k": 1}),
        "configureApplication",
        {"application": "A-1", "device_type": 3, "android_fcm_service_account": {"k": 1}},
    ),
    (lambda a: a.read(Reads.list_tags()), "listTags", {}),
    (lambda a: a.delete_tag("Level"), "deleteTag", {"tag": {"name": "Level"}}),
    (lambda a: a.read(Reads.list_filters()), "listFilters", {}),
    (lambda a: a.read(Reads.list_filters("A-1")), "listFilters", {"application": "A-1"}),
    (lambda a: a.delete_filter("vip"), "deleteFilter", {"name": "vip"}),
    (lambda a: a.list_presets("A-1"), "listPresets", {"application": "A-1"}),
    (lambda a: a.read(Reads.get_preset("P-1")), "getPreset", {"preset_code": "P-1"}),
    (lambda a: a.delete_preset("P-1"), "deletePreset", {"preset_code": "P-1"}),
    (lambda a: a.read(Reads.list_clusters("A-1")), "listGeoZoneClusters", {"application": "A-1"}),
    (
        lambda a: a.delete_cluster("A-1", "C-1"),
        "deleteGeoZoneCluster",
        {"application": "A-1", "geoZoneCluster": "C-1"},
    ),
    (lambda a: a.list_geozones("A-1"), "listGeoZones", {"application": "A-1"}),
    (
        lambda a: a.update_geozone("A-1", 7, cluster=None, range=100),
        "updateGeoZone",
        {"application": "A-1", "geoZoneId": 7, "cluster": None, "range": 100},
    ),
    (
        lambda a: a.delete_geozones("A-1", [7]),
        "deleteGeoZone",
        {"application": "A-1", "geozones": [7]},
    ),
    (
        lambda a: a.create_application("Shop", sdk_android="pw"),
        "createApplication",
        {"title": "Shop", "sdk_android": "pw"},
    ),
    (
        lambda a: a.add_tag("Level", 1, application_specific=True),
        "addTag",
        {
            "tag": {
                "name": "Level",
                "type": 1,
                "application_specific": True,
                "user_specific": False,
            }
        },
    ),
    (
        lambda a: a.create_event("A-1", "Buy", attributes=[{"name": "sku", "type": 2}]),
        "createEvent",
        {
            "application": "A-1",
            "name": "Buy",
            "eventAttributes": [{"name": "sku", "type": 2}],
            "trackRevenue": False,
        },
    ),
    (
        lambda a: a.create_filter("vip", 'T("Level", GTE, 5)', expiration_date="2030-01-01"),
        "createFilter",
        {"name": "vip", "filter_expression": 'T("Level", GTE, 5)', "expiration_date": "2030-01-01"},
    ),
    (
        lambda a: a.create_preset("A-1", "Hi", {"message": "hi"}, [1, 3], filter_name="vip"),
        "createPreset",
        {
            "name": "Hi",
            "applicationCode": "A-1",
            "content": {"message": "hi"},
            "segmentation": {"filter": "vip", "platforms": [1, 3]},
        },
    ),
    (
        lambda a: a.create_preset("A-1", "Hi", {"message": "hi"}, [1], send_rate=200, campaign="C"),
        "createPreset",
        {
            "name": "Hi",
            "applicationCode": "A-1",
            "campaignCode": "C",
            "content": {"message": "hi"},
            "scheduling": {"sendRate": 200},
            "segmentation": {"platforms": [1]},
        },
    ),
    (
        lambda a: a.add_cluster("A-1", "Stores", 3600),
        "addGeoZoneCluster",
        {"application": "A-1", "name": "Stores", "cooldown": 3600},
    ),
    (
        lambda a: a.add_geozones("A-1", [{"name": "Z", "lat": 1.0, "lng": 2.0}]),
        "addGeoZone",
        {"application": "A-1", "geozones": [{"name": "Z", "lat": 1.0, "lng": 2.0}]},
    ),
]


@pytest.mark.parametrize(("invoke", "method", "fields"), WIRE)
def test_wire_method_and_fields(api, scripted, token, invoke, method, fields):
    with contextlib.suppress(UnreadableAnswer):  # the scripted answer is an empty success
        invoke(api)
    assert _sent(scripted, token) == (method, fields)


def test_all_application_pages_reads_every_page(api, scripted):
    scripted.script(
        "getApplications",
        scripted.ok({"applications": {"A-1": "One"}, "page": 1, "total": 2}),
        scripted.ok({"applications": {"A-2": "Two"}, "page": 2, "total": 2}),
    )
    assert api.all_application_pages() == {"A-1": "One", "A-2": "Two"}
    assert [c.request["page"] for c in scripted.calls] == [1, 2]


def test_create_application_lost_response_found_on_second_page(api, scripted):
    scripted.script("createApplication", scripted.DROP)
    scripted.script(
        "getApplications",
        scripted.ok({"applications": {"A-1": "Other"}, "page": 1, "total": 2}),
        scripted.ok({"applications": {"A-2": "Shop"}, "page": 2, "total": 2}),
    )
    result = api.create_application("Shop")
    assert result.response == {"application": "A-2"}
    assert "outcome confirmed by reading back" in result.notes
    assert len(scripted.calls_to("createApplication")) == 1


def test_add_tag_lost_response_not_found_is_retried(api, scripted):
    scripted.script("addTag", scripted.http(503), scripted.ok({"result": True}))
    scripted.script("listTags", scripted.ok({"tags": [{"name": "Language", "type": 2}]}))
    result = api.add_tag("Level", 1)
    assert result.response == {"result": True} and len(scripted.calls_to("addTag")) == 2


def test_create_preset_found_and_code_lookup(api, scripted):
    presets = scripted.ok({"presets": [{"code": "P-9", "name": "Hi"}]})
    scripted.script("createPreset", scripted.http(502))
    scripted.script("listPresets", presets, presets)
    result = api.create_preset("A-1", "Hi", {"message": "hi"}, [1])
    assert result.response is None and "outcome confirmed by reading back" in result.notes
    assert api.find_preset_code("A-1", "Hi") == "P-9"
    assert len(scripted.calls_to("createPreset")) == 1


def test_find_preset_code_missing(api, scripted):
    scripted.script("listPresets", scripted.ok({"presets": []}))
    assert api.find_preset_code("A-1", "Hi") is None


def test_add_cluster_found_returns_code(api, scripted):
    scripted.script("addGeoZoneCluster", scripted.DROP)
    scripted.script(
        "listGeoZoneClusters",
        scripted.ok({"clusters": [{"name": "Stores", "code": "C-5", "cooldown": 60}]}),
    )
    assert api.add_cluster("A-1", "Stores", 60).response == {"GeoZoneCluster": "C-5"}


def test_create_filter_found(api, scripted):
    scripted.script("createFilter", scripted.http(500))
    vip = {"name": "vip", "code": "F", "filter_expression": 'A("A-1")'}
    scripted.script("listFilters", scripted.ok({"filters": [vip]}))
    assert api.create_filter("vip", 'A("A-1")').response == {"name": "vip"}
    assert scripted.calls_to("listFilters")[0].request.get("application") is None


def _zone(zone_id: int, name: str) -> dict:
    return {"id": zone_id, "name": name, "lat": 1.0, "lng": 2.0, "range": 100, "cooldown": 0}


def test_add_geozones_found_in_request_order(api, scripted):
    zones = [_zone(11, "B"), _zone(10, "A")]
    scripted.script("addGeoZone", scripted.DROP)
    scripted.script("listGeoZones", scripted.ok({"geoZones": zones}))
    result = api.add_geozones("A-1", [{"name": "A"}, {"name": "B"}])
    assert result.response == {"GeoZones": [10, 11]}


def test_add_geozones_partial_batch_is_outcome_unknown(api, scripted):
    scripted.script("addGeoZone", scripted.DROP)
    scripted.script("listGeoZones", scripted.ok({"geoZones": [_zone(10, "A")]}))
    with pytest.raises(OutcomeUnknown, match="missing: B"):
        api.add_geozones("A-1", [{"name": "A"}, {"name": "B"}])


def test_delete_geozones_batch_deletes_what_remains(api, scripted):
    scripted.script("deleteGeoZone", scripted.status(210, "Geozone not found"), scripted.ok())
    scripted.script("listGeoZones", scripted.ok({"geoZones": [_zone(8, "B")]}))
    api.delete_geozones("A-1", [7, 8])
    assert [c.request["geozones"] for c in scripted.calls_to("deleteGeoZone")] == [[7, 8], [8]]


def test_create_event_retry_already_existed(api, scripted):
    scripted.script("createEvent", scripted.DROP, scripted.status(210, "Event already exists"))
    result = api.create_event("A-1", "Buy")
    assert result.notes[-1] == "already existed"
