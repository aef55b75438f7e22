"""Saved plans (`plan --out FILE`, `apply --plan FILE`).

A saved plan holds the rendered changes, a fingerprint of every live object the plan read and a
digest of every desired entity. It holds no secret: credentials appear only as salted HMACs
inside the digests. Applying it re-reads exactly the objects it touches and refuses if any of
them, or the manifests, changed since.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from pwconf.atomic_file import write_atomically
from pwconf.errors import PlanRefused, StateError, UsageError
from pwconf.plan import Plan
from pwconf.render.json_plan import plan_to_dict

SAVED_FORMAT = 1


@dataclass
class SavedPlan:
    """A saved plan as its file holds it."""

    pwconf_saved_plan: int  # SAVED_FORMAT
    api_url: str
    manifest_files: list[str]  # as given to `plan`, relative to `made_in`
    touched: list[str]
    live_fingerprints: dict[str, str | None]
    desired_digests: dict[str, str | None]
    plan: dict[str, Any]  # as `plan --json` renders it
    made_in: str = ""  # the folder `plan --out` ran in


def save_plan(path: Path, plan: Plan, api_url: str) -> None:
    touched = sorted({str(c.address) for c in plan.changes})
    saved = SavedPlan(
        SAVED_FORMAT,
        api_url,
        plan.manifest_files,
        touched,
        live_fingerprints={a: plan.live_fingerprint(a) for a in touched},
        desired_digests={a: plan.desired_digest(a) for a in touched},
        plan=plan_to_dict(plan),
        made_in=str(Path.cwd()),
    )
    write_atomically(path, json.dumps(asdict(saved), indent=2, sort_keys=True))


def load_saved(path: Path) -> SavedPlan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"cannot read the saved plan {path}: {exc}") from None
    known = {field.name for field in fields(SavedPlan)}
    try:  # keys it does not know are left alone, as a newer pwconf may add some
        saved = SavedPlan(**{key: value for key, value in document.items() if key in known})
    except (AttributeError, TypeError):  # not an object, or a field missing
        saved = None
    if saved is None or saved.pwconf_saved_plan != SAVED_FORMAT:
        raise StateError(f"{path} is not a plan saved by this version of pwconf (plan --out)")
    return saved


def check_manifests_reachable(saved: SavedPlan) -> None:
    """The manifests a saved plan names must be found from here: applying it from another folder
    is refused with the folder it was made in."""
    missing = [name for name in saved.manifest_files if not Path(name).exists()]
    if not missing:
        return
    names = ", ".join(saved.manifest_files[:3]) + (", ..." if len(saved.manifest_files) > 3 else "")
    raise UsageError(
        f"the saved plan was made in {saved.made_in or 'another folder'}, and its manifests "
        f"({names}) are not found from here",
        hint=f"run `pwconf apply --plan` from {saved.made_in or 'that folder'}, "
        "or pass the manifest paths",
    )


def check_saved(saved: SavedPlan, plan: Plan, api_url: str) -> None:
    """Refuse a saved plan made for another account, or made stale by what changed since (said
    one line per object)."""
    if saved.api_url != api_url:
        raise PlanRefused(f"the saved plan was made for {saved.api_url}, not {api_url}")
    stale = []
    for address in saved.touched:
        before, now = saved.live_fingerprints.get(address), plan.live_fingerprint(address)
        if before != now:
            happened = "created" if before is None else "deleted" if now is None else "changed"
            stale.append(f"{address}: {happened} in the account")
        if saved.desired_digests.get(address) != plan.desired_digest(address):
            stale.append(f"{address}: changed in the manifests")
    current = [(str(c.address), "/".join(c.action.json_actions)) for c in plan.changes]
    before = [(c["address"], "/".join(c["actions"])) for c in saved.plan.get("changes", [])]
    if not stale and sorted(current) != sorted(before):
        stale.append("the changes planned now differ from the saved plan")
    if stale:
        raise PlanRefused(
            "the saved plan is stale; changed since it was made:\n  " + "\n  ".join(stale),
            hint="run `pwconf plan --out FILE` again and review the new plan",
        )
