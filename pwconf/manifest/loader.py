"""YAML text → plain data, with the mark of every key and value.

PyYAML's composer builds the nodes over the safe loader's parser (libyaml's when installed),
refusing what breaks a guard as it comes; plain data is then built from the nodes. Aliases give
independent copies, merge keys work (own keys win, then earlier merges), scalars are read as
SafeLoader reads them, but timestamps stay text and keys are their text (`yes:` is "yes")."""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pwconf.manifest.files import FileProblem
from pwconf.manifest.positions import Document, Path

MAX_DEPTH = 100
MAX_NODES = 1_000_000  # values once aliases are expanded
Resolve = Callable[[Document, Path, str], Any]  # what a string value read at a path becomes

_TAG = "tag:yaml.org,2002:"
_TEXT_TAGS = {_TAG + "str", _TAG + "timestamp"}
_CONSTRUCTOR = SafeConstructor()
_SCALARS = {  # SafeLoader's constructors of the scalar types a manifest may hold
    _TAG + name: SafeConstructor.yaml_constructors[_TAG + name]
    for name in ("int", "float", "bool", "null")
}


class YamlProblem(FileProblem):
    """The file's text is not YAML data pwconf reads; at the mark, when there is one."""

    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message, *((mark.line + 1, mark.column + 1) if mark else (1, 1)))


class _CheckedComposer:
    """PyYAML's Python composer (libyaml's own recurses in C as deep as the text nests), refusing
    each node that breaks a guard as it comes; mixed into a safe loader."""

    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document
    compose_scalar_node = Composer.compose_scalar_node
    compose_sequence_node = Composer.compose_sequence_node
    compose_mapping_node = Composer.compose_mapping_node

    def __init__(self, text: str) -> None:
        super().__init__(text)  # type: ignore[call-arg]
        self.anchors: dict[str, Node] = {}
        self.depth = 0
        self.sizes: dict[int, tuple[int, int]] = {}  # composed collection → (values, levels)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self.check_alias(event, parent)
        elif event.anchor in self.anchors:
            first = self.anchors[event.anchor].start_mark
            raise YamlProblem(
                f"anchor &{event.anchor} is defined twice (first at line {first.line + 1}, "
                f"column {first.column + 1}); give each anchor its own name",
                event.start_mark,
            )
        elif isinstance(event, CollectionStartEvent):
            if self.depth >= MAX_DEPTH:
                message = f"nested more than {MAX_DEPTH} levels deep; a manifest never needs that"
                raise YamlProblem(message, event.start_mark)
            self.depth += 1
            node = Composer.compose_node(self, parent, index)
            self.depth -= 1
            self.measure(node)
            return node
        return Composer.compose_node(self, parent, index)  # type: ignore[no-any-return]

    def check_alias(self, event: AliasEvent, parent: Any) -> None:
        node = self.anchors.get(event.anchor)
        if node is None:
            message = f"alias *{event.anchor} names no anchor defined before it"
            raise YamlProblem(message, event.start_mark)
        if isinstance(node, ScalarNode):
            return
        if id(node) not in self.sizes:  # still being composed
            message = "an alias refers to an anchor that contains it (a cycle)"
            raise YamlProblem(message, node.start_mark)
        if self.depth + self.sizes[id(node)][1] > MAX_DEPTH:
            message = f"nested more than {MAX_DEPTH} levels deep once aliases are expanded"
            raise YamlProblem(message, parent.start_mark)

    def measure(self, node: Node) -> None:
        size, levels = 1, 1
        for child in node.value if isinstance(node, SequenceNode) else chain(*node.value):
            child_size, child_levels = self.sizes.get(id(child), (1, 0))
            size += child_size
            levels = max(levels, child_levels + 1)
        if size > MAX_NODES:
            raise YamlProblem(
                f"this value expands to more than {MAX_NODES:,} values once aliases are "
                "expanded (an alias bomb?); use fewer aliases",
                node.start_mark,
            )
        self.sizes[id(node)] = (size, levels)


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when PyYAML has it


