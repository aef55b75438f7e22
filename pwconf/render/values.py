"""How the plan renderers show values, markers (`plan.SENSITIVE`, ...) among them. The planner
already replaces secrets with `plan.SENSITIVE`; these functions hide any that slipped through.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from pwconf.model import Secret
from pwconf.plan import ABSENT, SENSITIVE, is_marker


def shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


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
    """Dotted paths to the leaves of nested mappings (lists and empty mappings are leaves), in
    their own order: `{"content": {"title": "Shop"}}` gives `[("content.title", "Shop")]`."""
    leaves: list[tuple[str, Any]] = []
    for key, value in attrs.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            leaves.extend(flatten(value, prefix=f"{path}."))
        else:
            leaves.append((path, value))
    return leaves


def display_value(value: Any) -> str:
    """One-line, JSON-like text of a value, in full: `"text"`, `42`, `true`, `["iOS"]`,
    `(sensitive value)`. Line breaks in text appear as `\\n`."""
    if is_marker(value) or isinstance(value, Secret):
        return _marker_text(value)
    if isinstance(value, Mapping):
        items = (f"{display_value(str(key))}: {display_value(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(display_value(item) for item in _ordered(value)) + "]"
    return json.dumps(_scalar(value), ensure_ascii=False)


def _marker_text(value: Any) -> str:
    return SENSITIVE.text if isinstance(value, Secret) else str(value)


def _scalar(value: Any) -> Any:
    """A JSON scalar for a leaf value: dates as ISO text, anything unknown as its str()."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _ordered(items: Any) -> list[Any]:
    return sorted(items, key=repr) if isinstance(items, set | frozenset) else list(items)
