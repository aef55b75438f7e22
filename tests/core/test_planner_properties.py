"""Properties of the planner over generated manifests and live states (no I/O).

- Applying the plan's changes to the live state in memory gives the desired state.
- Planning an account that already matches gives an empty plan.
- The plan does not depend on the order live entities arrive in during a fetch.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwconf.fetch import LiveState, Scope
from pwconf.kinds import REGISTRY
from pwconf.model import Address, DesiredState, Entity, seal_secrets
from pwconf.plan import Action, Reason
from pwconf.planner import compare
from pwconf.render.json_plan import render_json
from pwconf.state import State

APPS = ("shop", "news")
# The causes each action may have.
CAUSES = {
    Action.CREATE: {Reason.NOT_IN_ACCOUNT},
    Action.UPDATE: {Reason.DIFFERS, Reason.FOLLOWS},
    Action.REPLACE: {Reason.NOT_UPDATABLE, Reason.FOLLOWS},
    Action.DELETE: {Reason.PRUNED},
}
NAMES = st.sampled_from(["a", "b", "c"])
TAG_TYPES = st.sampled_from(["integer", "string", "boolean"])


# The attributes each kind may have.
KIND_ATTRS = {
    "tag": st.fixed_dictionaries(
        {"type": TAG_TYPES, "application_specific": st.booleans(), "user_specific": st.booleans()}
    ),
    "segment": st.fixed_dictionaries(
        {
            "expression": st.sampled_from(['T("Age", GTE, 18)', 'A(@shop) * T("Age", LTE, 30)']),
            "application": st.sampled_from([None, "shop"]),
            "expiration_date": st.sampled_from([None, "2030-01-01"]),
        }
    ),
    "preset": st.fixed_dictionaries(
        {
            "segment": st.sampled_from([None, "a"]),
            "platforms": st.sampled_from([["iOS"], ["Android", "iOS"]]),
            "content": st.sampled_from(
                [{"message": "hi"}, {"message": {"en": "hi"}, "title": "T"}]
            ),
            "send_rate": st.sampled_from([None, 500]),
        }
    ),
    "geozone_cluster": st.fixed_dictionaries({"cooldown": st.sampled_from([60, 3600])}),
    "geozone": st.fixed_dictionaries(
        {
            "lat": st.sampled_from([1.5, 40.0]),
            "lng": st.sampled_from([2.5, -74.0]),
            "range": st.sampled_from([50, 200]),
            "cooldown": st.sampled_from([0, 600]),
            "preset": st.sampled_from([None, "a"]),
            "content": st.sampled_from(["Hello", None]),
            "cluster": st.sampled_from([None, "b"]),
        }
    ),
}


@st.composite
def entity_sets(draw: st.DrawFn) -> dict[Address, dict]:
    found: dict[Address, dict] = {}
    for kind, attrs in KIND_ATTRS.items():
        apps = [None] if kind in ("tag", "segment") else list(APPS)
        for app in apps:
            for name in draw(st.sets(NAMES, max_size=3)):
                found[Address(kind, app, name)] = draw(attrs)
    return found


def desired_state(entities: dict[Address, dict], prune: bool) -> DesiredState:
    desired = DesiredState(prune=frozenset(REGISTRY) if prune else frozenset())
    for handle in APPS:
        address = Address("application", None, handle)
        desired.entities[address] = Entity(address, {"title": handle.title()})
    for address, attrs in entities.items():
        desired.entities[address] = Entity(address, dict(attrs))
    return desired


def live_state(entities: dict[Address, dict]) -> LiveState:
    live = LiveState()
    for number, handle in enumerate(APPS):
        code = f"0000{number}-AAAAA"
        live.view.learn_application(handle, code)
        address = Address("application", None, handle)
        live.entities[address] = Entity(address, {"title": handle.title()}, code=code)
    for number, (address, attrs) in enumerate(entities.items()):
        live.entities[address] = Entity(address, dict(attrs), code=f"c{number}")
    return live


def applied(plan, live: LiveState, state: State) -> LiveState:
    """The live state after the plan's changes, carried out in memory."""
    after = LiveState(entities=dict(live.entities), view=live.view)
    for change in plan.changes:
        if change.action is Action.DELETE:
            del after.entities[change.address]
            continue
        kind = REGISTRY[change.address.kind]
        attrs = kind.normalize(seal_secrets(change.desired.attrs, state.salt))
        after.entities[change.address] = replace(change.desired, attrs=attrs, code="new")
    return after


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wanted=entity_sets(), present=entity_sets())
def test_applying_the_plan_reaches_the_desired_state(wanted: dict, present: dict) -> None:
    state = State(None)
    desired = desired_state(wanted, prune=True)
    live = live_state(present)
    plan = compare(desired, live, state, allow_mass_delete=True)
    for change in plan.changes:
        assert change.cause in CAUSES[change.action]
        assert change.cause.value in change.reason or change.cause is Reason.FOLLOWS

    second = compare(desired, applied(plan, live, state), state)
    assert second.changes == []


