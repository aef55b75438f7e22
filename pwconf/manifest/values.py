"""`${env:NAME}`, `${file:path}` and `${var:NAME}` in manifest values.

Every string value may hold references, alone or inside other text; `$${` writes a literal `${`.
`${file:path}` is read relative to the manifest that names it. Credential fields
(`ios.key_file`, `ios.key_password`, `android.fcm_service_account`) become `Secret` objects
whatever their origin, the moment they are read; a `${file:...}` there is read as bytes and kept
as bytes unless it is UTF-8 text (a .p12 key stays bytes). Elsewhere a file must be UTF-8 text.
Messages name the reference, never the value it yields."""

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
CREDENTIALS = REGISTRY[CONTAINER].sensitive_fields  # "ios.key_file" and the like


class Unresolved(Exception):
    """A reference that cannot be resolved; the message says why."""


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
        credential = len(path) == 4 and path[0] == APPS and f"{path[2]}.{path[3]}" in CREDENTIALS
        if "${" not in raw and not credential or path == ("version",):
            return raw  # the version line is read as written: its message may quote it
        value, origin, errors = self.expand(document, raw, binary_ok=credential)
        if errors:
            start = document.where(path)
            for message, offset in errors:
                position = locate_in_scalar(document.text, start, raw, offset)
                self.problems.append(Problem(message, position))
            self.failed_paths.add(path)
            return Secret("", "invalid") if credential else raw
        return Secret(value, origin) if credential else value

    def expand(
        self, document: Document, raw: str, *, binary_ok: bool
    ) -> tuple[str | bytes, str, list[tuple[str, int]]]:
        """The value with every reference resolved, its origin, and what failed (message, and
        where in `raw`)."""
        parts: list[str | bytes] = []
        errors: list[tuple[str, int]] = []
        origin, position = "", 0
        for match in _REFERENCE.finditer(raw):
            parts.append(raw[position : match.start()])
            position, reference = match.end(), match.group(1)
            if match.group() == "$${":
                parts.append("${")
            elif reference is None:
                errors.append(("unterminated '${': add the closing '}'", match.start()))
                position = len(raw)
                break
            else:
                try:
                    parts.append(self.lookup(document, reference, binary_ok))
                except Unresolved as exc:
                    errors.append((str(exc), match.start()))
                origin = origin or reference
        parts.append(raw[position:])
        present = [part for part in parts if part != ""]
        origin = origin or "literal"
        if len(present) == 1:
            return present[0], origin, errors
        if any(isinstance(part, bytes) for part in present):
            errors.append(("a binary file can only be the whole value, not part of a text", 0))
        return "".join(str(part) for part in present), origin, errors

    def lookup(self, document: Document, reference: str, binary_ok: bool) -> str | bytes:
        source, _, name = reference.partition(":")
        if source == "file":
            return _from_file(document, name, binary_ok)
        if source not in ("env", "var"):
            raise Unresolved(
                f"unknown reference '${{{reference}}}'; use ${{env:NAME}}, ${{file:path}} or "
                "${var:NAME} (write $${ for a literal '${')"
            )
        if not NAME_RE.fullmatch(name):
            raise Unresolved(f"'${{{source}:{name}}}' needs a name made of letters, digits and '_'")
        values = self.env if source == "env" else self.variables
        if name in values:
            return values[name]
        if source == "env":
            raise Unresolved(
                f"environment variable {name!r} is not set (referenced as ${{env:{name}}})"
            )
        raise Unresolved(
            f"variable {name!r} is not defined; pass --var {name}=VALUE or a --var-file "
            "that sets it"
        )


def _from_file(document: Document, name: str, binary_ok: bool) -> str | bytes:
    """The file `name`, relative to the manifest's directory; bytes only if `binary_ok`."""
    if not name:
        raise Unresolved("${file:} needs a path, e.g. ${file:secrets/key.p12}")
    path = os.path.join(os.path.dirname(document.path), os.path.expanduser(name))
    where = f"file {name!r} (relative to the manifest's directory)"
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            limit = describe_size(MAX_FILE_BYTES)
            raise Unresolved(f"{where} is {describe_size(size)}; the limit is {limit}")
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Unresolved(f"{where} does not exist") from None
    except IsADirectoryError:
        raise Unresolved(f"{where} is a directory, not a file") from None
    except OSError as exc:
        raise Unresolved(f"{where} cannot be read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if binary_ok:
            return data
        raise Unresolved(
            f"file {name!r} is not UTF-8 text; binary files are only accepted in credential fields"
        ) from None
