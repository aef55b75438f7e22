"""Applications: keyed by a handle of the user's choice, matched by code or exact title; the
server assigns the code (contract §2). Credentials are write-only: configureApplication sends
them, nothing returns them, so pwconf compares salted fingerprints kept in its state file."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import NOWHERE, Problem
from pwconf.kinds import event
from pwconf.kinds.base import ApplyContext, Declared, Field, Kind, LiveView, at
from pwconf.model import Entity, Secret, seal_secrets
from pwconf.state import State

DEVICE_TYPES = {"ios": 1, "android": 3}
CONFIGURED_ELSEWHERE = "(configured outside pwconf; cannot be read back)"
NOT_REPORTED = "(getApplication does not say whether it is configured)"
# The state file's section of sealed credentials: application code -> platform -> HMACs.
CREDENTIALS = "credentials"


def _reveal(value: Any) -> bytes:
    raw = value.reveal() if isinstance(value, Secret) else value
    return raw if isinstance(raw, bytes) else str(raw).encode()


def _credentials_wire(platform: str, block: Mapping[str, Any]) -> dict[str, Any]:
    """configureApplication's fields for one platform's credentials."""
    if platform == "android":
        service_account = _reveal(block["fcm_service_account"]).decode()
        return {"android_fcm_service_account": json.loads(service_account)}
    assert platform == "ios", platform
    return {
        "ios_key_management_type": "manual",
        "ios_key_file": base64.b64encode(_reveal(block["key_file"])).decode(),
        "ios_key_password": _reveal(block["key_password"]).decode(),
        # [doc] a string, "0" sandbox or "1" production (contract §11; the contract said 0/1)
        "ios_gateway": "1" if block.get("gateway", "production") == "production" else "0",
    }


class ApplicationKind(Kind):
    name = "application"
    code_assigned_by_server = True
    data_loss_on_delete = "deletes the application with its devices, presets and geozones"
    fields = (
        Field("title"),
        Field("sdk_ios"),
        Field("sdk_android"),
        Field("ios", sensitive=("key_file", "key_password")),
        Field("android", sensitive=("fcm_service_account",)),
    )
    export_order = ("title", "code", "sdk_ios", "sdk_android")  # credentials: never
    unmanaged_when_absent = frozenset({"sdk_ios", "sdk_android", "ios", "android"})

    def check(self, declared: Declared) -> Iterator[Problem]:
        """No two applications share a title or a code: live ones are matched by them."""
        apps = sorted(declared.of_kind(self.name), key=lambda app: app.position or NOWHERE)
        for what in ("title", "code"):
            first_with: dict[Any, Entity] = {}
            for app in apps:
                value = app.code if what == "code" else app.attrs["title"]
                if value is None:
                    continue
                first = first_with.setdefault(value, app)
                if first is not app:
                    position = at(first, what)
                    there = position.file_line if position else "elsewhere"
                    yield Problem(
                        f"application {app.name!r} has the same {what} {value!r} as application "
                        f"{first.name!r} ({there}); each application needs its own (live "
                        f"applications are matched by {what})",
                        at(app, what),
                    )

    def from_manifest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        attrs, ios = self.normalize(body), body.get("ios")
        if ios is not None:
            attrs["ios"] = {
                "key_file": ios["key_file"],
                "key_password": ios["key_password"],
                "gateway": ios.get("gateway", "production"),
            }
        return attrs

    def list_read(self, app_code: str | None) -> Read:
        """The one application, read by code (getApplication)."""
        return Reads.get_application(app_code)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        """`raw` as the getApplication shape reads it (api/shapes.py): a title it left out is
        the one getApplications lists; providers it left out (None) leave every platform
        unknown, which complete_live resolves from the state file."""
        code, providers = raw["code"], raw["providers"]
        # Credentials are never echoed (contract §2); complete_live fills these from state.
        if providers is None:
            credentials = dict.fromkeys(DEVICE_TYPES, NOT_REPORTED)
        else:
            credentials = {
                p: CONFIGURED_ELSEWHERE if providers.get(p) else None for p in DEVICE_TYPES
            }
        title = raw["title"] if raw["title"] is not None else view.listed_titles.get(code)
        record = {**raw, "name": app or code, "title": title, **credentials}
        return super().to_entity(record, None, view)

    def complete_live(
        self, live: Entity, desired: Mapping[str, Any] | None, state: State
    ) -> dict[str, Any]:
        recorded = state.recorded(CREDENTIALS, live.code or "") or {}
        attrs = dict(live.attrs)
        for platform in DEVICE_TYPES:
            if attrs.get(platform) is not None and platform in recorded:
                attrs[platform] = recorded[platform]
        return attrs

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        result = api.create_application(
            attrs["title"], sdk_ios=attrs.get("sdk_ios"), sdk_android=attrs.get("sdk_android")
        )
        code = result.response["application"]
        ctx.codes[entity.address] = code
        ctx.view.learn_application(entity.name, code)
        record_code(ctx.state, entity.name, code)
        self._configure(api, entity, code, [p for p in DEVICE_TYPES if attrs.get(p)], ctx)

    def update(
        self, api: Any, desired: Entity, live: Entity, paths: Iterable[str], ctx: ApplyContext
    ) -> None:
        fields = {path.split(".")[0] for path in paths}
        code = live.code or ""
        plain = {
            f.name: desired.attrs[f.name]
            for f in self.fields
            if f.name in fields and not f.sensitive  # credentials: configureApplication
        }
        if plain:
            api.update_application(code, **plain)
        platforms = [p for p in DEVICE_TYPES if p in fields and desired.attrs.get(p)]
        self._configure(api, desired, code, platforms, ctx)

    def _configure(
        self, api: Any, entity: Entity, code: str, platforms: list[str], ctx: ApplyContext
    ) -> None:
        for platform in platforms:
            block = entity.attrs[platform]
            wire = _credentials_wire(platform, block)
            api.configure_application(code, DEVICE_TYPES[platform], **wire)
            ctx.state.record(CREDENTIALS, code, platform, value=seal_secrets(block, ctx.state.salt))

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_application(live.code)
        ctx.state.forget(*state_entries(ctx.state, live.code or ""))


KIND = ApplicationKind()


def recorded_codes(state: State) -> dict[str, str]:
    """Each handle's application code, as the state file recorded it."""
    return state.recorded(KIND.plural)


