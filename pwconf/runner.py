"""The steps every command shares: connect, load, check the scope, fetch, plan. The CLI calls
these; they return values and never print."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pwconf.api.client import ApiClient
from pwconf.api.http import Timeouts
from pwconf.api.pushwoosh import Pushwoosh
from pwconf.api.settings import Network, resolve_network, resolve_settings
from pwconf.apply import Applier, ApplyResult
from pwconf.errors import UsageError
from pwconf.fetch import LiveState, Progress, Scope, fetch_live
from pwconf.kinds import CONTAINER, REGISTRY, application_of
from pwconf.kinds.application import recorded_codes
from pwconf.manifest import load_desired, parse_variables
from pwconf.model import Address, DesiredState
from pwconf.plan import Plan
from pwconf.planner import compare
from pwconf.state import State, default_state_path

EMULATOR_DATA = ".pwconf-emulator.json"
MAX_SUGGESTIONS = 3  # close names a refused --app or --target is told


@dataclass(frozen=True)
class ConnectOptions:
    """Where the account is, how to reach it, and which state file goes with it."""

    api_url: str | None = None
    token_file: str | None = None
    emulator: bool = False
    emulator_data: str | None = None
    parallelism: int = 10
    state_file: str | None = None
    workspace: str | None = None


@dataclass
class Connection:
    api: Pushwoosh
    base_url: str
    embedded: bool

    @property
    def parallelism(self) -> int:
        """Calls in flight at once: the client's workers."""
        return self.api.client.workers


@contextmanager
def connect(options: ConnectOptions, paths: Sequence[str]) -> Iterator[Connection]:
    """A client for the real service, or for an emulator started in this process."""
    server = None
    network = Network()
    if options.emulator:
        from pwconf.emulator.server import EmulatorServer

        data = Path(options.emulator_data or default_state_path(paths, EMULATOR_DATA))
        server = EmulatorServer(host="127.0.0.1", port=0, data_file=str(data)).start()
        base_url, token = server.url, server.token
    else:
        settings = resolve_settings(options.api_url, options.token_file, os.environ)
        base_url, token = settings.base_url, settings.token
        network = resolve_network(base_url)
    timeouts = timeouts_from(os.environ)
    client = ApiClient(
        base_url, token, workers=options.parallelism, network=network, timeouts=timeouts
    )
    try:
        yield Connection(Pushwoosh(client), base_url, embedded=server is not None)
    finally:
        client.close()
        if server is not None:
            server.stop()


TIMEOUT_ENV = "PWCONF_TIMEOUT"


def timeouts_from(env: Mapping[str, str]) -> Timeouts:
    """PWCONF_TIMEOUT: the most seconds one attempt of a call may take (default 60)."""
    text = env.get(TIMEOUT_ENV, "").strip()
    if not text:
        return Timeouts()
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0  # refused below, as out of range
    if not 0 < seconds < 86_400:
        raise UsageError(
            f"{TIMEOUT_ENV} must be a number of seconds between 0 and 86400, got {text!r}"
        )
    return Timeouts(connect=min(5.0, seconds), read=min(30.0, seconds), attempt=seconds)


def load(
    paths: Sequence[str], variables: Sequence[str], var_files: Sequence[str], env: Mapping[str, str]
) -> DesiredState:
    return load_desired(list(paths), parse_variables(list(variables), list(var_files)), env)


def parse_targets(targets: Iterable[str]) -> frozenset[Address]:
    """`KIND.NAME` or `KIND.APP.NAME`, e.g. `tag.Age`, `preset.shop.welcome`."""
    chosen = set()
    for text in targets:
        address = Address.parse(text)
        if address.kind not in REGISTRY or not address.name:
            raise UsageError(
                f"--target {text!r} is not KIND.NAME or KIND.APP.NAME "
                f"(kinds: {', '.join(REGISTRY)})"
            )
        chosen.add(address)
    return frozenset(chosen)


def check_scope(
    desired: DesiredState,
    apps: Iterable[str],
    targets: Iterable[Address],
    state: State | None = None,
) -> None:
    """Raise UsageError naming each app or target that matches nothing, with close matches.

    A scope that matches nothing plans nothing: "No changes" for a typo, and a nightly drift
    job that checks nothing forever. A name matches when the manifests declare it, or when the
    state file recorded it (an object removed from the manifests can still be targeted)."""
    known_apps = {application_of(a) for a in desired.entities} - {None}
    known_targets = {str(address) for address in desired.entities}
    if state is not None:
        known_apps |= set(recorded_codes(state))
        known_targets |= set(state.applied)
    unmatched = [
        (f"--app {app}", _close(app, known_apps)) for app in sorted(apps) if app not in known_apps
    ]
    unmatched += [
        (f"--target {target}", _close(target, known_targets))
        for target in sorted(map(str, targets))
        if target not in known_targets
    ]
    if not unmatched:
        return
    if len(unmatched) == 1:
        option, close = unmatched[0]
        message = f"{option} matches nothing in the manifests or the state file"
        message += f"; did you mean {close}?" if close else ""
    else:
        message = f"{len(unmatched)} options match nothing in the manifests or the state file:"
        for option, close in unmatched:
            message += f"\n  {option}" + (f" (did you mean {close}?)" if close else "")
    raise UsageError(
        message, hint="a scope that matches nothing would plan nothing; check the spelling"
    )


def _close(text: str, known: set[str]) -> str:
    """The known names closest to `text`, as `a or b`; empty when none is close."""
    return " or ".join(get_close_matches(text, sorted(known), n=MAX_SUGGESTIONS, cutoff=0.6))


@dataclass
class Planned:
    live: LiveState
    state: State
    plan: Plan


def make_plan(
    conn: Connection,
    desired: DesiredState,
    state: State,
    *,
    scope: Scope,
    allow_mass_delete: bool = False,
    progress: Progress | None = None,
) -> Planned:
    live = fetch_live(
        conn.api,
        desired,
        known_codes=recorded_codes(state),
        parallelism=conn.parallelism,
        scope=scope,
        progress=progress,
    )
    plan = compare(desired, live, state, scope=scope, allow_mass_delete=allow_mass_delete)
    return Planned(live, state, plan)


def run_apply(conn: Connection, planned: Planned, on_event: Any = None) -> ApplyResult:
    """The plan applied; references resolved with every code the fetch learned."""
    live = planned.live
    codes = {a: e.code for a, e in live.entities.items() if e.code}
    for handle, code in live.view.code_by_handle.items():
        codes[Address(CONTAINER, None, handle)] = code
    for (kind, handle), names in live.view.names_by_code.items():
        codes.update({Address(kind, handle, name): code for code, name in names.items()})
    applier = Applier(conn.api, planned.state, live.view, codes, conn.parallelism, on_event)
    return applier.run(planned.plan)
