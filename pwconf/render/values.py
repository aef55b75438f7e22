"""Value formatting shared by the plan renderers.

Every value a renderer shows goes through here, so that one place decides how markers
(`plan.SENSITIVE`, `plan.KNOWN_AFTER_APPLY`, `plan.ABSENT`) and `model.Secret` objects appear.
A Secret is never shown: the planner already replaces secrets with `plan.SENSITIVE`, and these
functions defend against one that slipped through, at any depth.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from pwconf.model import Secret
from pwconf.plan import ABSENT, SENSITIVE, is_marker

ELLIPSIS = "…"


def display_value(value: Any) -> str:
    """One-line, JSON-like text of a value, in full: `"text"`, `42`, `true`, `["iOS"]`,
    `(sensitive value)`. Line breaks in text appear as `\\n`."""
    return _display(value)


def shorten(text: str, max_chars: int) -> str:
    """`text` itself, or its first `max_chars - 1` characters and an ellipsis."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1] + ELLIPSIS


def json_value(value: Any) -> Any:
    """A JSON-encodable copy: markers as their text (`ABSENT` as None), Secrets hidden."""
    if value is ABSENT:
        return None
    if is_marker(value) or isinstance(value, Secret):
        return _marker_text(value)
    if isinstance(value, Mapping):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in _ordered(value)]
    return _scalar(value)


def flatten(attrs: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted paths to the leaves of nested mappings, in the mappings' own order.

    Lists and empty mappings are leaves: `{"content": {"title": "Shop"}}` gives
    `[("content.title", "Shop")]`.
    """
    leaves: list[tuple[str, Any]] = []
    for key, value in attrs.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            leaves.extend(flatten(value, prefix=f"{path}."))
        else:
            leaves.append((path, value))
    return leaves


def _display(value: Any) -> str:
    if is_marker(value) or isinstance(value, Secret):
        return _marker_text(value)
    if isinstance(value, Mapping):
        items = (f"{_json_text(str(key))}: {_display(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(_display(item) for item in _ordered(value)) + "]"
    return _json_text(_scalar(value))


def _marker_text(value: Any) -> str:
    if isinstance(value, Secret):
        return SENSITIVE.text
    return str(value)


def _scalar(value: Any) -> Any:
    """A JSON scalar for a leaf value: dates as ISO text, anything unknown as its str()."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _ordered(items: Any) -> list[Any]:
    """Sets in a stable order; sequences as they are."""
    if isinstance(items, set | frozenset):
        return sorted(items, key=repr)
    return list(items)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
