"""Finding manifest files under the given paths and reading them as text, safely."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pwconf.errors import Position, Problem

MAX_FILE_BYTES = 10 * 1024 * 1024
MANIFEST_SUFFIXES = (".yaml", ".yml")
# What a YAML stream may not hold (YAML 1.1, 5.1: printable characters only).
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class ManifestFile:
    path: str  # the path to open
    display: str  # the path to show: relative to the current directory when possible


class FileProblem(Exception):
    """The file cannot be read as manifest data; line and column say where, when it matters."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def at(self, file: str) -> Problem:
        return Problem(self.message, Position(file, self.line, self.column))


def display_path(path: str) -> str:
    """`path` relative to the current directory, or absolute when it lies outside."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows)
        return absolute
    return absolute if relative.split(os.sep)[0] == os.pardir else relative


def discover(
    paths: list[str], skip: frozenset[str] = frozenset()
) -> tuple[list[ManifestFile], list[Problem]]:
    """Every *.yaml/*.yml file under `paths` (default: the current directory), sorted.

    A file named explicitly is read whatever its suffix. Inside directories, hidden files and
    directories (.git, .venv, ...) are skipped, as are the files whose real path is in `skip`
    (the var files), and symbolic links to directories not followed.
    """
    paths = paths or ["."]
    found: dict[str, ManifestFile] = {}
    problems: list[Problem] = []
    for given in paths:
        if not os.path.lexists(given):
            problems.append(Problem(f"path {given!r} does not exist"))
            continue
        for candidate in _walk(given) if os.path.isdir(given) else [given]:
            real = os.path.realpath(candidate)
            if real not in skip or candidate == given:  # a var file is read if named as a manifest
                found.setdefault(real, ManifestFile(candidate, display_path(candidate)))
    files = sorted(found.values(), key=lambda f: f.display)
    if not files and not problems:
        shown = ", ".join(map(repr, paths))
        problems.append(
            Problem(
                f"no manifest files (*.yaml, *.yml) found under {shown}; an empty set of "
                "manifests is refused so that nothing is ever planned for deletion by mistake"
            )
        )
    return files, problems


def _walk(directory: str) -> Iterator[str]:
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and name.endswith(MANIFEST_SUFFIXES):
                yield os.path.join(root, name)


def describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size} bytes"


def read_text(path: str) -> str:
    """The file as text; raises FileProblem when it is too big, unreadable, binary or not UTF-8."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise FileProblem(
                f"the file is {describe_size(size)}; manifest files are limited to "
                f"{describe_size(MAX_FILE_BYTES)}: split it"
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise FileProblem("this is a directory, not a file") from None
    except OSError as exc:
        raise FileProblem(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"the file is larger than {describe_size(MAX_FILE_BYTES)}: split it")
    return _decode(data)


def _decode(data: bytes) -> str:
    if b"\0" in data:
        where = _line_column(data[: data.index(b"\0")].decode("utf-8", "replace"))
        raise FileProblem("this is a binary file, not YAML text (it contains NUL bytes)", *where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); "
            "save it as UTF-8",
            *_line_column(data[: exc.start].decode("utf-8", "replace")),
        ) from None
    found = _NOT_PRINTABLE.search(text)
    if found:
        raise FileProblem(
            f"the file holds the control character U+{ord(found.group()):04X}, which YAML does "
            "not allow; remove it",
            *_line_column(text[: found.start()]),
        )
    return text


def _line_column(before: str) -> tuple[int, int]:
    """The line and column just after `before`, the text that precedes a problem."""
    return before.count("\n") + 1, len(before) - before.rfind("\n")
