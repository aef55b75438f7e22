"""YAML text → plain data, with the position of every key and value.

Nodes come from PyYAML's SafeLoader (libyaml's compiled one when installed, with the implicit
tags of plain scalars cached). Its composer recurses, though: a deeply nested file crashes the
compiled composer outright, and libyaml slows down quadratically on deep flow nesting. So when
the text *could* nest deeper than FAST_COMPOSE_DEPTH (a cheap upper bound from line lengths and
brackets), nodes are composed here from the parser's events instead, without recursion, stopping
at the first collection deeper than MAX_DEPTH.

The node graph is then turned into plain data (dict, list, str, int, float, bool, None) while
two tables are filled: path → mark of the value, path → mark of the key naming it; a path is a
tuple of keys and list indices. Positions are made from marks only when asked for.

YAML rules kept: anchors and aliases, merge keys (`<<: *base`; own keys win, and an earlier
merged mapping wins over a later one), YAML 1.1 scalars as SafeLoader reads them. Refused, each
with a YamlProblem at its line and column: duplicate keys, collections as keys, an anchor defined
twice, an alias inside its own anchor (a cycle), more than MAX_NODES values once aliases are
expanded (a "billion laughs"), nesting deeper than MAX_DEPTH, more than one document, tags other
than the standard ones (no `!!python/...`, no `!!binary`). Timestamps stay the text written
(`2027-06-30` remains a string, checked by the schema's "date" format), and keys are always
their text (`yes:` is the key "yes", `2024:` the key "2024").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from pwconf.errors import Position

MAX_DEPTH = 100
MAX_NODES = 1_000_000  # values after alias expansion

Path = tuple[str | int, ...]

_HAVE_LIBYAML = hasattr(yaml, "CSafeLoader")
_BaseLoader: Any = yaml.CSafeLoader if _HAVE_LIBYAML else yaml.SafeLoader
FAST_COMPOSE_DEPTH = 4000  # libyaml's compiled composer recurses; 6,000 levels measured safe
STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_RESOLVED: dict[str, str] = {}  # plain scalar text → tag; manifests repeat short values a lot


def _resolve_plain(value: str) -> str:
    tag = _RESOLVED.get(value)
    if tag is None:
        tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
        if len(value) <= 64 and len(_RESOLVED) < 100_000:
            _RESOLVED[value] = tag
    return tag


def forget_scalar_tags() -> None:
    """Empty the cache of plain scalars' tags, once a load is done: it holds numbers that
    rarely repeat across loads (coordinates), megabytes of them at 100,000 entities."""
    _RESOLVED.clear()


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader (libyaml's when present) with implicit tags of plain scalars cached.

    SafeLoader has no path resolvers, so a quoted scalar is always a string and a collection
    always a plain sequence or mapping; only plain scalars need the implicit resolvers.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                return _RESOLVED.get(value) or _resolve_plain(value)
            return STR_TAG
        return SEQ_TAG if kind is SequenceNode else MAP_TAG


MERGE_TAG = "tag:yaml.org,2002:merge"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
SCALAR_TAGS = {
    STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    TIMESTAMP_TAG,
}


class YamlProblem(Exception):
    """Stops reading one file: the file cannot be turned into data."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """One manifest file as plain data, with positions (1-based) for every key and value."""

    file: str  # the path as shown to the user
    path: str  # the path to open, for ${file:...} relative to this file
    text: str
    data: Any = None
    # path → libyaml mark (0-based); turned into a Position only when asked for
    values: dict[Path, Any] = field(default_factory=dict)
    keys: dict[Path, Any] = field(default_factory=dict)
    references: list[Path] = field(default_factory=list)  # string values holding "${"
    _line_starts: list[int] | None = None

    def position(self, mark: Any) -> Position:
        return Position(self.file, mark.line + 1, mark.column + 1)

    def where(self, path: Path) -> Position:
        """Where the value at `path` is written (or its closest enclosing value)."""
        for end in range(len(path), -1, -1):
            mark = self.values.get(path[:end])
            if mark is not None:
                return self.position(mark)
        return Position(self.file, 1, 1)

    def key_where(self, path: Path) -> Position:
        """Where the key naming `path` is written; the value's position for list items."""
        mark = self.keys.get(path)
        return self.position(mark) if mark is not None else self.where(path)

    def locate(self, position: Position, value: str, offset: int) -> Position:
        """The position of character `offset` of the scalar `value` written at `position`."""
        return locate_in_scalar(self.text, self.line_starts, position, value, offset)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return self._line_starts


