"""Diff the desired model against the live one and decide an action per entity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from pwconf.diff import display_attrs, field_changes, same_value
from pwconf.errors import PlanRefused
from pwconf.fetch import LiveState, Scope
from pwconf.kinds import PLURALS, REGISTRY
from pwconf.kinds.base import Kind, LiveView
from pwconf.model import Address, DesiredState, Entity, digest, seal_secrets
from pwconf.plan import KNOWN_AFTER_APPLY, Action, Change, FieldChange, Note, Plan, Reason
from pwconf.state import State

MASS_DELETE_SHARE = 0.30
MASS_DELETE_MIN_LIVE = 10


@dataclass(slots=True)
class _Pair:
    """One address on both sides. Entities are built only for the pairs that change."""

    address: Address
    source: Entity | None  # desired, as loaded
    want: dict[str, Any] | None  # its attributes normalised, secrets intact
    found: Entity | None  # live, as read (or as recorded, for unreadable kinds)
    have: dict[str, Any] | None  # its attributes completed from state and normalised
    desired_cmp: dict[str, Any] | None  # `want` sealed: what is compared

    @property
    def desired(self) -> Entity | None:
        """Normalised, secrets intact (what the applier sends); a new Entity on each access."""
        return None if self.source is None else replace(self.source, attrs=self.want)

    @property
    def live(self) -> Entity | None:
        """Normalised, completed from state; a new Entity on each access."""
        return None if self.found is None else replace(self.found, attrs=self.have)


def compare(
    desired: DesiredState,
    live: LiveState,
    state: State,
    *,
    scope: Scope | None = None,
    allow_mass_delete: bool = False,
) -> Plan:
    """The plan that takes the account from `live` to `desired`: an action per entity in scope.

    Kinds the API cannot read (events) are compared with what the state file recorded."""
    plan = Plan(manifest_files=list(desired.files))
    scope = scope or Scope()
    wanted = _by_kind(desired.entities.items(), scope)
    found = _by_kind(((a, e) for a, e in live.entities.items() if REGISTRY[a.kind].readable), scope)
    for kind in REGISTRY.values():
        if kind.readable:
            live_side = found[kind.name]
        else:
            live_side = _by_kind(kind.recorded_live(state, live.view).items(), scope)[kind.name]
        for pair in _pairs(kind, wanted[kind.name], live_side, live.view, state):
            _decide(plan, kind, pair, desired, state)
    plan.live_entities = {a: e for by_address in found.values() for a, e in by_address.items()}
    _refuse_certain_failures(plan, live)
    _name_users_of_deleted(plan, desired, live)
    _follow_replacements(plan, desired, live, found)
    if not allow_mass_delete:
        _check_mass_delete(plan, live)
    for kind in REGISTRY.values():
        notes = kind.comparison_notes(found[kind.name], desired.entities)
        plan.notes += [Note(None, text) for text in notes]
    plan.changes.sort(key=lambda c: c.address.sort_key)
    plan.notes.sort(key=lambda n: n.address.sort_key if n.address else ())
    plan.unmanaged = {kind: sorted(names) for kind, names in plan.unmanaged.items()}
    return plan


def _by_kind(
    entities: Iterable[tuple[Address, Entity]], scope: Scope
) -> dict[str, dict[Address, Entity]]:
    """The entities in scope, by kind."""
    grouped: dict[str, dict[Address, Entity]] = {kind: {} for kind in REGISTRY}
    for address, entity in entities:
        if scope.includes(address):
            grouped[address.kind][address] = entity
    return grouped


def _refuse_certain_failures(plan: Plan, live: LiveState) -> None:
    """A create or replace the server is certain to refuse (an expression naming an application
    the account does not have) is an error now, not a failure halfway through an apply."""
    codes = set(live.view.listed_titles)  # every application of the account
    problems = [
        f"{change.address}: {problem}"
        for change in plan.changes
        if change.desired is not None and change.action in (Action.CREATE, Action.REPLACE)
        for problem in REGISTRY[change.address.kind].certain_failures(change.desired, codes)
    ]
    if problems:
        raise PlanRefused(
            "; ".join(problems),
            hint="fix the manifests: name an application the account has, or one they declare",
        )


def _name_users_of_deleted(plan: Plan, desired: DesiredState, live: LiveState) -> None:
    """A delete names the live objects outside the manifests that still point at what it
    deletes (an unmanaged preset using a pruned segment)."""
    deleting = {c.address: i for i, c in enumerate(plan.changes) if c.action is Action.DELETE}
    if not deleting:
        return
    users: dict[Address, list[str]] = {}
    for address, entity in live.entities.items():
        if address in desired.entities or address in deleting:
            continue
        for target in REGISTRY[address.kind].references(entity):
            if target in deleting:
                users.setdefault(target, []).append(str(address))
    for target, names in users.items():
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        shown = ", ".join(sorted(names)[:3]) + more
        change = plan.changes[deleting[target]]
        told = f"{change.reason}; still used by {shown}, which the manifests do not manage"
        plan.changes[deleting[target]] = replace(change, reason=told)


# --- pairing -------------------------------------------------------------------------------


def _pairs(
    kind: Kind,
    desired: dict[Address, Entity],
    found: dict[Address, Entity],
    view: LiveView,
    state: State,
) -> Iterator[_Pair]:
    def pair(address: Address, source: Entity | None, read: Entity | None) -> _Pair:
        want = None if source is None else kind.normalize(source.attrs, view)
        have = None if read is None else _completed(kind, read, want, state, view)
        sealed = want  # what is compared: secrets sealed into salted fingerprints
        if want is not None and kind.sensitive_fields:
            sealed = seal_secrets(want, state.salt)
        return _Pair(address, source, want, read, have, sealed)

    unmatched = dict(found)  # a copy keeps the keys' hashes: no address is hashed again
    for address, source in desired.items():
        yield pair(address, source, unmatched.pop(address, None))
    for address, read in unmatched.items():
        yield pair(address, None, read)


def _completed(
    kind: Kind, live: Entity, want: dict[str, Any] | None, state: State, view: LiveView
) -> dict[str, Any]:
    """The live attributes, completed from the state file and normalised."""
    if not kind.readable:
        return live.attrs  # recorded by pwconf itself: nothing to complete
    completed = kind.complete_live(live, want, state)
    if want is not None and same_value(completed, want):
        return want  # already in normal form, as normalize is idempotent: the usual case
    attrs = kind.normalize(completed, view)
    if want is not None:
        for field in kind.unmanaged_when_absent:
            if want.get(field) is None:
                attrs[field] = None
    return attrs


# --- deciding ------------------------------------------------------------------------------


def _decide(plan: Plan, kind: Kind, pair: _Pair, desired: DesiredState, state: State) -> None:
    if pair.desired_cmp is not None:
        plan.desired_values[pair.address] = pair.desired_cmp
    if pair.have is not None and pair.have is pair.desired_cmp:
        plan.unchanged += 1  # live completed to the very desired form
    elif pair.found is None:
        plan.changes.append(_create(kind, pair, state))
    elif not kind.readable:
        _decide_unreadable(plan, kind, pair)
    elif pair.source is None:
        _decide_unmanaged(plan, kind, pair.live, desired)
    else:
        _decide_both(plan, kind, pair, state)


def _create(kind: Kind, pair: _Pair, state: State) -> Change:
    desired = pair.desired
    assert desired is not None and pair.desired_cmp is not None
    shown = display_attrs(kind, pair.desired_cmp) or {}
    after = {key: value for key, value in shown.items() if value is not None}
    if kind.code_assigned_by_server:
        after["code"] = KNOWN_AFTER_APPLY
    return Change(
        address=pair.address,
        action=Action.CREATE,
        reason=Reason.NOT_IN_ACCOUNT.value,
        cause=Reason.NOT_IN_ACCOUNT,
        after=after,
        fields=tuple(FieldChange(path, None, value) for path, value in after.items()),
        # pwconf applied it and the account no longer holds it: deleted outside pwconf.
        drift=kind.readable and str(pair.address) in state.applied,
        desired=desired,
        depends_on=tuple(kind.references(desired)),
    )


def _decide_both(plan: Plan, kind: Kind, pair: _Pair, state: State) -> None:
    assert pair.have is not None and pair.desired_cmp is not None
    fields = field_changes(kind, pair.have, pair.desired_cmp)
    if not fields:
        plan.unchanged += 1
    elif pair.address.name in kind.never_delete and pair.address.app is None:
        plan.notes.append(Note(pair.address, kind.never_delete_note))
    else:
        # Changed outside pwconf: the manifests are as last applied, yet the account differs.
        # When the manifests changed too, pwconf cannot tell who changed what: it claims nothing.
        drift = state.applied.get(str(pair.address)) == digest(pair.desired_cmp)
        desired, live = pair.desired, pair.live
        assert desired is not None and live is not None
        plan.changes.append(_update(kind, desired, live, fields, pair.desired_cmp, drift=drift))


def _update(
    kind: Kind,
    desired: Entity,
    live: Entity,
    fields: list[FieldChange],
    after: dict[str, Any],
    *,
    drift: bool = False,
    follows: bool = False,
) -> Change:
    """An update, or a replace when a field cannot be updated in place."""
    replacing = sorted({f.path.split(".")[0] for f in fields if f.forces_replacement})
    if follows:
        cause, reason = Reason.FOLLOWS, kind.follow_reason
    elif replacing:
        cause, reason = Reason.NOT_UPDATABLE, f"{', '.join(replacing)} {Reason.NOT_UPDATABLE.value}"
    else:
        cause, reason = Reason.DIFFERS, Reason.DIFFERS.value
    if drift:
        reason += "; changed outside pwconf since the last apply"
    return Change(
        address=desired.address,
        action=Action.REPLACE if replacing else Action.UPDATE,
        reason=reason,
        cause=cause,
        before=display_attrs(kind, live.attrs),
        after=display_attrs(kind, after),
        fields=tuple(fields),
        data_loss=bool(replacing and kind.data_loss_on_delete),
        drift=drift,
        live_code=live.code,
        desired=desired,
        live=live,
        depends_on=tuple(kind.references(desired)),
    )


def _decide_unmanaged(plan: Plan, kind: Kind, live: Entity, desired: DesiredState) -> None:
    if live.name in kind.never_delete and live.app is None:
        return
    if kind.name not in desired.prune:
        label = live.name if live.app is None else f"{live.app}/{live.name}"
        plan.unmanaged.setdefault(PLURALS[kind.name], []).append(label)
        return
    plan.changes.append(
        Change(
            address=live.address,
            action=Action.DELETE,
            reason=f"{Reason.PRUNED.value} {PLURALS[kind.name]}",
            cause=Reason.PRUNED,
            before=display_attrs(kind, live.attrs),
            data_loss=bool(kind.data_loss_on_delete),
            live_code=live.code,
            live=live,
        )
    )


def _decide_unreadable(plan: Plan, kind: Kind, pair: _Pair) -> None:
    """A recorded entity of a kind the API cannot read: its digest is all pwconf knows."""
    assert pair.have is not None
    if pair.desired_cmp is None:
        plan.notes.append(Note(pair.address, kind.removed_unreadably))
    elif pair.have["digest"] == digest(pair.desired_cmp):
        plan.unchanged += 1
    else:
        plan.notes.append(Note(pair.address, kind.changed_unreadably))


# --- follow-ups ----------------------------------------------------------------------------


def _follow_replacements(
    plan: Plan, desired: DesiredState, live: LiveState, found_by_kind: dict[str, dict]
) -> None:
    """A replaced entity gets a new code: whatever points at it by code must follow."""
    replaced = {c.address for c in plan.changes if c.action is Action.REPLACE}
    if not replaced:
        return
    index = {c.address: i for i, c in enumerate(plan.changes)}
    # In registry order, so that a follow-up replace (a preset of a replaced campaign) is
    # followed in turn by what points at it (its geozones).
    for kind in (k for k in REGISTRY.values() if k.follow_reason):
        for address, entity in found_by_kind[kind.name].items():
            extra = kind.follow_replacements(entity, replaced, live.entities)
            if not extra or address not in desired.entities:
                continue
            if address in index:
                change = plan.changes[index[address]]
                if change.action is Action.UPDATE:
                    change = replace(change, fields=(*change.fields, *extra))
                    plan.changes[index[address]] = change
            else:
                source = desired.entities[address]
                want = Entity(address, kind.normalize(source.attrs, live.view), source.code)
                change = _update(kind, want, entity, extra, want.attrs, follows=True)
                index[address] = len(plan.changes)
                plan.changes.append(change)
                plan.unchanged -= 1
            if change.action is Action.REPLACE:
                replaced.add(address)


def _check_mass_delete(plan: Plan, live: LiveState) -> None:
    deletes = Counter(c.address.kind for c in plan.changes if c.action is Action.DELETE)
    for kind_name, kind in REGISTRY.items():  # the first kind in kind order is named
        count = deletes[kind_name]
        if not count:
            continue
        never = kind.never_delete
        live_count = sum(1 for a in live.entities if a.kind == kind_name and a.name not in never)
        if live_count >= MASS_DELETE_MIN_LIVE and count > MASS_DELETE_SHARE * live_count:
            raise PlanRefused(
                f"the plan deletes {count} of {live_count} live {PLURALS[kind_name]} "
                f"(more than {MASS_DELETE_SHARE:.0%}); refusing",
                hint="check settings.prune and the manifests; if this is meant, "
                "run again with --allow-mass-delete",
            )