class _Loader(_CheckedComposer, SAFE_LOADER):  # type: ignore[misc,valid-type]
    pass


def _yaml_problem(exc: yaml.YAMLError, text: str) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    started, context = getattr(exc, "context_mark", None), getattr(exc, "context", None)
    if mark is None:
        return YamlProblem(f"not valid YAML: {exc}")
    if isinstance(exc, ComposerError):  # the only one left to it: a second document
        message = "a manifest file holds one YAML document; remove the second `---` or split it"
        return YamlProblem(message, mark)
    if text[mark.index : mark.index + 1] == "\t":
        return YamlProblem("a tab character is used for indentation; YAML allows only spaces", mark)
    context = f" {context}" if context else ""
    if started is not None and (started.line, started.column) != (mark.line, mark.column):
        context += f" (which started at line {started.line + 1}, column {started.column + 1})"
    return YamlProblem(f"not valid YAML: {exc.problem}{context}", mark)  # type: ignore[attr-defined]


def load_document(file: str, path: str, text: str, resolve: Resolve | None = None) -> Document:
    """One file's text as a Document, strings through `resolve`; YamlProblem if not YAML data."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, text) from None
    finally:
        loader.dispose()
    if root is None:
        raise YamlProblem("the file is empty; a manifest starts with `version: 1`")
    document = Document(file=file, path=path, text=text)
    document.data = _value(document, root, (), resolve or (lambda _, __, text: text))
    return document


def _value(document: Document, node: Node, path: Path, resolve: Resolve) -> Any:
    document.values[path] = node.start_mark
    if isinstance(node, ScalarNode):
        if node.tag in _TEXT_TAGS:
            return resolve(document, path, node.value)
        try:
            return _SCALARS[node.tag](_CONSTRUCTOR, node) if node.tag in _SCALARS else _refuse(node)
        except (ConstructorError, ValueError, KeyError):
            message = f"{node.value!r} is not a valid {node.tag.removeprefix(_TAG)}"
            raise YamlProblem(message, node.start_mark) from None
    if isinstance(node, SequenceNode):
        if node.tag != _TAG + "seq":
            _refuse(node)
        return [_value(document, item, (*path, i), resolve) for i, item in enumerate(node.value)]
    if node.tag != _TAG + "map":
        _refuse(node)
    result: dict[str, Any] = {}
    for key, (key_node, value_node) in _entries(node).items():
        document.keys[(*path, key)] = key_node.start_mark
        result[key] = _value(document, value_node, (*path, key), resolve)
    return result


def _refuse(node: Node) -> Any:
    if node.tag == _TAG + "merge":
        raise YamlProblem("'<<' (merge key) is only allowed as a mapping key", node.start_mark)
    hint = "; read binary data with ${file:...}" if node.tag == _TAG + "binary" else ""
    raise YamlProblem(f"unsupported YAML tag {node.tag!r}{hint}", node.start_mark)


def _entries(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    """A mapping's key → (key node, value node): its own keys, then what `<<` brings in."""
    result: dict[str, tuple[Node, Node]] = {}
    merges: list[tuple[Node, Node]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            message = "a mapping key must be a plain string, not a collection"
            raise YamlProblem(message, key_node.start_mark)
        if key_node.tag == _TAG + "merge":
            merges.append((key_node, value_node))
            continue
        if key_node.value in result:
            raise YamlProblem(
                f"duplicate key {key_node.value!r} (first defined at line "
                f"{result[key_node.value][0].start_mark.line + 1}); each key may appear once",
                key_node.start_mark,
            )
        result[key_node.value] = (key_node, value_node)
    for merge_key, merged in merges:
        sources = merged.value if isinstance(merged, SequenceNode) else [merged]
        if not all(isinstance(source, MappingNode) for source in sources):
            message = "a merge key '<<' takes a mapping or a list of mappings (e.g. `<<: *base`)"
            raise YamlProblem(message, merge_key.start_mark)
        for source in sources:
            for key, pair in _entries(source).items():
                result.setdefault(key, pair)
    return result