@settings(max_examples=100, deadline=None)
@given(wanted=entity_sets(), prune=st.booleans())
def test_an_unchanged_account_plans_nothing(wanted: dict, prune: bool) -> None:
    plan = compare(desired_state(wanted, prune), live_state(wanted), State(None))
    assert plan.changes == []
    assert plan.unchanged == len(wanted) + len(APPS)


@settings(max_examples=100, deadline=None)
@given(wanted=entity_sets(), present=entity_sets())
def test_without_prune_nothing_is_deleted(wanted: dict, present: dict) -> None:
    plan = compare(desired_state(wanted, prune=False), live_state(present), State(None))
    assert all(change.action is not Action.DELETE for change in plan.changes)
    unmanaged = sum(len(names) for names in plan.unmanaged.values())
    assert unmanaged == len(set(present) - set(wanted))


def test_notes_come_in_address_order() -> None:
    """Pairs are planned in the manifests' order; notes are shown sorted like changes."""
    state = State(None)
    live = LiveState()
    for handle, code in (("news", "N-1"), ("shop", "S-1")):
        live.view.learn_application(handle, code)
    for code, name in (("S-1", "zeta"), ("N-1", "beta"), ("S-1", "alpha")):
        state.record("events", code, name, value="digest")  # recorded, gone from the manifests
    plan = compare(DesiredState(), live, state)
    assert [str(note.address) for note in plan.notes] == [
        "event.news.beta",
        "event.shop.alpha",
        "event.shop.zeta",
    ]


EVENTS = st.sets(st.tuples(st.sampled_from(APPS), NAMES), max_size=4)
SCOPES = st.sampled_from([Scope(), Scope(apps=frozenset({"shop"}))])


@settings(max_examples=100, deadline=None)
@given(
    wanted=entity_sets(),
    present=entity_sets(),
    events=st.tuples(EVENTS, EVENTS),
    scope=SCOPES,
    prune=st.booleans(),
    data=st.data(),
)
def test_the_plan_is_the_same_whatever_order_the_live_entities_are_in(
    wanted: dict, present: dict, events: tuple, scope: Scope, prune: bool, data: st.DataObject
) -> None:
    state = State(None)
    desired = desired_state(wanted, prune)
    live = live_state(present)
    wanted_events, recorded_events = events
    for handle, name in wanted_events:
        address = Address("event", handle, name)
        desired.entities[address] = Entity(address, {"description": name})
    for handle, name in recorded_events:
        state.record("events", live.view.code_by_handle[handle], name, value="recorded digest")
    whole = compare(desired, live, state, scope=scope, allow_mass_delete=True)
    shuffled = LiveState(
        entities=dict(data.draw(st.permutations(list(live.entities.items())))),
        view=live.view,
    )
    again = compare(desired, shuffled, state, scope=scope, allow_mass_delete=True)
    assert render_json(again) == render_json(whole)
    assert again.unchanged == whole.unchanged


def test_events_come_from_the_state_file_even_if_the_live_state_holds_one() -> None:
    address = Address("event", "shop", "signup")
    desired = DesiredState()
    desired.entities[address] = Entity(address, {"description": "x"})
    live = live_state({})
    live.entities[address] = Entity(address, {"description": "x"})  # never read from the API
    plan = compare(desired, live, State(None))
    assert [(str(c.address), c.action) for c in plan.changes] == [
        ("event.shop.signup", Action.CREATE)
    ]


def test_events_recorded_outside_the_scope_are_left_out() -> None:
    state = State(None)
    live = live_state({})
    for handle in APPS:
        state.record("events", live.view.code_by_handle[handle], "gone", value="digest")
    plan = compare(DesiredState(), live, state, scope=Scope(apps=frozenset({"shop"})))
    assert [str(note.address) for note in plan.notes] == ["event.shop.gone"]
