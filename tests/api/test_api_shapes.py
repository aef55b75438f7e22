"""The tolerant reader: every answer read through its method's declared shape (api/shapes.py).
Unambiguous coercions and documented alternatives are read as the contract's form, each noted;
anything else is an UnreadableAnswer naming the method, the key path and what was expected."""

from __future__ import annotations

import pytest

from pwconf.api.pushwoosh import Pushwoosh, Reads
from pwconf.api.shapes import read_answer
from pwconf.errors import ApiError, UnreadableAnswer
from pwconf.kinds.application import KIND as APPLICATION_KIND
from pwconf.kinds.application import NOT_REPORTED
from pwconf.kinds.base import LiveView
from pwconf.kinds.geozone import KIND as GEOZONE_KIND

ZONE = {"id": 7, "name": "office", "lat": 40.5, "lng": -73.0, "range": 100, "cooldown": 60,
        "content": "Hi", "presetCode": None, "cluster": None, "campaign": None,
        "timetable": None}  # fmt: skip
APP = {"code": "A-1", "title": "Shop", "sdk_ios": "pw", "sdk_android": None,
       "providers": {"ios": True, "android": False}}  # fmt: skip


def read(method: str, response, **known):
    checked = read_answer(method, response, known)
    return checked.response, [str(d) for d in checked.differences]


def unreadable(method: str, response, **known) -> str:
    with pytest.raises(UnreadableAnswer) as caught:
        read_answer(method, response, known)
    assert isinstance(caught.value, ApiError) and caught.value.method == method
    return caught.value.message


# ---- the contract's own shapes are read as they are ------------------------------------------


def test_a_contract_answer_is_read_unchanged_and_extra_keys_are_ignored() -> None:
    response, differences = read("listGeoZones", {"geoZones": [{**ZONE, "extra": 1}], "x": 2})
    assert response == {"geoZones": [ZONE]} and differences == []
    response, differences = read("getApplication", {"application": {**APP, "icon_url": None}})
    assert response == {"application": APP} and differences == []


def test_a_method_whose_answer_pwconf_never_reads_passes_through() -> None:
    assert read("deleteTag", "anything") == ("anything", [])


# ---- coercions where the meaning is unambiguous ----------------------------------------------


def test_numbers_sent_as_strings() -> None:
    zone = {**ZONE, "id": "7", "lat": "40.5", "lng": "-73", "range": "100", "cooldown": "60.0"}
    response, differences = read("listGeoZones", {"geoZones": [zone]})
    assert response == {"geoZones": [{**ZONE, "lng": -73.0}]}
    assert differences == [
        'response.geoZones[0].id: the string "7"; read as a whole number',
        'response.geoZones[0].lat: the string "40.5"; read as a number',
        'response.geoZones[0].lng: the string "-73"; read as a number',
        'response.geoZones[0].range: the string "100"; read as a number',
        'response.geoZones[0].cooldown: the string "60.0"; read as a whole number',
    ]


@pytest.mark.parametrize("value", ["1", "true", "True", 1])
def test_booleans_sent_otherwise(value) -> None:
    response, differences = read("listTags", {"tags": [
        {"name": "Team", "type": 2, "isApplicationSpecific": value}]})  # fmt: skip
    assert response["tags"][0]["isApplicationSpecific"] is True
    assert differences == [f"response.tags[0].isApplicationSpecific: {_found(value)}; read as true"]


def _found(value) -> str:
    return f'the string "{value}"' if isinstance(value, str) else f"the number {value}"


def test_codes_sent_as_numbers_null_lists_and_php_empty_arrays() -> None:
    assert read("createApplication", {"application": 12345})[0] == {"application": "12345"}
    assert read("listTags", {"tags": None}) == (
        {"tags": []}, ["response.tags: null; read as an empty list"]
    )  # fmt: skip
    assert read("getApplications", {"applications": [], "page": 1, "total": 1}) == (
        {"applications": {}, "page": 1, "total": 1},
        ["response.applications: a list of 0 items; read as an empty object"],
    )


def test_lower_case_operators_are_read_in_upper_case_outside_strings() -> None:
    row = {"name": "f", "filter_expression": 'T("in", gte, 3) * T("x", eq, "eq") * T("n", gt, 1)'}
    response, differences = read("listFilters", {"filters": [row]})
    read_as = 'T("in", GTE, 3) * T("x", EQ, "eq") * T("n", GT, 1)'
    assert response["filters"][0]["filter_expression"] == read_as
    assert "response.filters[0].filter_expression: operators in lower case; read as upper case" in (
        differences
    )


