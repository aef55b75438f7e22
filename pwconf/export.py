"""Manifests from a live account: the reverse of apply.

The account is fetched as a plan would (one desired application per live one, with its `code:`
and a handle made from its title); each kind's live entities are written as it exports them
(Kind.export): one file per application, one for the account-wide kinds. What cannot be read
back or what validate would refuse is not written, and the notes say so. `pwconf plan` of the
exported files against the same account reports no changes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pwconf.atomic_file import write_atomically
from pwconf.errors import UsageError
from pwconf.export_writer import Block, Comment, document
from pwconf.fetch import LiveState, Progress, fetch_live
from pwconf.kinds import ACCOUNT_WIDE, APP_SECTIONS, CONTAINER, PLURALS, REGISTRY
from pwconf.kinds.application import (
    credential_placeholders,
    credentials_note,
    recorded_codes,
    shared_title_warnings,
)
from pwconf.kinds.base import Exporting, ordered
from pwconf.model import Address, DesiredState, Entity
from pwconf.state import State
from pwconf.words import counted

ACCOUNT_FILE = "account.yaml"
APP_FILE_PREFIX = "app-"
SCHEMA_RELATIVE = Path("schemas") / "pwconf.schema.json"
MANIFEST_VERSION = 1

# A handle may be used as `@handle` in segment expressions (pwconf.segments), a YAML key and a
# file name: it starts with a letter and holds only [a-z0-9_-].
USER_HANDLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")  # what manifests accept


def slug(title: str) -> str:
    """A handle-shaped slug of a title: ASCII, lowercase, [a-z0-9_-], starting with a letter."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-_")  # one "-" per run
    if not text:
        return "app"
    if not text[0].isalpha():
        text = f"app-{text}"
    return text[:48].rstrip("-_")


