"""What every kind module provides; the planner, applier and fetcher are generic over kinds.

A kind declares its fields once (`Kind.fields`): normalisation, sensitivity, pointers, export
order and wire names derive from that table. A kind overrides only what differs, and says how
to list, create, update and delete it over the API."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pwconf.api.pushwoosh import Read
from pwconf.errors import Position, Problem
from pwconf.model import Address, Entity
from pwconf.plan import KNOWN_AFTER_APPLY, FieldChange
from pwconf.printable import printable

if TYPE_CHECKING:
    from pwconf.api.pushwoosh import Pushwoosh
    from pwconf.state import State


@dataclass(frozen=True)
class Field:
    """One field of a kind, as the manifests name it."""

    name: str
    wire: str = ""  # its name in the API's records and requests; `name` when not given
    coerce: Callable[[Any], Any] | None = None  # the normal form of a value that is set
    default: Any = None  # the value when unset (normalize coerces it too)
    points_at: str = ""  # the kind of the same application it names; sent by that one's code
    sensitive: tuple[str, ...] = ()  # keys of this block whose values are secret

    def __post_init__(self) -> None:
        object.__setattr__(self, "wire", self.wire or self.name)

    def normal(self, value: Any) -> Any:
        value = self.default if value is None else value
        return value if value is None or self.coerce is None else self.coerce(value)


def unsendable(exc: Exception) -> str:
    """Why a value cannot be sent, without the value: it may be a credential (a key file that
    is not UTF-8 text fails to decode, and its error's repr holds the bytes)."""
    if isinstance(exc, KeyError):
        return f"cannot send this change: nothing is known of {printable(str(exc.args[0]))}"
    return f"cannot send this change: a value cannot be sent ({type(exc).__name__})"


class Declared(Protocol):
    """What a kind's manifest checks may ask of the whole desired state."""

    entities: dict[Address, Entity]  # those left out for their own errors are not here

    def is_declared(self, kind: str, app: str | None, name: str) -> bool: ...
    def names(self, kind: str, app: str | None = None) -> list[str]: ...
    def of_kind(self, kind: str) -> list[Entity]: ...
    def position_in(self, entity: Entity, field: str, column: int) -> Position | None: ...


@dataclass
class Exporting:
    """What a kind's export may ask of the export under way, and tell it."""

    live_entities: Mapping[Address, Entity]
    state: State | None  # pwconf's state file, when given
    written: set[Address]  # entities written so far, and the applications exported
    left_out: dict[Address, str] = field(default_factory=dict)  # entities not written, and why
    header: list[str] = field(default_factory=list)  # the file's header comment
    notes: list[str] = field(default_factory=list)  # not written, and why
    summary: list[str] = field(default_factory=list)  # said once the file's entries are written
    warnings: list[str] = field(default_factory=list)  # written, but needs a human look

    def live(self, address: Address) -> Entity | None:
        return self.live_entities.get(address)


def at(entity: Entity, field_name: str) -> Position | None:
    """Where the manifests set a field of `entity` (where the entity is, if not known)."""
    return entity.field_positions.get(field_name, entity.position)


def ordered(attrs: Mapping[str, Any], order: Iterable[str]) -> dict[str, Any]:
    """The keys of `order` set to something other than None, in that order."""
    return {key: attrs[key] for key in order if attrs.get(key) is not None}


def suggest(name: str, known: list[str]) -> str:
    """The hint "; did you mean 'x'?" for the closest of `known`, or ""."""
    return _suggestion(name, tuple(known))


@lru_cache(maxsize=1024)  # one renamed tag may be named by thousands of segments
def _suggestion(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass
class LiveView:
    """Code ↔ name maps learned during the fetch, to convert raw live records."""

    handle_by_code: dict[str, str] = field(default_factory=dict)
    code_by_handle: dict[str, str] = field(default_factory=dict)
    # (kind, application handle) -> code -> name, for entities that point at others by code.
    names_by_code: dict[tuple[str, str | None], dict[str, str]] = field(default_factory=dict)
    # Every application's title as getApplications lists it: code -> title.
    listed_titles: dict[str, str] = field(default_factory=dict)

    def learn_application(self, handle: str, code: str) -> None:
        self.code_by_handle[handle] = code
        self.handle_by_code[code] = handle

    def learn_name(self, entity: Entity) -> None:
        if entity.code is not None:
            self.names_by_code.setdefault((entity.kind, entity.app), {})[entity.code] = entity.name


@dataclass
class ApplyContext:
    """What an apply knows so far: `codes` gains what creates return and loses what deletes
    remove; `notes` collects what the kinds tell beside their calls. Thread-safe as the applier
    uses it: a level ends before the next starts; each entity writes only its own code."""

    view: LiveView
    codes: dict[Address, str]
    state: State
    notes: list[str] = field(default_factory=list)  # outcomes worth telling beside the calls

    def app_code(self, handle: str | None) -> str:
        return self.view.code_by_handle[handle or ""]


class Kind:
    """Defaults shared by the kind modules; each module subclasses and registers one instance."""

    name: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]] = ()  # in the order plans show them
    app_scoped: ClassVar[bool] = False  # lives inside one application
    text_field: ClassVar[str] = ""  # kept as written, so that its problems point inside it
    # No update method: any change is a replace (never for a kind the API cannot list).
    replaced_on_change: ClassVar[bool] = False
    data_loss_on_delete: ClassVar[str] = ""  # what a delete destroys; "" for nothing
    code_assigned_by_server: ClassVar[bool] = False
    readable: ClassVar[bool] = True
    never_delete: ClassVar[frozenset[str]] = frozenset()  # names pwconf never deletes
    never_delete_note: ClassVar[str] = ""  # why one of them that differs is left as it is
    # Optional fields that, when the manifests leave them out, pwconf does not manage.
    unmanaged_when_absent: ClassVar[frozenset[str]] = frozenset()
    # For a kind the API cannot list: the notes when its definition changed or it was removed.
    changed_unreadably: ClassVar[str] = ""
    removed_unreadably: ClassVar[str] = ""
    follow_reason: ClassVar[str] = ""  # why the changes of `follow_replacements` are made
    export_note: ClassVar[str] = ""  # said once by every export (of a kind it cannot list)
    needs_detail: ClassVar[bool] = False  # see `detail_read`
    # An account-wide kind whose list the server may refuse without `application`: then it is
    # read once per application of the account, with `list_read(code)`.
    per_application_when_refused: ClassVar[bool] = False
    # The creates, and the deletes, of one application in one level go in one call each
    batched: ClassVar[bool] = False
    # `create` learns no code: the codes of one application's new entities are read back in
    # one call (`read_back_codes`) after the level's creates, when a later change needs them.
    codes_read_back: ClassVar[bool] = False

    @property
    def plural(self) -> str:
        """The kind's section and `settings.prune` name in the manifests."""
        return f"{self.name}s"

    def label(self, count: int = 1) -> str:
        """How messages name the kind: "geozone cluster", or "geozone clusters" for count != 1."""
        return (self.name if count == 1 else self.plural).replace("_", " ")

    @cached_property
    def export_order(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def pointers(self) -> tuple[tuple[str, str], ...]:
        """(field, kind) of the fields naming another entity of the same application."""
        return tuple((f.name, f.points_at) for f in self.fields if f.points_at)

    @cached_property
    def sensitive_fields(self) -> frozenset[str]:
        """Dotted paths shown as sensitive."""
        return frozenset(f"{f.name}.{key}" for f in self.fields for key in f.sensitive)

    # --- model -------------------------------------------------------------------------
    def normalize(self, attrs: Mapping[str, Any], view: LiveView | None = None) -> dict[str, Any]:
        """The canonical form both sides are compared in; `view` maps live codes to names.
        Idempotent: the planner skips live attributes already equal to the desired form."""
        return {f.name: f.normal(attrs.get(f.name)) for f in self.fields}

    def from_manifest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Attributes from a schema-valid manifest body, defaults filled in."""
        return self.normalize(body)

    def complete_live(
        self, live: Entity, desired: Mapping[str, Any] | None, state: State
    ) -> Mapping[str, Any]:
        """A new dict of the live attributes, what the API cannot read back filled in from the
        state file (`desired`: the normalised desired attributes)."""
        return live.attrs

    def recorded_live(self, state: State, view: LiveView) -> dict[Address, Entity]:
        """For a kind the API cannot list: the entities its state file records ({"digest": ...})."""
        return {}

    def follow_replacements(
        self, live: Entity, replaced: set[Address], live_entities: Mapping[Address, Entity]
    ) -> list[FieldChange]:
        """When an entity this one points at is replaced: `<field>_code` from its old code to
        one known after apply."""
        follow_ups = []
        for name, kind in self.pointers:
            target = Address(kind, live.app, live.attrs.get(name) or "")
            if target in replaced:
                old = live_entities[target].code if target in live_entities else None
                forces = self.replaced_on_change
                follow_ups.append(FieldChange(f"{name}_code", old, KNOWN_AFTER_APPLY, forces))
        return follow_ups

    def comparison_notes(
        self, found: Mapping[Address, Entity], desired: Mapping[Address, Entity]
    ) -> list[str]:
        """What the plan says once about how live entities were compared with desired ones."""
        return []

    def check(self, declared: Declared) -> Iterator[Problem]:
        """The kind's own problems that only the whole desired state shows."""
        return iter(())

    def pointer_problems(self, declared: Declared) -> Iterator[Problem]:
        """A field naming an entity of the same application that the application does not
        declare (checked for every kind, apart from `check`)."""
        from pwconf.kinds import PLURALS  # the registry imports this module

        for entity in declared.of_kind(self.name):
            for field_name, target in self.pointers:
                name = entity.attrs.get(field_name)
                if name is None or declared.is_declared(target, entity.app, name):
                    continue
                known = declared.names(target, entity.app)
                yield Problem(
                    f"{self.label()} {entity.name!r} of application {entity.app!r} "
                    f"uses {field_name} {name!r}, which application {entity.app!r} does not "
                    f"declare under `{PLURALS[target]}:`{suggest(name, known)}",
                    at(entity, field_name),
                )

    def certain_failures(self, entity: Entity, application_codes: set[str]) -> list[str]:
        """Why a create of `entity` is certain to be refused, given the account's applications."""
        return []

    def forces_replacement(self, path: str) -> bool:
        return self.replaced_on_change

    def references(self, entity: Entity) -> list[Address]:
        """Entities this one points at: created before it, deleted after it."""
        if entity.app is None:
            return []
        refs = [Address("application", None, entity.app)]
        for name, kind in self.pointers:
            if entity.attrs.get(name):
                refs.append(Address(kind, entity.app, entity.attrs[name]))
        return refs

    # --- export ----------------------------------------------------------------------------
    def export(self, entity: Entity, export: Exporting) -> dict[str, Any] | None:
        """What export writes of a live entity; None to leave it out (saying why)."""
        for name, _ in self.pointers:
            value = entity.attrs.get(name)
            if isinstance(value, str) and value.startswith("code:"):
                export.warnings.append(
                    f"{self.label()} {entity.app}/{entity.name}: its {name} "
                    f"({value}) does not exist in the application: written as read; fix it by hand"
                )
        return ordered(entity.attrs, self.export_order)

    def export_all(self, entities: list[Entity], export: Exporting) -> dict[str, Any]:
        """The written entities of one section: name -> what export writes."""
        written = {}
        for entity in entities:
            body = self.export(entity, export)
            if body is not None:
                written[entity.name] = body
                export.written.add(entity.address)
        return written

    def export_unlisted(self, app_code: str, handle: str, export: Exporting) -> None:
        """For a kind the API cannot list: what export says of it in an application's file."""

    # --- fetch ---------------------------------------------------------------------------
    def list_read(self, app_code: str | None) -> Read:
        """The read of raw live records: account-wide when app_code is None."""
        raise NotImplementedError

    def detail_read(self, raw: dict[str, Any]) -> Read:
        """With `needs_detail`: a read per record of that record in full."""
        raise NotImplementedError

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        """A live record in manifest vocabulary: codes pointed at become names ("code:<code>"
        when pwconf does not know it)."""
        attrs = {}
        for f in self.fields:
            value = raw.get(f.wire)
            if f.points_at:
                names = view.names_by_code.get((f.points_at, app), {})
                value = names.get(value, f"code:{value}") if value else None
            if value is None:  # a fresh copy of a mutable default: entities share nothing
                value = f.default.copy() if isinstance(f.default, dict) else f.default
            attrs[f.name] = value
        return Entity(Address(self.name, app, raw["name"]), attrs, code=raw.get("code"))

    def wire(self, entity: Entity, ctx: ApplyContext, names: Iterable[str] = ()) -> dict[str, Any]:
        """The fields in `names` (all if empty; `<field>_code` for a pointer's new code) by
        their wire names, pointers as the codes of what they name."""
        chosen = set(names)
        wire = {}
        for f in self.fields:
            if chosen and not chosen & {f.name, f"{f.name}_code"}:
                continue
            value = entity.attrs.get(f.name)
            if f.points_at and value:
                value = ctx.codes[Address(f.points_at, entity.app, value)]
            wire[f.wire] = value
        return wire

    # --- apply ----------------------------------------------------------------------------
    def create(self, api: Pushwoosh, entity: Entity, ctx: ApplyContext) -> None:
        raise NotImplementedError

    def record_created(self, state: State, entity: Entity, app_code: str | None) -> None:
        """What the state file keeps of an entity pwconf created that the API never tells back
        (nothing, for most kinds); `app_code`: its application's code."""

    def update(
        self, api: Pushwoosh, desired: Entity, live: Entity, paths: Iterable[str], ctx: ApplyContext
    ) -> None:
        raise NotImplementedError(f"{self.name} has no update method")

    def delete(self, api: Pushwoosh, live: Entity, ctx: ApplyContext) -> None:
        raise NotImplementedError

    def create_batch(self, api: Pushwoosh, entities: list[Entity], ctx: ApplyContext) -> Batch:
        """With `batched`: create `entities` (of one application) in one call, learning
        their codes; what the returned Batch does not name was created."""
        raise NotImplementedError

    def delete_batch(self, api: Pushwoosh, entities: list[Entity], ctx: ApplyContext) -> Batch:
        """With `batched`: delete `entities` (of one application) in one call."""
        raise NotImplementedError

    def read_back_codes(self, api: Pushwoosh, entities: list[Entity], ctx: ApplyContext) -> None:
        """With `codes_read_back`: learn the codes of `entities` (just created) in one read."""
        raise NotImplementedError


@dataclass
class Batch:
    """What a batched create left undone: entities that failed (address -> why), and those
    to create one at a time because the server refused the batch as a whole."""

    failed: dict[Address, str] = field(default_factory=dict)
    one_by_one: list[Address] = field(default_factory=list)
