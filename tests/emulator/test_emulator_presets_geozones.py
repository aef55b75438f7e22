"""Presets (§6), geozone clusters (§7) and geozones (§8) over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_client import Api

CONTENT = {"message": {"en": "Hi", "de": "Hallo"}, "title": "T",
           "action": {"type": "url", "options": {"url": "https://example.com"}},
           "userData": {"k": 1}}


def test_create_list_get_delete_preset(api: Api, app: str) -> None:
    api.ok("createFilter", name="everyone", filter_expression=f'A("{app}")')
    segmentation = {"filter": "everyone", "platforms": [1, 3, 11]}
    campaign = api.ok("createCampaign", application=app, name="autumn")["campaign"]
    assert api.ok("createPreset", applicationCode=app, name="Promo", campaignCode=campaign,
                  content=CONTENT, scheduling={"sendRate": 500},
                  segmentation=segmentation) is None  # [doc] no code is returned
    presets = api.ok("listPresets", application=app)["presets"]
    assert [p["name"] for p in presets] == ["Promo"]
    code = presets[0]["code"]
    assert set(presets[0]) == {"code", "name"}
    assert api.ok("getPreset", preset_code=code) == {"preset": {
        "code": code, "name": "Promo", "applicationCode": app, "campaignCode": campaign,
        "content": CONTENT, "scheduling": {"sendRate": 500}, "segmentation": segmentation,
    }}
    assert api.error("createPreset", applicationCode=app, name="Promo", content=CONTENT,
                     segmentation={"platforms": [1]}) == "Preset already exists"
    assert api.ok("deletePreset", preset_code=code) is None
    assert api.error("getPreset", preset_code=code) == "Preset not found"
    assert api.error("deletePreset", preset_code=code) == "Preset not found"
    assert api.ok("listPresets", application=app) == {"presets": []}


def test_preset_defaults(api: Api, app: str) -> None:
    code = api.new_preset(app, "Plain")
    preset = api.ok("getPreset", preset_code=code)["preset"]
    assert preset["campaignCode"] is None
    assert preset["scheduling"] == {}
    other = api.new_app("Other")
    api.new_preset(other, "Plain")  # names are unique per application only


def preset_error(api: Api, app: str, **changes: Any) -> str:
    fields: dict[str, Any] = {"applicationCode": app, "name": "P", "content": {"message": "m"},
                              "segmentation": {"platforms": [1]}}
    fields.update(changes)
    return api.error("createPreset", **{k: v for k, v in fields.items() if v is not None})


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": None}, "Missing required field: name"),
    ({"content": None}, "Missing required field: content"),
    ({"content": {"title": "t"}}, "Missing required field: content.message"),
    ({"content": {"message": ""}}, "Invalid content.message: must not be empty"),
    ({"content": {"message": "m", "action": {"type": "call"}}},
     "Invalid content.action.type: expected one of url, deepLink, richMedia, openApp"),
    ({"segmentation": None}, "Missing required field: segmentation"),
    ({"segmentation": {}}, "Please select at least one platform"),
    ({"segmentation": {"platforms": []}}, "Please select at least one platform"),
    ({"segmentation": {"platforms": [2]}},
     "Invalid segmentation.platforms[0]: unknown platform id 2"),
    ({"segmentation": {"platforms": [1], "filter": "nope"}},
     "Invalid segmentation.filter: filter 'nope' not found"),
    ({"scheduling": {"sendRate": 99}},
     "Invalid scheduling.sendRate: must be between 100 and 1000"),
    ({"scheduling": {"sendRate": 1001}},
     "Invalid scheduling.sendRate: must be between 100 and 1000"),
    ({"applicationCode": None}, "API token or application is not set"),
    ({"applicationCode": "ZZZZZ-99999"}, "Access denied or application not found"),
])
def test_create_preset_validation(api: Api, app: str, changes: dict, message: str) -> None:
    assert preset_error(api, app, **changes) == message


def test_preset_filter_must_not_belong_to_another_app(api: Api, app: str) -> None:
    other = api.new_app("Other")
    api.ok("createFilter", name="theirs", filter_expression=f'A("{other}")', application=other)
    assert "bound to another application" in preset_error(
        api, app, segmentation={"platforms": [1], "filter": "theirs"})


def test_clusters(api: Api, app: str) -> None:
    code = api.ok("addGeoZoneCluster", application=app, name="Stores",
                  cooldown=3600)["GeoZoneCluster"]
    assert api.error("addGeoZoneCluster", application=app, name="Stores", cooldown=1) == (
        "Cluster already exists")
    assert api.error("addGeoZoneCluster", application=app, name="X") == (
        "Missing required field: cooldown")
    assert api.error("addGeoZoneCluster", application=app, name="X", cooldown=-1) == (
        "Invalid cooldown: must be at least 0")
    api.ok("addGeoZone", application=app, geozones=[
        {"name": f"G{i}", "lat": 0, "lng": 0, "cooldown": 0, "range": 50, "content": "x",
         "cluster": code} for i in range(2)])
    assert api.ok("listGeoZoneClusters", application=app) == {"clusters": [
        {"name": "Stores", "code": code, "cooldown": 3600, "geozones": 2}]}
    assert api.ok("deleteGeoZoneCluster", application=app, geoZoneCluster=code) is None
    assert api.ok("listGeoZoneClusters", application=app) == {"clusters": []}
    assert all(g["cluster"] is None for g in api.ok("listGeoZones", application=app)["geoZones"])
    assert api.error("deleteGeoZoneCluster", application=app, geoZoneCluster=code) == (
        "Cluster not found")


def geozone(**changes: Any) -> dict[str, Any]:
    base = {"name": "Mall", "lat": 59.9, "lng": 10.7, "cooldown": 60, "range": 200,
            "content": "Welcome"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_add_list_update_delete_geozones(api: Api, app: str) -> None:
    preset = api.new_preset(app)
    cluster = api.ok("addGeoZoneCluster", application=app, name="C", cooldown=0)["GeoZoneCluster"]
    campaign = api.ok("createCampaign", application=app, name="autumn")["campaign"]
    ids = api.ok("addGeoZone", application=app, geozones=[
        geozone(name="A"),
        geozone(name="B", content=None, presetCode=preset, cluster=cluster, campaign=campaign,
                timetable={"mon": [9, 17]}),
    ])["GeoZones"]
    assert len(ids) == 2 and ids[0] < ids[1]
    listed = api.ok("listGeoZones", application=app)["geoZones"]
    assert listed == [
        {"id": ids[0], "name": "A", "lat": 59.9, "lng": 10.7, "cooldown": 60, "range": 200,
         "content": "Welcome", "presetCode": None, "cluster": None, "campaign": None,
         "timetable": None},
        {"id": ids[1], "name": "B", "lat": 59.9, "lng": 10.7, "cooldown": 60, "range": 200,
         "content": None, "presetCode": preset, "cluster": cluster, "campaign": campaign,
         "timetable": {"mon": [9, 17]}},
    ]
    assert api.ok("updateGeoZone", application=app, geoZoneId=ids[1], range=300, cluster=None,
                  campaign=None) is None
    updated = api.ok("listGeoZones", application=app)["geoZones"][1]
    assert (updated["range"], updated["cluster"], updated["campaign"]) == (300, None, None)
    assert (updated["presetCode"], updated["name"]) == (preset, "B")  # omitted fields stay
    assert api.ok("deleteGeoZone", application=app, geozones=ids) is None
    assert api.ok("listGeoZones", application=app) == {"geoZones": []}
    assert api.error("deleteGeoZone", application=app, geozones=ids) == "Geozone not found"


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": None}, "Missing required field: geozones[1].name"),
    ({"lat": 90.5}, "Invalid geozones[1].lat: must be between -90 and 90"),
    ({"lng": -181}, "Invalid geozones[1].lng: must be between -180 and 180"),
    ({"lat": "59"}, "Invalid geozones[1].lat: expected a number"),
    ({"cooldown": -1}, "Invalid geozones[1].cooldown: must be at least 0"),
    ({"range": 49}, "Invalid geozones[1].range: must be between 50 and 1000"),
    ({"range": 1001}, "Invalid geozones[1].range: must be between 50 and 1000"),
    ({"content": None},
     "Missing required field: geozones[1].content or geozones[1].presetCode"),
    ({"presetCode": "ZZZZZ-99999"},
     "Invalid geozones[1].presetCode: preset 'ZZZZZ-99999' not found in this application"),
    ({"cluster": "ZZZZZ-99999"},
     "Invalid geozones[1].cluster: cluster 'ZZZZZ-99999' not found in this application"),
    ({"presetCode": ["ZZZZZ-99999"]}, "Invalid geozones[1].presetCode: expected a string"),
    ({"name": "First"}, "Geozone already exists: geozones[1].name 'First'"),
])
def test_add_geozone_validation_is_all_or_nothing(
    api: Api, app: str, changes: dict, message: str
) -> None:
    batch = [geozone(name="First"), geozone(**{"name": "Second", **changes})]
    assert api.error("addGeoZone", application=app, geozones=batch) == message
    assert api.ok("listGeoZones", application=app) == {"geoZones": []}


def test_geozone_names_are_unique_per_app_and_update_validates(api: Api, app: str) -> None:
    first, second = api.ok("addGeoZone", application=app,
                           geozones=[geozone(name="A"), geozone(name="B")])["GeoZones"]
    assert api.error("addGeoZone", application=app, geozones=[geozone(name="A")]) == (
        "Geozone already exists: geozones[0].name 'A'")
    assert api.error("updateGeoZone", application=app, geoZoneId=second, name="A") == (
        "Geozone already exists: name 'A'")
    assert api.error("updateGeoZone", application=app, geoZoneId=second, range=10) == (
        "Invalid range: must be between 50 and 1000")
    assert api.error("updateGeoZone", application=app, geoZoneId=999) == "Geozone not found"
    assert api.error("updateGeoZone", application=app) == "Missing required field: geoZoneId"
    api.ok("updateGeoZone", application=app, geoZoneId=first, name="A2")
    api.ok("addGeoZone", application=app, geozones=[geozone(name="A")])  # old name is free
    assert api.error("addGeoZone", application=app, geozones=[]) == (
        "Invalid geozones: must not be empty")


def test_campaigns_are_listed_a_cursor_page_at_a_time(api: Api, app: str) -> None:
    names = ["a", "b", "c", "d", "e"]
    codes = [api.ok("createCampaign", application=app, name=n, description=f"about {n}")["campaign"]
             for n in names]
    assert api.error("createCampaign", application=app, name="a") == "Campaign already exists"
    listed, cursor, pages = [], None, 0
    while True:
        page = api.ok("getCampaigns", application=app, **({"cursor": cursor} if cursor else {}))
        pages += 1
        listed += page["campaigns"]
        cursor = page["cursor"]
        if not cursor:
            break
    assert pages == 3  # five campaigns, two a page
    assert listed == [{"code": c, "name": n, "description": f"about {n}"}
                      for c, n in zip(codes, names, strict=True)]
    assert api.ok("getCampaigns", application=app, limit=1)["campaigns"] == listed[:1]


def test_a_deleted_campaign_is_unbound_from_presets_and_geozones(api: Api, app: str) -> None:
    code = api.ok("createCampaign", application=app, name="autumn")["campaign"]
    api.ok("createPreset", applicationCode=app, name="P", campaignCode=code,
           content={"message": "hi"}, segmentation={"platforms": [1]})
    [zone] = api.ok("addGeoZone", application=app, geozones=[geozone(campaign=code)])["GeoZones"]
    assert api.ok("deleteCampaign", campaign=code) is None
    assert api.error("deleteCampaign", campaign=code) == "Campaign not found"
    preset = api.ok("listPresets", application=app)["presets"][0]["code"]
    assert api.ok("getPreset", preset_code=preset)["preset"]["campaignCode"] is None
    assert api.ok("listGeoZones", application=app)["geoZones"][0]["campaign"] is None
    assert zone
    assert api.error("createPreset", applicationCode=app, name="Q", campaignCode=code,
                     content={"message": "hi"}, segmentation={"platforms": [1]}) == (
        f"Invalid campaignCode: campaign {code!r} not found in this application")
