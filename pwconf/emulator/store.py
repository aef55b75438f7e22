"""The emulator's data model: accounts, tokens, applications and everything inside them.

All state lives in one :class:`Store` guarded by one re-entrant lock (``store.lock``); the core
takes it for the whole of each API call, and every helper here takes it too, so tests may seed a
running server directly.

Leaf entities (tags, filters, events, presets, clusters, geozones) are plain dicts in exactly the
snapshot shape below, indexed by the keys the API looks them up by, so a snapshot loads fast and
answers are built without translation. The emulator never mutates a nested value (``content``,
``timetable``...) in place: updates replace it, so sharing nested values with a snapshot or an
answer is safe.

Snapshot format (``store.snapshot()`` / ``store.load(...)``, ``GET``/``PUT /_emulator/state``,
the ``--data`` file)::

    {
      "format": "pwconf-emulator/1",
      "seed": 0,
      "counters": {"code": 12, "event": 3, "geozone": 7},      # optional on load
      "default_account": "acc-1",                              # optional: first account
      "accounts": [{
        "id": "acc-1", "name": "default", "suspended": false, "over_plan": false,
        "tags": [{"name", "type", "application_specific", "user_specific", "default"}],
        "filters": [{"code", "name", "filter_expression", "expiration_date", "application"}],
        "applications": [{
          "code": "ABCDE-12345", "title": "...", "sdk_ios": "pw", "sdk_android": "pw",
          "icon": null | "<base64>", "authorize_all_tokens": false, "suspended": false,
          "providers": {"ios": false, "android": false},
          "credentials": {"ios": {...}, "android": {...}},
          "events":   [{"id", "name", "description", "eventAttributes", "trackRevenue"}],
          "presets":  [{"code", "name", "campaignCode", "content", "scheduling", "segmentation"}],
          "clusters": [{"code", "name", "cooldown"}],
          "campaigns": [{"code", "name", "description"}],
          "geozones": [{"id", "name", "lat", "lng", "cooldown", "range", "content",
                        "presetCode", "cluster", "campaign", "timetable"}]
        }]
      }],
      "tokens": [{"token": "...", "account": "acc-1", "applications": null | ["ABCDE-12345"]}]
    }

On load every key but the identifying ones (account ``id``; application ``code`` and ``title``; tag
``name`` and ``type``; filter ``name`` and ``filter_expression``; event ``name``; preset ``name``;
cluster ``name``; campaign ``name``; geozone ``name``, ``lat``, ``lng``, ``range``) may be left out
and takes its default; missing codes and ids are generated. Filter expressions are stored as given,
not re-parsed. Default tags are always (re)added. The server's own tokens (``Store(tokens=...)``)
are always re-registered on the default account after a load or reset, so a seeded server keeps
answering to ``srv.token``. ``load`` keeps references to nested values of the dict it is given: pass
a copy if you go on mutating it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from typing import Any

from pwconf.emulator.entities import (
    DEFAULT_ACCOUNT_NAME,
    DEFAULT_TAGS,
    DEFAULT_TOKEN,
    GEOZONE_FIELDS,
    SNAPSHOT_FORMAT,
    Account,
    Application,
    StoreError,
    Token,
)

__all__ = [
    "DEFAULT_ACCOUNT_NAME", "DEFAULT_TAGS", "DEFAULT_TOKEN", "GEOZONE_FIELDS", "SNAPSHOT_FORMAT",
    "Account", "Application", "Store", "StoreError", "Token", "read_snapshot_file",
]


AccountRef = Account | str


class Store:
    """Every account, token and entity of the emulator. See the module docstring."""

    def __init__(self, seed: int = 0, tokens: Iterable[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.server_tokens: list[str] = list(tokens) if tokens is not None else [DEFAULT_TOKEN]
        if not self.server_tokens:
            raise StoreError("at least one server token is needed")
        self.version = 0  # bumped on every change; the server saves when it moves
        self.reset()

    # -- whole-state operations ----------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything: one empty default account with the default tags and server tokens."""
        with self.lock:
            self._clear()
            account = self._new_account(DEFAULT_ACCOUNT_NAME)
            self.default_account_id = account.id
            self._register_server_tokens()
            self.mark_changed()

    def _clear(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.applications: dict[str, Application] = {}  # every account's, by code
        self.preset_index: dict[str, Application] = {}  # preset code -> its application
        self.used_codes: set[str] = set()
        self.code_counter = 0
        self.event_counter = 0
        self.geozone_counter = 0
        self.account_counter = 0
        self.default_account_id = ""

    def mark_changed(self) -> None:
        self.version += 1

    @property
    def default_account(self) -> Account:
        return self.accounts[self.default_account_id]

    # -- generated identities ------------------------------------------------------------------
    def _digest(self) -> str:
        self.code_counter += 1
        return hashlib.sha256(f"{self.seed}:{self.code_counter}".encode()).hexdigest().upper()

    def new_code(self) -> str:
        """A fresh ``XXXXX-XXXXX`` code, deterministic from the seed, never issued before."""
        with self.lock:
            while True:
                digest = self._digest()
                code = f"{digest[:5]}-{digest[5:10]}"
                if code not in self.used_codes:
                    self.used_codes.add(code)
                    return code

    def new_message_code(self) -> str:
        with self.lock:
            digest = self._digest()
            return f"{digest[:4]}-{digest[4:12]}-{digest[12:20]}"

    def new_event_id(self) -> int:
        with self.lock:
            self.event_counter += 1
            return self.event_counter

    def new_geozone_id(self) -> int:
        with self.lock:
            self.geozone_counter += 1
            return self.geozone_counter

    # -- accounts and tokens -------------------------------------------------------------------
    def account(self, ref: AccountRef) -> Account:
        """The account for an :class:`Account` or an account id."""
        account_id = ref.id if isinstance(ref, Account) else ref
        try:
            return self.accounts[account_id]
        except KeyError:
            raise StoreError(f"no account {account_id!r}") from None

    def _new_account(self, name: str, account_id: str | None = None) -> Account:
        if account_id is None:
            self.account_counter += 1
            account_id = f"acc-{self.account_counter}"
            while account_id in self.accounts:
                self.account_counter += 1
                account_id = f"acc-{self.account_counter}"
        if account_id in self.accounts:
            raise StoreError(f"duplicate account id {account_id!r}")
        account = Account(id=account_id, name=name)
        self._add_default_tags(account)
        self.accounts[account_id] = account
        return account

    @staticmethod
    def _add_default_tags(account: Account) -> None:
        for name, type_code, app_specific in DEFAULT_TAGS:
            account.tags.setdefault(name, _tag(name, type_code, app_specific, default=True))

    def add_account(self, name: str, tokens: Iterable[str] = ()) -> Account:
        """A new empty account (default tags only) answering to each of ``tokens``."""
        with self.lock:
            account = self._new_account(name)
            for token in tokens:
                self.add_token(account, token)
            self.mark_changed()
            return account

    def add_token(
        self, account: AccountRef, token: str, applications: Iterable[str] | None = None
    ) -> Token:
        """Give ``account`` a server token; restricted to ``applications`` (codes) if given."""
        with self.lock:
            if not token:
                raise StoreError("a token must be a non-empty string")
            entry = Token(
                token, self.account(account).id,
                set(applications) if applications is not None else None,
            )
            self.tokens[token] = entry
            self.mark_changed()
            return entry

    def _register_server_tokens(self) -> None:
        for token in self.server_tokens:
            if token not in self.tokens:
                self.tokens[token] = Token(token, self.default_account_id)

    def delete_account(self, account: AccountRef) -> None:
        """Remove an account and its applications; its tokens stay (`Account not found`)."""
        with self.lock:
            target = self.account(account)
            for code in list(target.applications):
                self.remove_application(code)
            del self.accounts[target.id]
            self.mark_changed()

    def suspend_account(self, account: AccountRef, suspended: bool = True) -> None:
        with self.lock:
            self.account(account).suspended = suspended
            self.mark_changed()

    def set_over_plan(self, account: AccountRef, over_plan: bool = True) -> None:
        """An over-plan account gets the plan warning on every successful answer."""
        with self.lock:
            self.account(account).over_plan = over_plan
            self.mark_changed()

    # -- applications --------------------------------------------------------------------------
    def add_application(self, account: AccountRef, title: str, **fields: Any) -> Application:
        """Create an application (fields as in :class:`Application`) and return it."""
        with self.lock:
            owner = self.account(account)
            app = Application(code=self.new_code(), account_id=owner.id, title=title, **fields)
            self._attach_application(owner, app)
            if app.authorize_all_tokens:
                for token in self.tokens.values():
                    if token.account_id == owner.id and token.applications is not None:
                        token.applications.add(app.code)
            self.mark_changed()
            return app

    def _attach_application(self, owner: Account, app: Application) -> None:
        if app.code in self.applications:
            raise StoreError(f"duplicate application code {app.code!r}")
        owner.applications[app.code] = app
        self.applications[app.code] = app
        self.used_codes.add(app.code)

    def suspend_application(self, code: str, suspended: bool = True) -> None:
        with self.lock:
            try:
                self.applications[code].suspended = suspended
            except KeyError:
                raise StoreError(f"no application {code!r}") from None
            self.mark_changed()

    def remove_application(self, code: str) -> None:
        """Delete an application with its events, presets, clusters, geozones and bound filters."""
        with self.lock:
            app = self.applications.pop(code)
            owner = self.accounts[app.account_id]
            del owner.applications[code]
            for preset_code in app.presets:
                self.preset_index.pop(preset_code, None)
            for name in [n for n, f in owner.filters.items() if f["application"] == code]:
                del owner.filters[name]
            self.mark_changed()

    # -- presets (indexed store-wide: getPreset/deletePreset name no application) ------------
    def put_preset(self, app: Application, preset: dict[str, Any]) -> None:
        with self.lock:
            app.presets[preset["code"]] = preset
            app.preset_codes_by_name[preset["name"]] = preset["code"]
            self.preset_index[preset["code"]] = app
            self.used_codes.add(preset["code"])
            self.mark_changed()

    def drop_preset(self, app: Application, code: str) -> None:
        with self.lock:
            preset = app.presets.pop(code)
            app.preset_codes_by_name.pop(preset["name"], None)
            self.preset_index.pop(code, None)
            self.mark_changed()

    # -- snapshot ------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The full state as a JSON-able dict (format in the module docstring).

        Entities are shallow copies: treat nested values as read-only.
        """
        with self.lock:
            return {
                "format": SNAPSHOT_FORMAT,
                "seed": self.seed,
                "counters": {
                    "code": self.code_counter,
                    "event": self.event_counter,
                    "geozone": self.geozone_counter,
                },
                "default_account": self.default_account_id,
                "accounts": [_dump_account(a) for a in self.accounts.values()],
                "tokens": [
                    {
                        "token": t.token,
                        "account": t.account_id,
                        "applications": sorted(t.applications)
                        if t.applications is not None else None,
                    }
                    for t in self.tokens.values()
                ],
            }

    def load(self, data: dict[str, Any]) -> None:
        """Replace the whole state with a snapshot; raise :class:`StoreError` if it is invalid.

        On error the previous state is kept.
        """
        if not isinstance(data, dict):
            raise StoreError("a snapshot must be a JSON object")
        with self.lock:
            previous = self.__dict__.copy()
            try:
                self._load(data)
            except StoreError:
                self.__dict__.update(previous)
                raise
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.__dict__.update(previous)
                raise StoreError(f"invalid snapshot: {exc!r}") from exc
            self.mark_changed()

    def _load(self, data: dict[str, Any]) -> None:
        self._clear()
        self.seed = int(data.get("seed", self.seed))
        counters = data.get("counters") or {}
        self.code_counter = int(counters.get("code", 0))
        accounts = data.get("accounts") or []
        if not isinstance(accounts, list):
            raise StoreError("accounts must be a list")
        for index, raw in enumerate(accounts):
            self._load_account(raw, f"accounts[{index}]")
        if not self.accounts:
            self._new_account(DEFAULT_ACCOUNT_NAME)
        default_id = data.get("default_account") or next(iter(self.accounts))
        if default_id not in self.accounts:
            raise StoreError(f"default_account {default_id!r} is not an account")
        self.default_account_id = default_id
        self.event_counter = max(int(counters.get("event", 0)), self.event_counter)
        self.geozone_counter = max(int(counters.get("geozone", 0)), self.geozone_counter)
        self.account_counter = len(self.accounts)
        for index, raw in enumerate(data.get("tokens") or []):
            self._load_token(raw, f"tokens[{index}]")
        self._register_server_tokens()

    def _load_account(self, raw: dict[str, Any], where: str) -> None:
        account_id = _required(raw, "id", where)
        account = Account(
            id=account_id,
            name=raw.get("name", account_id),
            suspended=bool(raw.get("suspended", False)),
            over_plan=bool(raw.get("over_plan", False)),
        )
        if account_id in self.accounts:
            raise StoreError(f"{where}: duplicate account id {account_id!r}")
        self.accounts[account_id] = account
        for i, tag in enumerate(raw.get("tags") or []):
            name = _required(tag, "name", f"{where}.tags[{i}]")
            account.tags[name] = _tag(
                name, int(_required(tag, "type", f"{where}.tags[{i}]")),
                bool(tag.get("application_specific", False)),
                user_specific=bool(tag.get("user_specific", False)),
                default=bool(tag.get("default", False)),
            )
        self._add_default_tags(account)
        for i, raw_app in enumerate(raw.get("applications") or []):
            self._load_application(account, raw_app, f"{where}.applications[{i}]")
        for i, flt in enumerate(raw.get("filters") or []):
            self._load_filter(account, flt, f"{where}.filters[{i}]")

    def _load_filter(self, account: Account, raw: dict[str, Any], where: str) -> None:
        name = _required(raw, "name", where)
        code = raw.get("code") or self.new_code()
        self.used_codes.add(code)
        account.filters[name] = {
            "code": code,
            "name": name,
            "filter_expression": _required(raw, "filter_expression", where),
            "expiration_date": raw.get("expiration_date"),
            "application": raw.get("application"),
        }

    def _load_application(self, account: Account, raw: dict[str, Any], where: str) -> None:
        app = Application(
            code=_required(raw, "code", where),
            account_id=account.id,
            title=_required(raw, "title", where),
            sdk_ios=raw.get("sdk_ios") or "pw",
            sdk_android=raw.get("sdk_android") or "pw",
            icon=raw.get("icon"),
            authorize_all_tokens=bool(raw.get("authorize_all_tokens", False)),
            suspended=bool(raw.get("suspended", False)),
            providers={"ios": False, "android": False, **(raw.get("providers") or {})},
            credentials=dict(raw.get("credentials") or {}),
        )
        try:
            self._attach_application(account, app)
        except StoreError as exc:
            raise StoreError(f"{where}: {exc}") from None
        for i, event in enumerate(raw.get("events") or []):
            self._load_event(app, event, f"{where}.events[{i}]")
        for i, preset in enumerate(raw.get("presets") or []):
            self._load_preset(app, preset, f"{where}.presets[{i}]")
        for i, cluster in enumerate(raw.get("clusters") or []):
            code = cluster.get("code") or self.new_code()
            self.used_codes.add(code)
            app.put_cluster({
                "code": code,
                "name": _required(cluster, "name", f"{where}.clusters[{i}]"),
                "cooldown": cluster.get("cooldown", 0),
            })
        for i, campaign in enumerate(raw.get("campaigns") or []):
            code = campaign.get("code") or self.new_code()
            self.used_codes.add(code)
            name = _required(campaign, "name", f"{where}.campaigns[{i}]")
            app.campaigns[code] = {
                "code": code, "name": name, "description": campaign.get("description"),
            }
        for i, geozone in enumerate(raw.get("geozones") or []):
            self._load_geozone(app, geozone, f"{where}.geozones[{i}]")

    def _load_event(self, app: Application, raw: dict[str, Any], where: str) -> None:
        name = _required(raw, "name", where)
        event_id = raw.get("id")
        if event_id is None:
            self.event_counter += 1
            event_id = self.event_counter
        self.event_counter = max(self.event_counter, int(event_id))
        app.events[name] = {
            "id": event_id,
            "name": name,
            "description": raw.get("description"),
            "eventAttributes": raw.get("eventAttributes") or [],
            "trackRevenue": bool(raw.get("trackRevenue", False)),
        }

    def _load_preset(self, app: Application, raw: dict[str, Any], where: str) -> None:
        code = raw.get("code") or self.new_code()
        if code in self.preset_index:
            raise StoreError(f"{where}: duplicate preset code {code!r}")
        preset = {
            "code": code,
            "name": _required(raw, "name", where),
            "campaignCode": raw.get("campaignCode"),
            "content": raw.get("content") or {},
            "scheduling": raw.get("scheduling") or {},
            "segmentation": raw.get("segmentation") or {},
        }
        app.presets[code] = preset
        app.preset_codes_by_name[preset["name"]] = code
        self.preset_index[code] = app
        self.used_codes.add(code)

    def _load_geozone(self, app: Application, raw: dict[str, Any], where: str) -> None:
        geozone = {key: raw.get(key) for key in GEOZONE_FIELDS}
        for key in ("name", "lat", "lng", "range"):
            _required(raw, key, where)
        if geozone["cooldown"] is None:
            geozone["cooldown"] = 0
        geozone_id = raw.get("id")
        if geozone_id is None:
            self.geozone_counter += 1
            geozone_id = self.geozone_counter
        self.geozone_counter = max(self.geozone_counter, int(geozone_id))
        geozone["id"] = geozone_id
        app.put_geozone(geozone)

    def _load_token(self, raw: dict[str, Any], where: str) -> None:
        token = _required(raw, "token", where)
        apps = raw.get("applications")
        self.tokens[token] = Token(
            token, raw.get("account") or self.default_account_id,
            set(apps) if apps is not None else None,
        )


def _required(raw: Any, key: str, where: str) -> Any:
    if not isinstance(raw, dict):
        raise StoreError(f"{where}: expected an object")
    value = raw.get(key)
    if value is None or value == "":
        raise StoreError(f"{where}: missing {key!r}")
    return value


def _tag(
    name: str, type_code: int, application_specific: bool, *,
    user_specific: bool = False, default: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_code,
        "application_specific": application_specific,
        "user_specific": user_specific,
        "default": default,
    }


def _dump_account(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "suspended": account.suspended,
        "over_plan": account.over_plan,
        "tags": [dict(t) for t in account.tags.values()],
        "filters": [dict(f) for f in account.filters.values()],
        "applications": [_dump_application(app) for app in account.applications.values()],
    }


def _dump_application(app: Application) -> dict[str, Any]:
    return {
        "code": app.code,
        "title": app.title,
        "sdk_ios": app.sdk_ios,
        "sdk_android": app.sdk_android,
        "icon": app.icon,
        "authorize_all_tokens": app.authorize_all_tokens,
        "suspended": app.suspended,
        "providers": dict(app.providers),
        "credentials": {k: dict(v) for k, v in app.credentials.items()},
        "events": [dict(e) for e in app.events.values()],
        "presets": [dict(p) for p in app.presets.values()],
        "clusters": [dict(c) for c in app.clusters.values()],
        "campaigns": [dict(c) for c in app.campaigns.values()],
        "geozones": [dict(g) for g in app.geozones.values()],
    }


def read_snapshot_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The snapshot stored in ``path``; :class:`StoreError` if it is not a JSON object."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise StoreError(f"{os.fspath(path)} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise StoreError(f"{os.fspath(path)} does not hold a JSON object")
    return data
