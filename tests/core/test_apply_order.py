"""The applier's levels and links, and what it records in the state's journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from pwconf import apply
from pwconf.apply import plan_steps
from pwconf.kinds import REGISTRY
from pwconf.kinds.base import LiveView
from pwconf.model import Address, Entity, digest
from pwconf.plan import Action, Change, Plan
from pwconf.state import State, journal_path, read_journal

PRESET = Address("preset", "shop", "welcome")
GEOZONE = Address("geozone", "shop", "door")
TAG = Address("tag", None, "Age")


def delete(address: Address, attrs: dict) -> Change:
    return Change(address, Action.DELETE, "pruned", live=Entity(address, attrs, code="c"))


def test_deletes_run_bottom_up_and_wait_for_what_refers_to_them() -> None:
    geozone_attrs = {"preset": "welcome", "cluster": None}
    plan = Plan(changes=[delete(PRESET, {"segment": None}), delete(GEOZONE, geozone_attrs)])

    levels = plan_steps(plan)

    assert [[step.change.address for step in level] for level in levels] == [[GEOZONE], [PRESET]]
    (preset_step,) = levels[1]
    assert preset_step.needs == {(GEOZONE, "delete")}


def test_a_replace_creates_after_its_delete_and_dependents_wait_for_the_create() -> None:
    desired = Entity(PRESET, {"segment": None})
    replace = Change(PRESET, Action.REPLACE, "content", desired=desired, live=desired)
    follow = Change(GEOZONE, Action.UPDATE, "new code", depends_on=(PRESET,))
    new_tag = Change(TAG, Action.CREATE, "missing")

    levels = plan_steps(Plan(changes=[replace, follow, new_tag]))

    steps = {step.key: step for level in levels for step in level}
    assert steps[(PRESET, "create")].needs == {(PRESET, "delete")}
    assert steps[(GEOZONE, "update")].needs == {(PRESET, "create")}
    assert steps[(TAG, "create")].needs == set()
    order = [step.key for level in levels for step in level]
    assert order.index((PRESET, "delete")) < order.index((TAG, "create"))


def test_a_crash_inside_a_step_is_raised_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise AttributeError("'str' object has no attribute 'method'")

    monkeypatch.setattr(REGISTRY["tag"], "create", broken)
    desired = Entity(TAG, {"type": "integer"})
    plan = Plan(changes=[Change(TAG, Action.CREATE, "missing", desired=desired)])
    applier = apply.Applier(object(), State(tmp_path / "state.json"), LiveView(), {})

    with pytest.raises(AttributeError, match="no attribute 'method'"):
        applier.run(plan)
    assert (tmp_path / "state.json").exists()  # saved on the way out


def _apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[list[str]], State]:
    """Creates at three levels; what each create found in the journal on disk, and the state."""
    state = State(tmp_path / "state.json")
    seen: list[list[str]] = []

    def create(api: object, entity: Entity, ctx: object) -> None:
        _, records = read_journal(journal_path(state.path))
        seen.append([record[1] for record in records if record[0] == "applied"])

    for kind in ("tag", "preset", "geozone"):
        monkeypatch.setattr(REGISTRY[kind], "create", create)
    changes = [
        Change(a, Action.CREATE, "missing", desired=Entity(a, {})) for a in (TAG, PRESET, GEOZONE)
    ]
    unchanged = Address("tag", None, "Untouched")
    values = {a: {"n": n} for n, a in enumerate((TAG, PRESET, GEOZONE))}
    plan = Plan(changes=changes, desired_values={**values, unchanged: {"type": "integer"}})
    apply.Applier(object(), state, LiveView(), {}).run(plan)
    return seen, state


def test_each_finished_change_is_in_the_journal_before_the_next_level_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, state = _apply(tmp_path, monkeypatch)
    assert seen == [[], [str(TAG)], [str(TAG), str(PRESET)]]
    # At the end the state file holds it all, and the journal is gone.
    assert not journal_path(state.path).exists()
    saved = State.load(state.path)
    assert saved.applied[str(GEOZONE)] == digest({"n": 2})


def test_what_the_plan_leaves_alone_is_recorded_as_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, state = _apply(tmp_path, monkeypatch)
    assert state.applied["tag.Untouched"] == digest({"type": "integer"})
    assert State.load(state.path).applied["tag.Untouched"] == digest({"type": "integer"})