def test_null_written_as_a_string_for_no_expiration() -> None:
    row = {"name": "f", "filter_expression": "A(\"X\")", "code": "F", "application": None,
           "expiration_date": "null"}  # fmt: skip
    response, differences = read("listFilters", {"filters": [row]})
    assert response["filters"][0]["expiration_date"] is None
    assert differences == ['response.filters[0].expiration_date: the string "null"; read as null']


# ---- documented alternatives ---------------------------------------------------------------


def test_geozones_grouped_under_their_cluster_with_a_code() -> None:
    inside = {k: v for k, v in ZONE.items() if k != "cluster"}
    grouped = {"clusters": [
        {"name": "Downtown", "code": "C-1", "geoZones": [inside]},
        {"name": None, "code": None, "geoZones": [{**inside, "id": 8, "name": "free"}]},
    ]}  # fmt: skip
    response, differences = read("listGeoZones", grouped)
    assert response == {"geoZones": [
        {**ZONE, "cluster": "C-1"}, {**ZONE, "id": 8, "name": "free"}
    ]}  # fmt: skip
    assert differences == [
        "response.clusters: geozones grouped by cluster; read as one list of geozones"
    ]


def test_geozones_grouped_under_a_cluster_known_by_name_only() -> None:
    response, _ = read("listGeoZones", {"clusters": [{"name": "Downtown", "geoZones": [ZONE]}]})
    (row,) = response["geoZones"]
    assert row["clusterName"] == "Downtown" and row["cluster"] is None
    view = LiveView()
    entity = GEOZONE_KIND.to_entity(row, "shop", view)
    assert entity is not None and entity.attrs["cluster"] == "Downtown"


def test_a_geozone_whose_cluster_contradicts_its_group_is_unreadable() -> None:
    grouped = {"clusters": [{"name": "A", "code": "C-1", "geoZones": [{**ZONE, "cluster": "C-2"}]}]}
    assert unreadable("listGeoZones", grouped) == (
        "listGeoZones: cannot read the answer at response.clusters[0].geoZones[0].cluster: "
        'expected the code of its group (C-1), found the string "C-2"'
    )


def test_get_application_without_code_or_title_and_with_documented_sdk_names() -> None:
    documented = {"android_sdk": "x7077", "ios_sdk": "", "ios_key_password": "x736563726574",
                  "providers": {"ios": "1", "android": "0"}}  # fmt: skip
    response, differences = read("getApplication", {"application": documented},
                                 application="A-9")  # fmt: skip
    assert response == {"application": {"code": "A-9", "title": None, "sdk_ios": None,
                                         "sdk_android": "pw",
                                         "providers": {"ios": True, "android": False}}}  # fmt: skip
    assert differences[:2] == [
        "response.application.code: absent; read as the requested application code (A-9)",
        "response.application.title: absent; read as the title getApplications lists",
    ]
    assert 'response.application.android_sdk: the string "x7077"; read as "pw" (hex-encoded)' in (
        differences
    )
    view = LiveView(listed_titles={"A-9": "Shop"})
    entity = APPLICATION_KIND.to_entity(response["application"], "shop", view)
    assert entity is not None and entity.attrs["title"] == "Shop" and entity.code == "A-9"


def test_an_sdk_value_is_decoded_only_when_it_names_a_known_sdk() -> None:
    response, _ = read("getApplication", {"application": {**APP, "sdk_ios": "x41"}})
    assert response["application"]["sdk_ios"] == "x41"  # "A" is no SDK: kept as it is


def test_providers_left_out_leave_each_platform_unknown() -> None:
    app = {k: v for k, v in APP.items() if k != "providers"}
    response, differences = read("getApplication", {"application": app})
    assert response["application"]["providers"] is None
    assert differences == [
        "response.application.providers: absent; read as unknown (a platform counts as "
        "configured where pwconf's state recorded it)"
    ]
    entity = APPLICATION_KIND.to_entity(response["application"], "shop", LiveView())
    assert entity is not None and entity.attrs["ios"] == entity.attrs["android"] == NOT_REPORTED


