"""The YAML text of an exported manifest file, written by PyYAML's own dumper.

A file is the schema modeline and a commented header, then each top-level key of the body, a
blank line apart. `ExportDumper` (a SafeDumper) keeps the key order, writes short mappings of
scalars on one line and lists of scalars in flow style, and quotes strings that any YAML reader
(1.1 or 1.2) would take for something else. A `Comment` key marks where comment lines replace
it in the text. The written text must load back as the very data it was made from.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from pwconf.errors import PwconfError
from pwconf.manifest.loader import SAFE_LOADER
from pwconf.model import canonical_json

# A mapping of at most this many scalars, whose flow form is at most this wide and quotes
# nothing that block style would leave plain, is written on one line.
INLINE_MAX_ENTRIES = 3
INLINE_MAX_WIDTH = 64
LINE_WIDTH = 4096  # long strings stay on one line: the file is read by people and diff tools

_MAP_TAG = "tag:yaml.org,2002:map"
_STR_TAG = "tag:yaml.org,2002:str"
_MARKER = "\0pwconf-comment-"
_MARKER_LINE = re.compile(r'^( *)"\\0pwconf-comment-(\d+)": null$', re.MULTILINE)

# Plain scalars that another reader would take for a number, boolean or null, where PyYAML's
# resolver would not: YAML 1.2 numbers and the single-letter booleans of the YAML 1.1 spec.
_OTHER_READERS_NON_STRING = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~|[yYnN]"
)
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


class Block(dict[str, Any]):
    """A mapping always written in block style (an application: comments go inside it)."""


class Comment(str):
    """A mapping key whose text (one comment per line) is written as `# ...` lines in its place,
    at the mapping's indentation; its value is ignored and it is not part of the data."""

    __slots__ = ()


class ExportDumper(yaml.SafeDumper):
    """SafeDumper with the export's layout: key order kept, short flow maps, indented lists."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.comments: list[str] = []

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # `- item` indented under its key

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value met twice is written twice, never as an &anchor and *alias

    def represent_str(self, data: str) -> yaml.ScalarNode:
        return self.represent_scalar(_STR_TAG, data, style=_forced_style(data))

    def represent_comment(self, comment: Comment) -> yaml.ScalarNode:
        self.comments.append(str(comment))
        return self.represent_scalar(_STR_TAG, f"{_MARKER}{len(self.comments) - 1}", style='"')

    def represent_dict(self, data: dict[str, Any]) -> yaml.MappingNode:
        flow = not isinstance(data, Block) and _inline(self, data)
        return self.represent_mapping(_MAP_TAG, data.items(), flow_style=flow)

    def represent_list(self, data: list[Any]) -> yaml.SequenceNode:
        flow = all(_is_scalar(item) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


ExportDumper.add_representer(str, ExportDumper.represent_str)
ExportDumper.add_representer(Comment, ExportDumper.represent_comment)
ExportDumper.add_representer(dict, ExportDumper.represent_dict)
ExportDumper.add_representer(Block, ExportDumper.represent_dict)
ExportDumper.add_representer(list, ExportDumper.represent_list)


def _forced_style(text: str) -> str | None:
    if any(brk in text for brk in _LINE_BREAKS):
        return '"'  # one line, with escapes
    if _OTHER_READERS_NON_STRING.fullmatch(text):
        return "'"
    return None


def _inline(dumper: ExportDumper, data: Mapping[str, Any]) -> bool:
    if not data or len(data) > INLINE_MAX_ENTRIES:
        return False
    if any(isinstance(key, Comment) for key in data) or not all(map(_is_scalar, data.values())):
        return False
    parts = [part for pair in data.items() for part in pair]
    if sum(len(str(part)) + 2 for part in parts) > INLINE_MAX_WIDTH:
        return False
    # no string left plain in block style that flow style would have to quote
    plain = [part for part in parts if isinstance(part, str) and _forced_style(part) is None]
    analyses = [dumper.analyze_scalar(text) for text in plain]
    return not any(a.allow_block_plain and not a.allow_flow_plain for a in analyses)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def dump(data: Mapping[str, Any]) -> str:
    """Block-style YAML for one mapping, `Comment` keys written as comments."""
    stream = io.StringIO()
    dumper = ExportDumper(
        stream, sort_keys=False, allow_unicode=True, width=LINE_WIDTH, default_flow_style=False
    )
    dumper.open()
    dumper.represent(Block(data))
    dumper.close()
    comments = dumper.comments
    return _MARKER_LINE.sub(
        lambda m: _comment_block(m.group(1), comments[int(m.group(2))]), stream.getvalue()
    )


def _comment_block(indent: str, comment: str) -> str:
    return "\n".join(f"{indent}# {line}" if line else f"{indent}#" for line in comment.split("\n"))


def document(schema_url: str, header: Iterable[str], body: Mapping[str, Any]) -> str:
    """A whole file: the modeline, the header as comments, then each top-level key of `body`."""
    lines = [f"# yaml-language-server: $schema={schema_url}", "#"]
    lines += [f"# {line}" if line else "#" for line in header]
    text = "\n".join(lines) + "\n\n" + "\n".join(dump({k: v}) for k, v in body.items())
    check_reads_back(text, body)
    return text


def check_reads_back(text: str, data: Mapping[str, Any]) -> None:
    """The written YAML must read back as the very data it was made from (comments aside)."""
    expected = without_comments(data)
    loaded = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    # canonical_json tells apart what == does not: true, 1 and 1.0
    if loaded != expected or canonical_json(loaded) != canonical_json(expected):
        raise PwconfError(
            "internal error: the exported YAML does not read back as the data it was made from",
            hint="please report this with the account's names that contain unusual characters",
        )


def without_comments(data: Any) -> Any:
    """`data` as plain dicts and lists, without its Comment keys."""
    if isinstance(data, Mapping):
        return {k: without_comments(v) for k, v in data.items() if not isinstance(k, Comment)}
    if isinstance(data, list):
        return [without_comments(item) for item in data]
    return data
