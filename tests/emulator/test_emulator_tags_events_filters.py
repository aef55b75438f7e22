"""Tags (§3), events (§4) and filters (§5) over real HTTP."""

from __future__ import annotations

import pytest
from emulator_client import Api

from pwconf.emulator.server import EmulatorServer
from pwconf.emulator.store import DEFAULT_TAGS

DEFAULT_TAG_NAMES = [name for name, _, _ in DEFAULT_TAGS]


def tag_names(api: Api) -> list[str]:
    return [t["name"] for t in api.ok("listTags")["tags"]]


def test_default_tags_are_listed_and_undeletable(api: Api) -> None:
    assert DEFAULT_TAG_NAMES == [
        "Language", "Country", "City", "Timezone", "Application Version",
        "Last Application Open", "First Install", "Device Model", "OS Version",
        "Push Alerts Enabled",
    ]
    assert tag_names(api) == DEFAULT_TAG_NAMES
    for name in DEFAULT_TAG_NAMES:
        assert api.error("deleteTag", tag={"name": name}) == "Default tag can not be deleted"
    assert tag_names(api) == DEFAULT_TAG_NAMES


def test_add_list_delete_tag(api: Api) -> None:
    assert api.ok("addTag", tag={"name": "Level", "type": 1, "application_specific": True,
                                 "user_specific": True}) == {"result": True}
    assert api.ok("addTag", tag={"name": "Plan", "type": 2}) == {"result": True}
    tags = {t["name"]: t for t in api.ok("listTags")["tags"]}
    # user_specific is stored but never echoed [doc].
    assert tags["Level"] == {"name": "Level", "type": 1, "isApplicationSpecific": True}
    assert tags["Plan"] == {"name": "Plan", "type": 2, "isApplicationSpecific": False}
    assert api.error("addTag", tag={"name": "Plan", "type": 3}) == "Tag already exists"
    assert api.ok("deleteTag", tag={"name": "Plan"}) == {"result": True}
    assert api.error("deleteTag", tag={"name": "Plan"}) == "Tag not found"
    assert "Plan" not in tag_names(api)


@pytest.mark.parametrize(("tag", "message"), [
    (None, "Missing required field: tag"),
    ("Plan", "Invalid tag: expected an object"),
    ({"type": 1}, "Missing required field: tag.name"),
    ({"name": "X"}, "Missing required field: tag.type"),
    ({"name": "X", "type": 0}, "Invalid tag.type: expected an integer from 1 to 7"),
    ({"name": "X", "type": 8}, "Invalid tag.type: expected an integer from 1 to 7"),
    ({"name": "X", "type": "1"}, "Invalid tag.type: expected an integer from 1 to 7"),
    ({"name": "X", "type": 1, "user_specific": "yes"},
     "Invalid tag.user_specific: expected true or false"),
])
def test_add_tag_validation(api: Api, tag: object, message: str) -> None:
    fields = {} if tag is None else {"tag": tag}
    assert api.error("addTag", **fields) == message


def test_create_event(api: Api, app: str, server: EmulatorServer) -> None:
    first = api.ok("createEvent", application=app, name="Purchase", description="Bought",
                   eventAttributes=[{"name": "amount", "type": 6}], trackRevenue=True)
    second = api.ok("createEvent", application=app, name="Login")
    assert isinstance(first["event"], int) and second["event"] != first["event"]
    assert api.error("createEvent", application=app, name="Purchase") == "Event already exists"
    other = api.new_app("Other")
    api.ok("createEvent", application=other, name="Purchase")  # unique per application only
    stored = server.store.default_account.applications[app].events["Purchase"]
    assert stored["eventAttributes"] == [{"name": "amount", "type": 6}]
    assert stored["trackRevenue"] is True


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Missing required field: name"),
    ({"name": "x" * 33}, "Invalid name: longer than 32 characters"),
    ({"name": "E", "description": "d" * 65}, "Invalid description: longer than 64 characters"),
    ({"name": "E", "eventAttributes": [{"name": "a" * 65, "type": 1}]},
     "Invalid eventAttributes[0].name: longer than 64 characters"),
    ({"name": "E", "eventAttributes": [{"name": "a", "type": 7}]},
     "Invalid eventAttributes[0].type: must be between 1 and 6"),
    ({"name": "E", "eventAttributes": [{"name": "a"}]},
     "Missing required field: eventAttributes[0].type"),
    ({"name": "E", "eventAttributes": "a"}, "Invalid eventAttributes: expected a list"),
])
def test_create_event_validation(api: Api, app: str, fields: dict, message: str) -> None:
    assert api.error("createEvent", application=app, **fields) == message