def line_starts(text: str) -> list[int]:
    """The index where each line of `text` starts."""
    starts = [0]
    starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")
    return starts


class ScalarLocator:
    """Document.locate for files whose Document is gone: keeps the text of the files it is
    given, and answers with the position unchanged for any other file."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._line_starts: dict[str, list[int]] = {}

    def keep(self, document: Document) -> None:
        self._texts[document.file] = document.text

    def __call__(self, position: Position, value: str, offset: int) -> Position:
        text = self._texts.get(position.file)
        if text is None:
            return position
        starts = self._line_starts.get(position.file)
        if starts is None:
            starts = self._line_starts[position.file] = line_starts(text)
        return locate_in_scalar(text, starts, position, value, offset)


def load_document(file: str, path: str, text: str) -> Document:
    """Parse one file's text; raises YamlProblem when it cannot be read as YAML data."""
    document = Document(file=file, path=path, text=text)
    root = compose(text)
    if root is None:
        raise YamlProblem("the file is empty; a manifest starts with `version: 1`")
    # Without an anchor there is no alias, so no cycle and no alias bomb to look for.
    document.data = _Converter(document).convert(root, may_alias="&" in text)
    return document


# --- composing nodes from events, without recursion ---------------------------------------


def compose(text: str) -> Node | None:
    """The single document of `text` as a node graph (aliases are shared nodes).

    libyaml's own composer is used when the text cannot nest deeply enough to overflow it
    (the common case, and twice as fast); otherwise nodes are composed here from events.
    """
    try:
        if _HAVE_LIBYAML and _nesting_bound(text) <= FAST_COMPOSE_DEPTH:
            return yaml.compose(text, Loader=_Loader)  # type: ignore[no-any-return]
        return _compose_events(_events(text))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(exc, text) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}") from None


def _nesting_bound(text: str) -> int:
    """An upper bound of the nesting depth. Block nesting needs ever larger columns (two levels
    per column at most); flow nesting needs an opening bracket per level. Every bracket counts,
    even one inside a quoted string: closing ones are not trusted to lower the bound."""
    longest_line = max(map(len, text.split("\n")))
    return 2 * (longest_line + 1) + text.count("[") + text.count("{")