def test_get_preset_takes_the_listed_name_and_the_requested_code_when_left_out() -> None:
    preset = {"segmentation": {"platforms": ["1", 3]}, "content": {"message": "hi"}}
    response, _ = read("getPreset", {"preset": preset}, preset_code="P-1", name="welcome")
    assert response["preset"]["code"] == "P-1" and response["preset"]["name"] == "welcome"
    assert response["preset"]["segmentation"]["platforms"] == [1, 3]
    assert response["preset"]["scheduling"] == {"sendRate": None}


# ---- what cannot be read ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "response", "message"),
    [
        ("getApplication", "nope",
         'at response: expected an object, found the string "nope"'),
        ("getApplications", {"applications": "x"},
         "at response.applications: expected an object of application code to title, found "
         'the string "x"'),
        ("listGeoZones", {"geoZones": [{k: v for k, v in ZONE.items() if k != "id"}]},
         "at response.geoZones[0].id: expected a whole number, found no such key"),
        ("listGeoZones", {"zones": []},
         'at response: expected an object with "geoZones" (a list) or "clusters" (geozones '
         "grouped by cluster), found an object"),
        ("listGeoZones", {"geoZones": [{**ZONE, "lat": True}]},
         "at response.geoZones[0].lat: expected a number, found the boolean true"),
        ("listGeoZones", {"geoZones": [{**ZONE, "lat": "NaN"}]},
         'at response.geoZones[0].lat: expected a number, found the string "NaN"'),
        ("listGeoZones", {"geoZones": [{**ZONE, "range": "wide"}]},
         'at response.geoZones[0].range: expected a number, found the string "wide"'),
        ("listTags", {"tags": [{"name": "Age", "type": 1, "isApplicationSpecific": 2}]},
         "at response.tags[0].isApplicationSpecific: expected true or false, found the number 2"),
        ("listGeoZoneClusters", {"clusters": [{"name": "C", "cooldown": 1}]},
         "at response.clusters[0].code: expected a string, found no such key"),
        ("getApplication", {"application": {**APP, "sdk_ios": []}},
         "at response.application.sdk_ios: expected a string or null, found a list of 0 items"),
        ("getPreset", {"preset": None},
         "at response.preset: expected an object, found null"),
        ("addGeoZone", {"GeoZones": [1]},
         "at response.GeoZones: expected a list of one geozone id per geozone sent, found a "
         "list of 1 item"),
    ],
)  # fmt: skip
def test_unreadable_answers_name_the_method_path_and_expectation(method, response, message):
    known = {"geozones": [{"name": "a"}, {"name": "b"}]} if method == "addGeoZone" else {}
    assert unreadable(method, response, **known) == f"{method}: cannot read the answer {message}"


def test_a_long_string_is_never_quoted_in_a_message() -> None:
    secret = "s3cret-" * 10
    message = unreadable("getApplication", secret)
    assert secret not in message and "a string of 70 characters" in message


# ---- the Pushwoosh methods read through the shapes --------------------------------------------


@pytest.fixture
def api(scripted, make_client) -> Pushwoosh:
    return Pushwoosh(make_client(scripted.url))


def test_every_filter_per_application_when_the_account_wide_list_is_refused(api, scripted):
    filters = {"filters": [{"name": "vip", "filter_expression": 'T("Level", gte, 5)'}]}
    scripted.script("listFilters", scripted.status(210, "Request format is not valid."),
                    scripted.ok(filters), scripted.ok({"filters": []}))  # fmt: skip
    page = {"applications": {"A-1": "One", "A-2": "Two"}, "total": 1}
    scripted.script("getApplications", scripted.ok(page))
    rows = api.all_filters()
    assert [row["filter_expression"] for row in rows] == ['T("Level", GTE, 5)']
    sent = [call.request.get("application") for call in scripted.calls_to("listFilters")]
    assert sent == [None, "A-1", "A-2"]


def test_reads_return_the_contract_form(api, scripted):
    scripted.script("listGeoZones", scripted.ok({"clusters": [
        {"name": "C", "code": "C-1", "geoZones": [{**ZONE, "id": "7"}]}]}))  # fmt: skip
    assert api.list_geozones("A-1").response == {"geoZones": [{**ZONE, "cluster": "C-1"}]}
    assert Reads.list_geozones("A-1").fields == {"application": "A-1"}
