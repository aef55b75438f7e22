"""Check that every `--app` and `--target` names something pwconf manages, before any API call.

A scope that matches nothing plans nothing: "No changes" for a typo, and a nightly drift job
that checks nothing forever. A name matches when the manifests declare it, or when the state
file recorded it (an object removed from the manifests can still be targeted, to delete it).
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

from pwconf.errors import UsageError
from pwconf.kinds import application_of
from pwconf.kinds.application import recorded_codes
from pwconf.model import Address, DesiredState
from pwconf.state import State

MAX_SUGGESTIONS = 3


def check_scope(
    desired: DesiredState,
    apps: Iterable[str],
    targets: Iterable[Address],
    state: State | None = None,
) -> None:
    """Raise UsageError naming each app or target that matches nothing, with close matches."""
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