def assign_handles(
    titles: Mapping[str, str], preferred: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Application code -> a unique handle from its title (`shop`, `shop-2`, ...).

    `preferred`: handles to keep, by code (those pwconf's state file recorded). Every
    application of the account takes part, ordered by title then code, so an application's
    handle does not depend on which applications `--app` chose.
    """
    handles: dict[str, str] = {}
    taken: set[str] = set()  # lowercased: handles name files, and some file systems ignore case
    for code, handle in sorted((preferred or {}).items()):
        if code in titles and handle.lower() not in taken and USER_HANDLE_RE.fullmatch(handle):
            handles[code] = handle
            taken.add(handle.lower())
    for code, title in sorted(titles.items(), key=lambda item: (item[1], item[0])):
        if code in handles:
            continue
        base = slug(title)
        handle, number = base, 1
        while handle in taken:
            number += 1
            handle = f"{base}-{number}"
        taken.add(handle)
        handles[code] = handle
    return handles


def export_account(
    api: Any,
    *,
    apps: Sequence[str] = (),
    schema_url: str,
    parallelism: int = 10,
    state: State | None = None,
    progress: Progress | None = None,
) -> Export:
    """The account's manifests (`files`: {relative path: YAML text}) and what to tell of them.

    `apps`: application codes to export (default: all); the account-wide kinds are always
    exported. `state`: pwconf's state file, to learn what Pushwoosh does not return (tags'
    `user_specific` flags, the handles and events pwconf created)."""
    titles = api.all_application_pages()
    unknown = sorted(set(apps) - set(titles))
    if unknown:
        listed = [f"{code} ({title})" for code, title in sorted(titles.items())]
        if len(listed) > 10:
            listed[10:] = [f"and {len(listed) - 10} more"]
        raise UsageError(
            f"--app {', '.join(unknown)}: no such application in the account",
            hint="--app takes application codes (XXXXX-XXXXX); the account has "
            + (", ".join(listed) or "no application"),
        )
    recorded = {code: handle for handle, code in (recorded_codes(state) if state else {}).items()}
    all_handles = assign_handles(titles, recorded)
    chosen = sorted(set(apps) if apps else set(titles), key=lambda c: all_handles[c])
    handles = {code: all_handles[code] for code in chosen}

    desired = DesiredState()
    for code, handle in handles.items():
        address = Address(CONTAINER, None, handle)
        desired.entities[address] = Entity(address, {"title": titles[code]}, code=code)
    live = fetch_live(api, desired, parallelism=parallelism, progress=progress, titles=titles)
    export = Export(live, handles, schema_url, state, partial=bool(apps))
    export.build()
    return export


class Export(Exporting):
    """One export: the files `build` writes, and what the kinds noted and warned on the way."""

    def __init__(
        self,
        live: LiveState,
        handles: dict[str, str],
        schema_url: str,
        state: State | None,
        partial: bool,
    ) -> None:
        exported = {Address(CONTAINER, None, handle) for handle in handles.values()}
        super().__init__(live.entities, state, written=exported)
        self.listed_titles = live.view.listed_titles
        self.handles = handles
        self.schema_url = schema_url
        self.partial = partial
        # in the order of the summary: the kinds the API lists first
        self.counts = {k: 0 for k in sorted(REGISTRY, key=lambda k: not REGISTRY[k].readable)}
        self.files: dict[str, str] = {}
        self.credentials: list[str] = []  # "handle (platforms)" of the credentials not written
        self.by_app: dict[tuple[str, str | None], list[Entity]] = {}
        for address, entity in sorted(live.entities.items(), key=lambda i: i[0].sort_key):
            self.by_app.setdefault((address.kind, address.app), []).append(entity)

    def build(self) -> None:
        self.files[ACCOUNT_FILE] = self.account_file()
        for code, handle in self.handles.items():
            self.files[f"{APP_FILE_PREFIX}{handle}.yaml"] = self.application_file(code, handle)
        self._check_titles()
        self._closing_notes()

    def sections(self, kinds: Iterable[str], app: str | None) -> dict[str, Any]:
        """{plural: {name: body}} of the kinds' live entities export writes."""
        body: dict[str, Any] = {}
        for kind in kinds:
            entries = REGISTRY[kind].export_all(self.by_app.get((kind, app), []), self)
            self.counts[kind] += len(entries)
            if entries:
                body[PLURALS[kind]] = entries
        return body

    def account_file(self) -> str:
        self.header = ["Account-wide tags and segments, written by `pwconf export`."]
        sections = self.sections(ACCOUNT_WIDE, None)
        self.notes += self.summary
        return document(self.schema_url, self.header, {"version": MANIFEST_VERSION, **sections})

    def application_file(self, code: str, handle: str) -> str:
        app = self.live(Address(CONTAINER, None, handle))
        attrs = app.attrs if app else {}
        kind = REGISTRY[CONTAINER]
        entry: dict[str, Any] = Block(ordered({**attrs, "code": code}, kind.export_order))
        self.counts[CONTAINER] += 1
        configured = [f.name for f in kind.fields if f.sensitive and attrs.get(f.name) is not None]
        if configured:
            self.credentials.append(f"{handle} ({', '.join(configured)})")
            entry[Comment("\n".join(credential_placeholders(handle, configured)))] = None
        title = attrs.get("title") or handle
        self.header = [f"Application {title!r} ({code}), written by `pwconf export`."]
        kinds = APP_SECTIONS.values()
        entry.update(self.sections([k for k in kinds if REGISTRY[k].readable], handle))
        for unlisted in (REGISTRY[k] for k in kinds if not REGISTRY[k].readable):
            unlisted.export_unlisted(code, handle, self)
        body = {"version": MANIFEST_VERSION, PLURALS[CONTAINER]: {handle: entry}}
        return document(self.schema_url, self.header, body)

    def _check_titles(self) -> None:
        apps = (self.live(Address(CONTAINER, None, h)) for h in self.handles.values())
        self.warnings += shared_title_warnings([app for app in apps if app is not None])

    def _closing_notes(self) -> None:
        self.notes[:0] = [kind.export_note for kind in REGISTRY.values() if kind.export_note]
        if self.credentials:
            self.notes.append(credentials_note(self.credentials))
        if self.partial:
            others = [code for code in self.listed_titles if code not in self.handles]
            if others:
                self.notes.append(
                    f"{counted(len(others), 'other application')}: not chosen with --app"
                )


def default_schema_url(out: Path) -> tuple[str, bool]:
    """The modeline target for files written to `out`, and whether a schema file was found:
    the nearest `schemas/pwconf.schema.json` in `out` or a parent, relative to `out`."""
    out = out.resolve()
    for folder in (out, *out.parents):
        candidate = folder / SCHEMA_RELATIVE
        if candidate.is_file():
            return Path(os.path.relpath(candidate, out)).as_posix(), True
    return SCHEMA_RELATIVE.as_posix(), False


def other_manifests(out: Path, files: Iterable[str]) -> list[Path]:
    """Manifest files already in `out` that this export does not write: pwconf reads them too."""
    if not out.is_dir():
        return []
    written = {out / name for name in files}
    return sorted(
        path
        for path in out.rglob("*")
        if path.suffix in (".yaml", ".yml")
        and path not in written
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(out).parts)
    )


def write_export(out: Path, files: Mapping[str, str], *, force: bool) -> list[Path]:
    """Write every file atomically; refuse to overwrite any existing one unless `force`."""
    conflicts = [out / name for name in files if (out / name).exists()]
    if conflicts and not force:
        raise UsageError(
            "refusing to overwrite " + ", ".join(str(p) for p in conflicts),
            hint="choose another --out directory, or pass --force to overwrite",
        )
    for name, text in files.items():
        write_atomically(out / name, text)
    return [out / name for name in files]
