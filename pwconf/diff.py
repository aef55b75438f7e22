"""Per-entity diff: canonical JSON first, DeepDiff only on the entities that differ."""

from __future__ import annotations

from itertools import takewhile
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import notpresent

from pwconf.kinds.base import Kind
from pwconf.model import canonical_json
from pwconf.plan import ABSENT, SENSITIVE, FieldChange

_SCALARS = frozenset({str, int, float, bool, type(None)})


def changed_paths(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted path, before, after) for every difference; lists count as one value."""
    if same_value(before, after) or canonical_json(before) == canonical_json(after):
        return []
    # threshold_to_diff_deeper=0: a mostly-changed dict is still reported field by field.
    tree = DeepDiff(before, after, threshold_to_diff_deeper=0, view="tree")
    seen: dict[tuple[Any, ...], tuple[Any, Any]] = {}
    for items in tree.values():
        for item in items:
            path = item.path(output_format="list")  # up to a list index: a list is one value
            steps = tuple(takewhile(lambda step: not isinstance(step, int), path))
            if steps not in seen:
                seen[steps] = (_lookup(before, steps), _lookup(after, steps))
    return [(".".join(map(str, steps)), b, a) for steps, (b, a) in sorted(seen.items(), key=str)]


def same_value(left: Any, right: Any) -> bool:
    """A fast, exact check for JSON-shaped values: equal, and of equal types at every depth
    (true, 1 and 1.0 compare equal in Python but print apart). False may still mean equal
    (a list against a tuple, NaN): canonical JSON decides."""
    return left is right or (left == right and _same_types(left, right))


def _same_types(left: Any, right: Any) -> bool:
    """For values already known to be equal: are their types equal too, at every depth?"""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        # Scalars are checked inline, without a call each: this runs for every compared field.
        for key, value in left.items():
            other = right[key]
            if type(value) is not type(other):
                return False
            if type(value) not in _SCALARS and not _same_types(value, other):
                return False
        return True
    if isinstance(left, list | tuple):
        return all(map(_same_types, left, right))
    return True


def _lookup(value: Any, steps: tuple[Any, ...]) -> Any:
    for step in steps:
        if not isinstance(value, dict) or step not in value:
            return notpresent
        value = value[step]
    return value


def field_changes(kind: Kind, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(
            path=path,
            before=display_value(kind, path, old),
            after=display_value(kind, path, new),
            forces_replacement=kind.forces_replacement(path),
        )
        for path, old, new in changed_paths(before, after)
    ]


def display_value(kind: Kind, path: str, value: Any) -> Any:
    """The value as it may be shown: secrets masked at any depth, absence marked."""
    if value is notpresent:
        return ABSENT
    if path in kind.sensitive_fields and value is not None:
        return SENSITIVE
    if isinstance(value, dict):
        return {k: display_value(kind, f"{path}.{k}" if path else k, v) for k, v in value.items()}
    return value


def display_attrs(kind: Kind, attrs: dict[str, Any] | None) -> dict[str, Any] | None:
    if attrs is None:
        return None
    return {key: display_value(kind, key, value) for key, value in attrs.items()}