def record_code(state: State, handle: str, code: str) -> None:
    state.record(KIND.plural, handle, value=code)


def record_matched_codes(state: State, code_by_handle: Mapping[str, str]) -> None:
    """Remember the code each handle was matched to, so that a renamed title stays the same
    application; only where the state file does not hold that code yet."""
    recorded = recorded_codes(state)
    for handle, code in code_by_handle.items():
        if recorded.get(handle) != code:
            record_code(state, handle, code)


def state_entries(state: State, code: str) -> list[tuple[str, str]]:
    """The state file's entries of application `code`: its handles, and its credentials and
    events (keyed by application code)."""
    handles = [(KIND.plural, h) for h, c in recorded_codes(state).items() if c == code]
    return [*handles, (CREDENTIALS, code), (event.KIND.plural, code)]


def match_code(
    app: Entity, titles: dict[str, str], codes_by_title: dict[str, list[str]], recorded: str | None
) -> tuple[str | None, str]:
    """The live code of one desired application (by `code:`, else the code pwconf recorded for
    its handle, else its title), or the problem that stops matching it."""
    if app.code:
        if app.code in titles:
            return app.code, ""
        return None, (
            f"application {app.name!r}: code {app.code} is not in the account; "
            "fix the code, or remove it to match by title"
        )
    if recorded in titles:
        return recorded, ""
    candidates = codes_by_title.get(app.attrs["title"], [])
    if len(candidates) > 1:
        return None, (
            f"application {app.name!r}: {len(candidates)} live applications are titled "
            f"{app.attrs['title']!r} ({', '.join(sorted(candidates))}); add `code:` to choose one"
        )
    return (candidates[0] if candidates else None), ""


def credentials_note(configured: list[str]) -> str:
    """Export's note on the credentials it could not write ("handle (platforms)" each)."""
    return (
        "credentials of " + ", ".join(configured) + ": write-only, never returned; "
        "commented-out ${file:...}/${env:...} placeholders written instead"
    )


def shared_title_warnings(apps: list[Entity]) -> list[str]:
    """Export's warnings on live applications that share a title (named by handle), which
    validate refuses: live applications are matched by title."""
    by_title: dict[str, list[str]] = {}
    for app in apps:
        by_title.setdefault(app.attrs.get("title") or "", []).append(app.name)
    return [
        f"applications {', '.join(handles)} share the title {title!r}; pwconf requires titles "
        "unique among the applications it manages, so validate refuses these files: rename "
        "all but one in Pushwoosh and export again, or export only one of them (--app)"
        for title, handles in sorted(by_title.items())
        if len(handles) > 1
    ]


def credential_placeholders(handle: str, platforms: list[str]) -> list[str]:
    """The commented-out credential blocks export writes for an application whose `platforms`
    have credentials configured (Pushwoosh never returns them)."""
    env = re.sub(r"[^A-Z0-9]+", "_", handle.upper()).strip("_")
    lines = [
        "Push credentials are configured on this application, but Pushwoosh never returns",
        "them, so they are not written. To manage them with pwconf, uncomment the block and",
        "point it at your secrets (read at plan time, never shown):",
    ]
    if "ios" in platforms:
        lines += [
            "ios:",
            f"  key_file: ${{file:secrets/{handle}.p12}}",
            f"  key_password: ${{env:{env}_IOS_KEY_PASSWORD}}",
            "  gateway: production  # or sandbox",
        ]
    if "android" in platforms:
        lines += [
            "android:",
            f"  fcm_service_account: ${{file:secrets/{handle}-fcm-service-account.json}}",
        ]
    return lines
