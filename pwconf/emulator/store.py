"""The emulator's data model: accounts, tokens, applications and everything inside them.

One :class:`Store` holds it all behind one re-entrant lock (``store.lock``), taken by the core for
each whole API call and by every helper here (tests that set a flag directly do so between
calls). Leaf entities (tags, filters, events, presets, clusters, campaigns, geozones) are plain
dicts in their snapshot shape (``ENTITIES``). Nested values (``content``, ``timetable``...) are
replaced, never mutated in place, so snapshots and answers may share them.

Snapshot (``GET``/``PUT /_emulator/state``, the ``--data`` file)::

    {"format": "pwconf-emulator/1", "seed": 0,
     "counters": {"code": 12, "event": 3, "geozone": 7},      # optional
     "default_account": "acc-1",                              # optional: the first account
     "accounts": [{"id", "name", "suspended", "over_plan", "tags": [...], "filters": [...],
                   "applications": [{"code", "title", "sdk_ios", "sdk_android", "icon",
                                     "authorize_all_tokens", "suspended", "providers",
                                     "credentials", "events": [...], "presets": [...],
                                     "clusters": [...], "campaigns": [...], "geozones": [...]}]}],
     "tokens": [{"token", "account", "applications": null | [application codes]}]}

On load only the ``REQUIRED`` keys of ``ENTITIES`` must be given; the others take defaults,
missing codes and ids are generated, a code given twice is an error, filter expressions are not
re-parsed. Default tags, and the server's own tokens (on the default account), always come back.
``load`` keeps references to the nested values it is given.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SNAPSHOT_FORMAT = "pwconf-emulator/1"
DEFAULT_TOKEN = "emulator-token"
DEFAULT_ACCOUNT_NAME = "default"

# (name, type code, application-specific) [decided: contract §3 names them, the types are ours].
DEFAULT_TAGS: tuple[tuple[str, int, bool], ...] = (
    ("Language", 2, False),
    ("Country", 2, False),
    ("City", 2, False),
    ("Timezone", 2, False),
    ("Application Version", 7, True),
    ("Last Application Open", 4, True),
    ("First Install", 4, True),
    ("Device Model", 2, False),
    ("OS Version", 7, False),
    ("Push Alerts Enabled", 5, True),
)

REQUIRED, CODE, ID = "<required>", "<new code>", "<new id>"
# Each kind of entity: the key it is stored by, and its snapshot keys in order with their defaults
# (REQUIRED: a snapshot must give it; CODE and ID: generated). Accounts and applications hold their
# leaves too, and applications their providers and credentials.
ENTITIES: dict[str, tuple[str, dict[str, Any]]] = {
    "accounts": ("id", {"id": REQUIRED, "name": None, "suspended": False, "over_plan": False}),
    "applications": ("code", {
        "code": REQUIRED, "title": REQUIRED, "sdk_ios": "pw", "sdk_android": "pw", "icon": None,
        "authorize_all_tokens": False, "suspended": False,
    }),
    "tags": ("name", {
        "name": REQUIRED, "type": REQUIRED, "application_specific": False,
        "user_specific": False, "default": False,
    }),
    "filters": ("name", {
        "code": CODE, "name": REQUIRED, "filter_expression": REQUIRED, "expiration_date": None,
        "application": None,
    }),
    "events": ("name", {
        "id": ID, "name": REQUIRED, "description": None, "eventAttributes": [],
        "trackRevenue": False,
    }),
    "presets": ("code", {
        "code": CODE, "name": REQUIRED, "campaignCode": None, "content": {}, "scheduling": {},
        "segmentation": {},
    }),
    "clusters": ("code", {"code": CODE, "name": REQUIRED, "cooldown": 0}),
    "campaigns": ("code", {"code": CODE, "name": REQUIRED, "description": None}),
    "geozones": ("id", {
        "name": REQUIRED, "lat": REQUIRED, "lng": REQUIRED, "cooldown": 0, "range": REQUIRED,
        "content": None, "presetCode": None, "cluster": None, "campaign": None, "timetable": None,
        "id": ID,
    }),
}
ACCOUNT_LEAVES = ("tags", "filters")
APPLICATION_LEAVES = ("events", "presets", "clusters", "campaigns", "geozones")
GEOZONE_FIELDS = tuple(key for key in ENTITIES["geozones"][1] if key != "id")


class StoreError(ValueError):
    """A snapshot or helper argument the store cannot accept."""


@dataclass(slots=True, eq=False)
class Token:
    account_id: str
    applications: set[str] | None = None  # None: every application of the account

    def allows(self, application_code: str) -> bool:
        return self.applications is None or application_code in self.applications


@dataclass(slots=True, eq=False)
class Application:
    code: str
    account_id: str
    title: str
    sdk_ios: str = "pw"
    sdk_android: str = "pw"
    icon: str | None = None
    authorize_all_tokens: bool = False
    suspended: bool = False
    providers: dict[str, bool] = field(default_factory=lambda: {"ios": False, "android": False})
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)  # by code
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)  # by code
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)  # by code, in order
    geozones: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id

    def geozone_ids_by_name(self) -> dict[str, int]:
        """Built on each call from the geozones by id: once per request, not in a loop."""
        return {geozone["name"]: id_ for id_, geozone in self.geozones.items()}

    def drop_cluster(self, code: str) -> None:
        """Forget a cluster; geozones in it are in none."""
        del self.clusters[code]
        _unbind(self.geozones.values(), "cluster", code)

    def drop_campaign(self, code: str) -> None:
        """Forget a campaign; presets and geozones that pointed at it point at none."""
        del self.campaigns[code]
        _unbind(self.presets.values(), "campaignCode", code)
        _unbind(self.geozones.values(), "campaign", code)


def _unbind(leaves: Iterable[dict[str, Any]], key: str, code: str) -> None:
    for leaf in leaves:
        if leaf[key] == code:
            leaf[key] = None


@dataclass(slots=True, eq=False)
class Account:
    id: str
    name: str
    suspended: bool = False
    over_plan: bool = False
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    applications: dict[str, Application] = field(default_factory=dict)  # by code, in order

    def drop_application(self, code: str) -> None:
        """Forget an application with everything in it and the filters bound to it."""
        del self.applications[code]
        for name in [name for name, found in self.filters.items() if found["application"] == code]:
            del self.filters[name]


AccountRef = Account | str


class Store:
    def __init__(self, seed: int = 0, tokens: Iterable[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.server_tokens: list[str] = list(tokens) if tokens is not None else [DEFAULT_TOKEN]
        if not self.server_tokens:
            raise StoreError("at least one server token is needed")
        self.version = 0  # bumped on every change; the server saves when it moves
        self.load({})  # the empty state: a default account with the default tags, the server tokens

    def mark_changed(self) -> None:
        self.version += 1

    @property
    def default_account(self) -> Account:
        return self.accounts[self.default_account_id]

    # -- generated identities ------------------------------------------------------------------
    def _digest(self) -> str:
        self.counters["code"] += 1
        return hashlib.sha256(f"{self.seed}:{self.counters['code']}".encode()).hexdigest().upper()

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

    def new_id(self, kind: str) -> int:
        """The next id of an ``event`` or a ``geozone``."""
        with self.lock:
            self.counters[kind] += 1
            return self.counters[kind]

    # -- accounts and tokens -------------------------------------------------------------------
    def account(self, ref: AccountRef) -> Account:
        account_id = ref.id if isinstance(ref, Account) else ref
        try:
            return self.accounts[account_id]
        except KeyError:
            raise StoreError(f"no account {account_id!r}") from None

    def _new_account(self, name: str) -> Account:
        account_id = f"acc-{self.new_id('account')}"
        while account_id in self.accounts:
            account_id = f"acc-{self.new_id('account')}"
        account = self.accounts[account_id] = Account(id=account_id, name=name)
        self._add_default_tags(account)
        return account

    @staticmethod
    def _add_default_tags(account: Account) -> None:
        for name, type_code, app_specific in DEFAULT_TAGS:
            account.tags.setdefault(name, {
                "name": name, "type": type_code, "application_specific": app_specific,
                "user_specific": False, "default": True,
            })

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
            entry = self.tokens[token] = Token(
                self.account(account).id, None if applications is None else set(applications)
            )
            self.mark_changed()
            return entry

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
            owner.applications[app.code] = app
            if app.authorize_all_tokens:
                for token in self.tokens.values():
                    if token.account_id == owner.id and token.applications is not None:
                        token.applications.add(app.code)
            self.mark_changed()
            return app

    # -- snapshot ------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The full state as a JSON-able dict; entities are shallow copies: treat as read-only."""
        with self.lock:
            return {
                "format": SNAPSHOT_FORMAT,
                "seed": self.seed,
                "counters": {kind: self.counters[kind] for kind in ("code", "event", "geozone")},
                "default_account": self.default_account_id,
                "accounts": [_dump_account(a) for a in self.accounts.values()],
                "tokens": [
                    {"token": token, "account": t.account_id,
                     "applications": None if t.applications is None else sorted(t.applications)}
                    for token, t in self.tokens.items()
                ],
            }

    def load(self, data: dict[str, Any]) -> None:
        """Replace the whole state with a snapshot; on :class:`StoreError` keep the old one."""
        if not isinstance(data, dict):
            raise StoreError("a snapshot must be a JSON object")
        with self.lock:
            previous = self.__dict__.copy()
            try:
                self._load(data)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # StoreError too
                self.__dict__.update(previous)
                if isinstance(exc, StoreError):
                    raise
                raise StoreError(f"invalid snapshot: {exc!r}") from exc
            self.mark_changed()

    def _load(self, data: dict[str, Any]) -> None:
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.used_codes: set[str] = set()
        self.seed = int(data.get("seed", self.seed))
        counters = data.get("counters") or {}
        self.counters = {"code": 0, "event": 0, "geozone": 0, "account": 0}
        self.counters["code"] = int(counters.get("code", 0))
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
        for kind in ("event", "geozone"):
            self.counters[kind] = max(int(counters.get(kind, 0)), self.counters[kind])
        self.counters["account"] = len(self.accounts)
        for index, raw in enumerate(data.get("tokens") or []):
            token = _required(raw, "token", f"tokens[{index}]")
            apps = raw.get("applications")
            account_id = raw.get("account") or self.default_account_id
            self.tokens[token] = Token(account_id, None if apps is None else set(apps))
        for token in self.server_tokens:
            self.tokens.setdefault(token, Token(self.default_account_id))

    def _load_account(self, raw: dict[str, Any], where: str) -> None:
        account = Account(**self._leaf("accounts", raw, where))
        if account.id in self.accounts:
            raise StoreError(f"{where}: duplicate account id {account.id!r}")
        account.name = account.name or account.id
        self.accounts[account.id] = account
        self._load_leaves(account, ("tags",), raw, where)
        self._add_default_tags(account)
        for i, raw_app in enumerate(raw.get("applications") or []):
            self._load_application(account, raw_app, f"{where}.applications[{i}]")
        self._load_leaves(account, ("filters",), raw, where)

    def _load_application(self, account: Account, raw: dict[str, Any], where: str) -> None:
        app = Application(
            **self._leaf("applications", raw, where), account_id=account.id,
            providers={"ios": False, "android": False, **(raw.get("providers") or {})},
            credentials=dict(raw.get("credentials") or {}),
        )
        if app.code in self.used_codes:  # every code given so far, of any kind
            raise StoreError(f"{where}: duplicate application code {app.code!r}")
        account.applications[app.code] = app
        self.used_codes.add(app.code)
        self._load_leaves(app, APPLICATION_LEAVES, raw, where)

    def _load_leaves(
        self, owner: Account | Application, kinds: Iterable[str], raw: dict[str, Any], where: str
    ) -> None:
        for kind in kinds:
            index_key = ENTITIES[kind][0]
            stored = getattr(owner, kind)
            for i, raw_leaf in enumerate(raw.get(kind) or []):
                leaf = self._leaf(kind, raw_leaf, f"{where}.{kind}[{i}]")
                stored[leaf[index_key]] = leaf

    def _leaf(self, kind: str, raw: dict[str, Any], where: str) -> dict[str, Any]:
        leaf = {}
        for key, default in ENTITIES[kind][1].items():
            value = _required(raw, key, where) if default == REQUIRED else raw.get(key)
            if default == CODE:
                if value and value in self.used_codes:
                    raise StoreError(f"{where}: duplicate code {value!r}")
                value = value or self.new_code()
                self.used_codes.add(value)
            elif default == ID:
                counter = kind.removesuffix("s")  # "event" or "geozone"
                value = self.new_id(counter) if value is None else value
                self.counters[counter] = max(self.counters[counter], int(value))
            elif value is None:
                value = copy.copy(default)
            leaf[key] = value
        return leaf


def _required(raw: Any, key: str, where: str) -> Any:
    if not isinstance(raw, dict):
        raise StoreError(f"{where}: expected an object")
    value = raw.get(key)
    if value is None or value == "":
        raise StoreError(f"{where}: missing {key!r}")
    return value


def _dump_account(account: Account) -> dict[str, Any]:
    return {
        **{key: getattr(account, key) for key in ENTITIES["accounts"][1]},
        **_dump_leaves(account, ACCOUNT_LEAVES),
        "applications": [_dump_application(app) for app in account.applications.values()],
    }


def _dump_application(app: Application) -> dict[str, Any]:
    return {
        **{key: getattr(app, key) for key in ENTITIES["applications"][1]},
        "providers": dict(app.providers),
        "credentials": {k: dict(v) for k, v in app.credentials.items()},
        **_dump_leaves(app, APPLICATION_LEAVES),
    }


def _dump_leaves(owner: Account | Application, kinds: Iterable[str]) -> dict[str, Any]:
    return {kind: [dict(leaf) for leaf in getattr(owner, kind).values()] for kind in kinds}
