"""`${env:NAME}`, `${file:path}` and `${var:NAME}` in manifest values.

Every string value may hold references, alone or inside other text; `$${` writes a literal `${`.
`${file:path}` is read relative to the manifest that names it. Credential fields
(`ios.key_file`, `ios.key_password`, `android.fcm_service_account`) become `Secret` objects
whatever their origin, the moment they are read; a `${file:...}` there is read as bytes and kept
as bytes unless it is UTF-8 text (a .p12 key stays bytes). Elsewhere a file must be UTF-8 text.
Messages name the reference, never the value it yields.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pwconf.errors import Problem
from pwconf.kinds import CONTAINER, PLURALS, REGISTRY
from pwconf.manifest.files import MAX_FILE_BYTES, describe_size
from pwconf.manifest.positions import Document, Path, locate_in_scalar
from pwconf.model import Secret

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# "$${" (a literal "${"), a reference "${...}", or a "${" never closed
_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")

APPS = PLURALS[CONTAINER]  # the section of the applications
# (block, field) of an application's credentials: its kind's sensitive fields.
CREDENTIAL_FIELDS: frozenset[tuple[str, ...]] = frozenset(
    tuple(path.split(".")) for path in REGISTRY[CONTAINER].sensitive_fields
)


def is_credential(path: Path) -> bool:
    """applications.<handle>.ios.key_file and the like."""
    return len(path) == 4 and path[0] == APPS and (path[2], path[3]) in CREDENTIAL_FIELDS


class UnresolvedReference(Exception):
    """One reference cannot be resolved; `offset` is where it starts in the value."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class Interpolator:
    variables: Mapping[str, str]
    env: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)
    failed_paths: set[Path] = field(default_factory=set)  # values left unresolved

    def resolve(self, document: Document, path: Path, raw: str) -> Any:
        """A string value of `document` as the loader reads it, its references resolved; a
        credential field becomes a Secret even when literal. A value left unresolved is kept
        as written, its path in `failed_paths` so that later checks leave it alone."""
        credential = is_credential(path)
        if "${" not in raw and not credential:
            return raw
        value, origin, errors = self.expand(document, raw, binary_ok=credential)
        if errors:
            start = document.where(path)
            for error in errors:
                position = locate_in_scalar(document.text, start, raw, error.offset)
                self.problems.append(Problem(error.message, position))
            self.failed_paths.add(path)
            return Secret("", "invalid") if credential else raw
        return Secret(value, origin) if credential else value

    def expand(
        self, document: Document, raw: str, *, binary_ok: bool
    ) -> tuple[str | bytes, str, list[UnresolvedReference]]:
        """The value with every reference resolved, its origin, and what failed."""
        parts: list[str | bytes] = []
        errors: list[UnresolvedReference] = []
        origin = ""
        position = 0
        for match in _REFERENCE.finditer(raw):
            parts.append(raw[position : match.start()])
            position, reference = match.end(), match.group(1)
            if match.group() == "$${":
                parts.append("${")
            elif reference is None:
                message = "unterminated '${': add the closing '}'"
                errors.append(UnresolvedReference(message, match.start()))
                position = len(raw)
                break
            else:
                try:
                    parts.append(self.lookup(document, reference, match.start(), binary_ok))
                except UnresolvedReference as error:
                    errors.append(error)
                origin = origin or reference
        parts.append(raw[position:])
        present = [part for part in parts if part != ""]
        origin = origin or "literal"
        if len(present) == 1:
            return present[0], origin, errors
        if any(isinstance(part, bytes) for part in present):
            message = "a binary file can only be the whole value, not part of a text"
            errors.append(UnresolvedReference(message, 0))
        return "".join(str(part) for part in present), origin, errors

    def lookup(
        self, document: Document, reference: str, offset: int, binary_ok: bool
    ) -> str | bytes:
        source, _, name = reference.partition(":")
        if source == "file":
            return self.from_file(document, name, offset, binary_ok)
        if source not in ("env", "var"):
            raise UnresolvedReference(
                f"unknown reference '${{{reference}}}'; use ${{env:NAME}}, ${{file:path}} or "
                "${var:NAME} (write $${ for a literal '${')",
                offset,
            )
        if not NAME_RE.fullmatch(name):
            raise UnresolvedReference(
                f"'${{{source}:{name}}}' needs a name made of letters, digits and '_'", offset
            )
        values = self.env if source == "env" else self.variables
        if name in values:
            return values[name]
        if source == "env":
            message = f"environment variable {name!r} is not set (referenced as ${{env:{name}}})"
            raise UnresolvedReference(message, offset)
        raise UnresolvedReference(
            f"variable {name!r} is not defined; pass --var {name}=VALUE or a --var-file "
            "that sets it",
            offset,
        )

    def from_file(self, document: Document, name: str, offset: int, binary_ok: bool) -> str | bytes:
        if not name:
            raise UnresolvedReference("${file:} needs a path, e.g. ${file:secrets/key.p12}", offset)
        path = os.path.join(os.path.dirname(document.path), os.path.expanduser(name))
        data = _read_file(name, path, offset)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            if binary_ok:
                return data
            raise UnresolvedReference(
                f"file {name!r} is not UTF-8 text; binary files are only accepted in "
                "credential fields",
                offset,
            ) from None


def _read_file(name: str, path: str, offset: int) -> bytes:
    where = f"file {name!r} (relative to the manifest's directory)"
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise UnresolvedReference(
                f"{where} is {describe_size(size)}; the limit is {describe_size(MAX_FILE_BYTES)}",
                offset,
            )
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UnresolvedReference(f"{where} does not exist", offset) from None
    except IsADirectoryError:
        raise UnresolvedReference(f"{where} is a directory, not a file", offset) from None
    except OSError as exc:
        raise UnresolvedReference(
            f"{where} cannot be read: {exc.strerror or exc}", offset
        ) from None