def _events(text: str) -> Iterator[yaml.Event]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _compose_events(events: Iterator[yaml.Event]) -> Node | None:
    anchors: dict[str, Node] = {}
    stack: list[Node] = []  # the collections still open
    open_ids: set[int] = set()
    root: Node | None = None
    documents = 0
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlProblem(
                    "a manifest file holds one YAML document; remove the second `---` "
                    "or split the file",
                    *_one_based(event.start_mark),
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            closed = stack.pop()
            closed.end_mark = event.end_mark
            open_ids.discard(id(closed))
            continue
        node = _node_for(event, anchors, open_ids)
        if node is None:
            continue
        if stack:
            stack[-1].value.append(node)
        elif root is None:
            root = node
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise YamlProblem(
                    f"nested more than {MAX_DEPTH} levels deep; a manifest never needs that",
                    *_one_based(event.start_mark),
                )
            stack.append(node)
            open_ids.add(id(node))
    return _pair_mappings(root) if root is not None else None


def _node_for(event: yaml.Event, anchors: dict[str, Node], open_ids: set[int]) -> Node | None:
    if isinstance(event, yaml.AliasEvent):
        target = anchors.get(event.anchor)
        if target is None:
            raise YamlProblem(
                f"alias *{event.anchor} names no anchor defined before it",
                *_one_based(event.start_mark),
            )
        if id(target) in open_ids:
            raise YamlProblem(
                f"alias *{event.anchor} refers to an anchor that contains it (a cycle)",
                *_one_based(event.start_mark),
            )
        return target
    node: Node
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            if event.implicit[0]:
                tag = _resolve_plain(event.value)
            else:
                tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    elif isinstance(event, yaml.SequenceStartEvent):
        tag = event.tag if event.tag not in (None, "!") else SEQ_TAG
        node = SequenceNode(tag, [], event.start_mark, None, event.flow_style)
    elif isinstance(event, yaml.MappingStartEvent):
        tag = event.tag if event.tag not in (None, "!") else MAP_TAG
        node = MappingNode(tag, [], event.start_mark, None, event.flow_style)
    else:
        return None
    if event.anchor is not None:
        first = anchors.get(event.anchor)
        if first is not None:
            raise _duplicate_anchor(event.anchor, event.start_mark, first.start_mark)
        anchors[event.anchor] = node
    return node


def _pair_mappings(root: Node) -> Node:
    """Mapping values were collected flat (k1, v1, k2, v2...); PyYAML pairs them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, ScalarNode):
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            flat = node.value
            node.value = list(zip(flat[0::2], flat[1::2], strict=True))
            stack.extend(flat)
        else:
            stack.extend(node.value)
    return root


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    line, column = _one_based(mark) if mark else (1, 1)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return YamlProblem(
            "a tab character is used for indentation; YAML allows only spaces", line, column
        )
    if exc.context and "single document" in exc.context:
        return YamlProblem(
            "a manifest file holds one YAML document; remove the second `---` or split the file",
            line,
            column,
        )
    if "duplicate anchor" in (exc.context or "") and exc.context_mark is not None:
        first = exc.context_mark
        name = re.match(r"&([^\s,\[\]{}]+)", text[mark.index :]) if mark else None
        return _duplicate_anchor(name.group(1) if name else "", mark, first)
    if exc.problem and "undefined alias" in exc.problem:
        return YamlProblem("an alias names no anchor defined before it", line, column)
    problem = exc.problem or "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    started = exc.context_mark
    if (
        started is not None
        and mark is not None
        and (started.line, started.column)
        != (
            mark.line,
            mark.column,
        )
    ):
        context += f" (which started at line {started.line + 1}, column {started.column + 1})"
    return YamlProblem(f"not valid YAML: {problem}{context}", line, column)


def _duplicate_anchor(name: str, mark: Any, first: Any) -> YamlProblem:
    shown = f"&{name}" if name else "an anchor"
    return YamlProblem(
        f"anchor {shown} is defined twice (first at line {first.line + 1}, column "
        f"{first.column + 1}); give each anchor its own name",
        mark.line + 1,
        mark.column + 1,
    )


def _one_based(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


# --- nodes → plain data and positions ------------------------------------------------------


class _Converter:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.values = document.values
        self.keys = document.keys
        self.sizes: dict[int, tuple[int, int]] = {}  # node id → (expanded size, height)
        self.active: set[int] = set()
        # One object per distinct string: libyaml makes a new one for every key and value, and
        # manifests repeat field names and the names they refer to many thousand times.
        self.strings: dict[str, str] = {}

    def convert(self, root: Node, may_alias: bool) -> Any:
        if may_alias:
            self.measure(root, 0)
        return self.value(root, (), 0)

    def measure(self, node: Node, depth: int) -> tuple[int, int]:
        """Expanded size and height of a node; refuses cycles, bombs and deep nesting before
        any conversion work is done (aliases make a small graph a huge tree)."""
        known = self.sizes.get(id(node))
        if known is None:
            known = self.measure_new(node, depth)
        if depth + known[1] > MAX_DEPTH:
            raise YamlProblem(
                f"nested more than {MAX_DEPTH} levels deep once aliases are expanded",
                *_pos(node),
            )
        return known

    def measure_new(self, node: Node, depth: int) -> tuple[int, int]:
        if isinstance(node, ScalarNode):
            return 1, 0
        if id(node) in self.active:
            raise YamlProblem(
                "an alias refers to an anchor that contains it (a cycle)", *_pos(node)
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", *_pos(node))
        self.active.add(id(node))
        children = node.value if isinstance(node, SequenceNode) else _mapping_children(node)
        size, height = 1, 0
        for child in children:
            child_size, child_height = self.measure(child, depth + 1)
            size += child_size
            height = max(height, child_height + 1)
        self.active.discard(id(node))
        if size > MAX_NODES:
            raise YamlProblem(
                f"this value expands to more than {MAX_NODES:,} values once aliases are "
                "expanded (an alias bomb?); use fewer aliases",
                *_pos(node),
            )
        self.sizes[id(node)] = (size, height)
        return size, height

    def value(self, node: Node, path: Path, depth: int) -> Any:
        self.values[path] = node.start_mark
        if isinstance(node, ScalarNode):
            if node.tag == STR_TAG:
                if "${" in node.value:
                    self.document.references.append(path)
                return self.strings.setdefault(node.value, node.value)
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", *_pos(node))
        depth += 1
        if isinstance(node, SequenceNode):
            self.check_tag(node, SEQ_TAG)
            return [self.value(item, (*path, i), depth) for i, item in enumerate(node.value)]
        self.check_tag(node, MAP_TAG)
        result: dict[str, Any] = {}
        keys = self.keys
        for key, key_node, value_node in self.entries(node):
            child = (*path, key)
            keys[child] = key_node.start_mark
            result[key] = self.value(value_node, child, depth)
        return result

    def check_tag(self, node: Node, expected: str) -> None:
        if node.tag != expected:
            raise YamlProblem(f"unsupported YAML tag {node.tag!r}", *_pos(node))

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag in (STR_TAG, TIMESTAMP_TAG):
            return node.value
        if tag in SCALAR_TAGS:
            try:
                # construct_scalar-based, uncached: construct_object would keep every node
                # (and its marks) alive in the shared constructor's cache.
                return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
            except (ConstructorError, ValueError) as exc:
                raise YamlProblem(f"invalid value: {exc}", *_pos(node)) from None
        if tag == MERGE_TAG:
            raise YamlProblem("'<<' (merge key) is only allowed as a mapping key", *_pos(node))
        hint = "; read binary data with ${file:...}" if tag.endswith(":binary") else ""
        raise YamlProblem(f"unsupported YAML tag {tag!r}{hint}", *_pos(node))

    def entries(self, node: MappingNode) -> list[tuple[str, Node, Node]]:
        """A mapping's (key, key node, value node): its own keys, then what `<<` brings.

        Own keys win over merged ones, and an earlier merged mapping wins over a later one.
        """
        result: list[tuple[str, Node, Node]] = []
        first_line: dict[str, int] = {}
        merges: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG and isinstance(key_node, ScalarNode):
                merges.append((key_node, value_node))
                continue
            key = self.key(key_node)
            if key in first_line:
                raise YamlProblem(
                    f"duplicate key {key!r} (first defined at line {first_line[key]}); "
                    "each key may appear once in a mapping",
                    *_pos(key_node),
                )
            first_line[key] = key_node.start_mark.line + 1
            result.append((key, key_node, value_node))
        for merge_key, merge_value in merges:
            for source in self.merge_sources(merge_key, merge_value):
                for key, key_node, value_node in self.entries(source):
                    if key not in first_line:
                        first_line[key] = 0
                        result.append((key, key_node, value_node))
        return result

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise YamlProblem("a mapping key must be a plain string, not a collection", *_pos(node))
        return self.strings.setdefault(node.value, node.value)

    def merge_sources(self, key: Node, value: Node) -> list[MappingNode]:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        if not all(isinstance(source, MappingNode) for source in sources):
            raise YamlProblem(
                "a merge key '<<' takes a mapping or a list of mappings (e.g. `<<: *base`)",
                *_pos(key),
            )
        return sources  # type: ignore[return-value]


def _mapping_children(node: MappingNode) -> Iterator[Node]:
    for key_node, value_node in node.value:
        yield key_node
        yield value_node


def _pos(node: Node) -> tuple[int, int]:
    return _one_based(node.start_mark)


# --- positions inside a scalar ------------------------------------------------------------


def locate_in_scalar(
    text: str, line_starts: list[int], position: Position, value: str, offset: int
) -> Position:
    """Where character `offset` of a scalar's `value` sits in the file.

    The value's characters are matched against the source from the scalar's start: quotes and
    block indicators are skipped, escapes and folded line breaks absorbed. Exact for plain and
    quoted one-line scalars, close for block scalars; the scalar's start when matching fails.
    """
    start = line_starts[position.line - 1] + position.column - 1
    index = _skip_indicator(text, start)
    for char in value[:offset]:
        index = _match(text, index, char)
        if index < 0:
            return position
        index += 1
        if text[index - 1] == "\n":
            index = _skip_blanks(text, index)
    if offset < len(value) and not value[offset].isspace():
        index = _match(text, index, value[offset])
        if index < 0:
            return position
    if index >= len(text):
        return position
    line = bisect.bisect_right(line_starts, index)
    return Position(position.file, line, index - line_starts[line - 1] + 1)


_LOOKAHEAD = 12  # the longest escape, \UXXXXXXXX, plus slack


def _match(text: str, index: int, char: str) -> int:
    """The index of `char` at or just after `index` in the source; -1 when not found."""
    if char.isspace():
        return index if index < len(text) and text[index].isspace() else -1
    end = min(len(text), index + _LOOKAHEAD)
    found = text.find(char, index, end)
    return found


def _skip_indicator(text: str, start: int) -> int:
    if start >= len(text):
        return start
    if text[start] in "\"'":
        return start + 1
    if text[start] in "|>":
        newline = text.find("\n", start)
        return len(text) if newline < 0 else _skip_blanks(text, newline + 1)
    return start


def _skip_blanks(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t":
        index += 1
    return index
