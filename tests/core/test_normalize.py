"""Every kind's normalize is idempotent (the planner skips normalising live attributes that
already equal the desired normal form), on loosely typed input as the API or manifests give it."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pwconf.diff import same_value
from pwconf.kinds import REGISTRY
from pwconf.kinds.base import LiveView

VIEW = LiveView(handle_by_code={"AAAAA-11111": "shop"}, code_by_handle={"shop": "AAAAA-11111"})
NUMBER = st.one_of(st.integers(-90, 90), st.floats(-90, 90, allow_nan=False))
TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "Hello", "code:X1"]))
EXPRESSIONS = st.sampled_from(
    [
        'T("Age", GTE, 18)',
        ' t( "Age" ,gte,18 ) ',
        'A("AAAAA-11111") * T("Age", between, [1, 2.5])',
        'A("BBBBB-22222", ["iOS"]) + (T("x", EQ, true) \\ AT(@shop, "y", NOTSET))',
        'E("Buy", @shop, word, 1)',
        "not ( an expression",
    ]
)

RAW: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "application": st.fixed_dictionaries(
        {"title": st.just("Shop")},
        optional={"sdk_ios": TEXT, "sdk_android": TEXT, "ios": TEXT, "android": TEXT},
    ),
    "tag": st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "string"])},
        optional={
            "application_specific": st.one_of(st.booleans(), st.none(), st.integers(0, 1)),
            "user_specific": st.one_of(st.booleans(), st.none()),
        },
    ),
    "event": st.fixed_dictionaries(
        {},
        optional={
            "description": TEXT,
            "track_revenue": st.one_of(st.booleans(), st.none()),
            "attributes": st.dictionaries(
                st.sampled_from(["b", "a", "c"]), st.sampled_from(["integer", "string"])
            ),
        },
    ),
    "segment": st.fixed_dictionaries(
        {"expression": EXPRESSIONS},
        optional={"application": TEXT, "expiration_date": TEXT},
    ),
    "preset": st.fixed_dictionaries(
        {},
        optional={
            "segment": TEXT,
            "platforms": st.lists(st.sampled_from(["Android", "iOS", "Chrome", "platform-99"])),
            "content": st.dictionaries(
                st.sampled_from(["message", "title", "user_data"]),
                st.one_of(TEXT, st.dictionaries(st.sampled_from(["en", "de"]), TEXT)),
            ),
            "send_rate": st.one_of(st.none(), st.integers(1, 1000)),
            "campaign": TEXT,
        },
    ),
    "campaign": st.fixed_dictionaries({}, optional={"description": TEXT}),
    "geozone_cluster": st.fixed_dictionaries({"cooldown": st.integers(0, 10**6)}),
    "geozone": st.fixed_dictionaries(
        {"lat": NUMBER, "lng": NUMBER, "range": st.integers(1, 500), "cooldown": st.integers(0, 9)},
        optional={"preset": TEXT, "content": TEXT, "cluster": TEXT, "campaign": TEXT},
    ),
}


@given(data=st.data(), kind_name=st.sampled_from(sorted(RAW)), with_view=st.booleans())
def test_normalize_is_idempotent(data: st.DataObject, kind_name: str, with_view: bool) -> None:
    assert set(RAW) == set(REGISTRY)
    kind = REGISTRY[kind_name]
    view = VIEW if with_view else None
    once = kind.normalize(data.draw(RAW[kind_name]), view)
    assert same_value(kind.normalize(once, view), once)