def test_no_event_listing_method_exists(api: Api) -> None:
    for method in ("listEvents", "getEvents", "deleteEvent", "updateEvent"):
        assert api.call(method).status_code == 404


def test_create_list_delete_filters(api: Api, app: str) -> None:
    other = api.new_app("Other")
    api.ok("addTag", tag={"name": "Age", "type": 1})
    expression = f'A("{app}", ["iOS"]) * T("Age", GTE, 18) + AT("{other}", "City", EQ, "Oslo")'
    assert api.ok("createFilter", name="adults", filter_expression=expression,
                  application=app, expiration_date="2999-01-31") == {"name": "adults"}
    assert api.ok("createFilter", name="all", filter_expression=f'A("{other}")') == {"name": "all"}
    filters = api.ok("listFilters")["filters"]
    assert [f["name"] for f in filters] == ["adults", "all"]
    adults, every = filters
    assert adults["filter_expression"] == expression
    assert (adults["application"], adults["expiration_date"]) == (app, "2999-01-31")
    assert (every["application"], every["expiration_date"]) == (None, None)
    assert adults["code"] and adults["code"] != every["code"]
    assert set(adults) == {"code", "name", "filter_expression", "expiration_date", "application"}
    assert [f["name"] for f in api.ok("listFilters", application=app)["filters"]] == ["adults"]
    assert api.ok("listFilters", application=other)["filters"] == []
    assert api.error("createFilter", name="all", filter_expression=f'A("{app}")') == (
        "Filter already exists")
    assert api.ok("deleteFilter", name="all") is None
    assert api.error("deleteFilter", name="all") == "Filter not found"


@pytest.mark.parametrize(("fields", "message"), [
    ({"filter_expression": "A(\"X\")"}, "Missing required field: name"),
    ({"name": "f"}, "Missing required field: filter_expression"),
    ({"name": "f", "filter_expression": 'T("Nope", EQ, 1)'},
     'Invalid filter_expression at position 3: unknown tag "Nope"'),
    ({"name": "f", "filter_expression": 'A("ZZZZZ-99999")'},
     'Invalid filter_expression at position 3: unknown application "ZZZZZ-99999"'),
    ({"name": "f", "filter_expression": 'T("City", EQ, "x") *'},
     "Invalid filter_expression at position 21: expected A(), G(), T(), AT(), E() or '(' but found "
     "end of expression"),
    ({"name": "f", "filter_expression": 'T("City", EQ, "x")', "expiration_date": "31.12.2999"},
     "Invalid expiration_date: expected YYYY-MM-DD"),
    ({"name": "f", "filter_expression": 'T("City", EQ, "x")', "expiration_date": "2999-02-30"},
     "Invalid expiration_date: not a calendar date"),
    ({"name": "f", "filter_expression": 'T("City", EQ, "x")', "expiration_date": "2001-01-01"},
     "Invalid expiration_date: must not be in the past"),
    ({"name": "f", "filter_expression": 'T("City", EQ, "x")', "application": "ZZZZZ-99999"},
     "Access denied or application not found"),
])
def test_create_filter_validation(api: Api, fields: dict, message: str) -> None:
    assert api.error("createFilter", **fields) == message


def test_filter_expression_is_stored_as_given(api: Api, app: str) -> None:
    expression = f'  a("{app}")   \\ t("Language", in, ["en","de"])  '
    api.ok("createFilter", name="raw", filter_expression=expression)
    assert api.ok("listFilters")["filters"][0]["filter_expression"] == expression
