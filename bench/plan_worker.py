"""The measured side of the benchmark: pwconf alone in its own process (so its peak RSS is its own).

    python bench/plan_worker.py state  --manifests DIR --state FILE
    python bench/plan_worker.py plan   --manifests DIR --state FILE --api-url URL -P 10 --out F
                                       [--naive-sample 0.1]
    python bench/plan_worker.py apply  --manifests DIR --state FILE --api-url URL -P 10 --out F

Every mode calls pwconf's own functions in-process (runner.load, State.load, runner.connect,
fetch_live, compare, run_apply) and writes one JSON object to --out (or stdout).
The token comes from PUSHWOOSH_API_TOKEN (the emulator's: emulator-token).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pwconf import planner as planner_mod
from pwconf import runner
from pwconf.apply import ChangeEvent, plan_steps
from pwconf.fetch import Scope
from pwconf.kinds import KIND_ORDER, REGISTRY
from pwconf.kinds.application import record_matched_codes
from pwconf.model import Entity, digest, seal_secrets
from pwconf.plan import Action
from pwconf.state import State

STATE_SALT = "b3nchb3nchb3nchb3nchb3nchb3nch00"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load_desired(manifests: str) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    desired = runner.load([manifests], [], [], os.environ)
    return desired, time.perf_counter() - wall, time.process_time() - cpu


# --- state: what pwconf would have recorded after creating this account ------------------------


def cmd_state(args: argparse.Namespace) -> dict[str, Any]:
    """Seed the state file as an apply by pwconf would have left it.

    - events: per application code, digest(normalize(attrs)) of each event, exactly as
      EventKind.create records it (attrs there are the already-normalised desired attrs);
    - tags: the user_specific flag of every tag pwconf created;
    - applied: per address, the digest of the sealed, normalised desired attrs (what
      Applier._record / _record_unchanged record).
    Application codes come from the snapshot's codes (passed in --codes as JSON).
    """
    desired, load_s, _ = load_desired(args.manifests)
    codes: dict[str, str] = json.loads(Path(args.codes).read_text())
    state = State(Path(args.state), {"salt": STATE_SALT})
    for address, entity in desired.entities.items():
        kind = REGISTRY[address.kind]
        normalised = kind.normalize(entity.attrs)
        kind.record_created(state, Entity(address, normalised), codes.get(address.app or ""))
        sealed = kind.normalize(seal_secrets(normalised, state.salt))
        state.record_applied(str(address), digest(sealed))
    record_matched_codes(state, codes)  # handle -> code, as an apply records it
    state.save()
    return {"entities": len(desired.entities), "load_s": load_s}


# --- plan ------------------------------------------------------------------------------------


def summarise(plan: Any, limit: int = 60) -> dict[str, Any]:
    by_action = Counter(c.action.value for c in plan.changes)
    by_kind = Counter(f"{c.address.kind}:{c.action.value}" for c in plan.changes)
    out: dict[str, Any] = {
        "changes": len(plan.changes),
        "by_action": dict(by_action),
        "by_kind": dict(sorted(by_kind.items())),
        "unchanged": plan.unchanged,
        "notes": len(plan.notes),
    }
    if plan.changes:
        out["first_changes"] = [
            {
                "address": str(c.address),
                "action": c.action.value,
                "reason": c.reason,
                "fields": [
                    {"path": f.path, "before": _plain(f.before), "after": _plain(f.after)}
                    for f in c.fields
                ][:8],
            }
            for c in plan.changes[:limit]
        ]
    if plan.notes:
        out["first_notes"] = [f"{n.address}: {n.message}" for n in plan.notes[:10]]
    return out


def _plain(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def cmd_plan(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"parallelism": args.parallelism}
    desired, result["load_s"], result["load_cpu_s"] = load_desired(args.manifests)
    result["entities"] = len(desired.entities)
    started = time.perf_counter()
    state = State.load(Path(args.state))
    result["state_load_s"] = time.perf_counter() - started
    options = runner.ConnectOptions(api_url=args.api_url, parallelism=args.parallelism)
    with runner.connect(options, [args.manifests]) as conn:
        wall, cpu = time.perf_counter(), time.process_time()
        planned = full_plan(conn, desired, state)
        result["plan_wall_s"] = time.perf_counter() - wall
        result["plan_cpu_s"] = time.process_time() - cpu
    live, plan = planned.live, planned.plan
    result["fetch_calls"] = live.calls
    result["peak_rss_mb"] = peak_rss_mb()
    # The diff's CPU on its own: the same planner over the same live state, after the fetch.
    wall, cpu = time.perf_counter(), time.process_time()
    alone = planner_mod.compare(desired, live, state)
    result["diff_cpu_s"] = time.process_time() - cpu
    result["diff_wall_s"] = time.perf_counter() - wall
    if alone.summary() != plan.summary() or alone.unchanged != plan.unchanged:
        raise SystemExit("planner.compare run twice over one live state gave two plans")
    result["live_entities"] = len(live.entities)
    result["plan"] = summarise(plan)
    write(args.out, result)  # kept even if the naive baseline below is cut short
    if args.naive_sample > 0:
        result["naive"] = naive_baseline(desired, live, state, args.naive_sample)
        write(args.out, result)
    return result


def _by_kind(entities: dict[Any, Any]) -> dict[str, dict[Any, Any]]:
    grouped: dict[str, dict[Any, Any]] = {kind: {} for kind in KIND_ORDER}
    for address, entity in entities.items():
        grouped[address.kind][address] = entity
    return grouped


def naive_baseline(desired: Any, live: Any, state: State, sample: float) -> dict[str, Any]:
    """One DeepDiff of the whole desired tree against the whole live tree.

    The trees hold the same normalised values the planner compares (planner._pairs: desired
    sealed and normalised; live completed from state and normalised; events as digests), nested
    as {kind: {address: attrs}}. With sample < 1, every n-th entity only, and the CPU time is
    extrapolated linearly to all of them.
    """
    from deepdiff import DeepDiff

    step = max(1, round(1 / sample))
    desired_tree: dict[str, dict[str, Any]] = {}
    live_tree: dict[str, dict[str, Any]] = {}
    total = kept = 0
    wanted = _by_kind(desired.entities)
    found = _by_kind(live.entities)
    for kind_name in KIND_ORDER:
        kind = REGISTRY[kind_name]
        read = found[kind_name] if kind.readable else kind.recorded_live(state, live.view)
        pairs = planner_mod._pairs(kind, wanted[kind_name], read, live.view, state)
        for pair in pairs:
            total += 1
            if total % step:
                continue
            kept += 1
            key = str(pair.address)
            if pair.desired_cmp is not None:
                value = pair.desired_cmp
                if not kind.readable:
                    value = {"digest": digest(value)}
                desired_tree.setdefault(kind_name, {})[key] = value
            if pair.live is not None:
                live_tree.setdefault(kind_name, {})[key] = pair.live.attrs
    wall, cpu = time.perf_counter(), time.process_time()
    diff = DeepDiff(desired_tree, live_tree)
    cpu_s = time.process_time() - cpu
    return {
        "entities": total,
        "sampled": kept,
        "sample_step": step,
        "cpu_s_measured": cpu_s,
        "wall_s_measured": time.perf_counter() - wall,
        "cpu_s": cpu_s * total / max(1, kept),
        "extrapolated": kept < total,
        "differences": sum(len(v) for v in diff.values()) if diff else 0,
        "difference_kinds": {k: len(v) for k, v in diff.items()} if diff else {},
    }


# --- apply -----------------------------------------------------------------------------------


def write_minimum(plan: Any) -> dict[str, Any]:
    """The fewest write calls the contract allows for this plan, and the dependency depth.

    addGeoZone and deleteGeoZone take lists (contract §8): one call per application and level.
    createPreset returns no code (§6): one listPresets per application is enough to learn every
    new code, and only needed when a geozone of this plan points at a new preset.
    One call per entity (no batching, and one listPresets after each createPreset) is counted
    too, for comparison.
    """
    batched = per_entity = 0
    gz_create_apps: set[str] = set()
    gz_delete_apps: set[str] = set()
    preset_apps: set[str] = set()
    new_presets: set[Any] = set()
    for change in plan.changes:
        kind = change.address.kind
        steps = {
            Action.CREATE: ["create"],
            Action.UPDATE: ["update"],
            Action.DELETE: ["delete"],
            Action.REPLACE: ["delete", "create"],
        }[change.action]
        for step in steps:
            per_entity += 1
            if kind == "geozone" and step == "create":
                gz_create_apps.add(change.address.app)
            elif kind == "geozone" and step == "delete":
                gz_delete_apps.add(change.address.app)
            else:
                batched += 1
            if kind == "preset" and step == "create":
                per_entity += 1  # pwconf reads the code back with listPresets after each
                preset_apps.add(change.address.app)
                new_presets.add(change.address)
    pointing = {
        c.address.app
        for c in plan.changes
        if c.address.kind == "geozone"
        and c.desired is not None
        and any(ref in new_presets for ref in REGISTRY["geozone"].references(c.desired))
    }
    batched += len(gz_create_apps) + len(gz_delete_apps) + len(preset_apps & pointing)
    levels = plan_steps(plan)
    depth = len(levels)
    if any(s.action == "create" and s.change.address.kind == "preset" for lv in levels for s in lv):
        depth += 1  # createPreset, then listPresets for the code: one after the other
    return {"batched": batched, "per_entity": per_entity, "depth": depth, "levels": len(levels)}


def cmd_apply(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"parallelism": args.parallelism}
    desired, result["load_s"], _ = load_desired(args.manifests)
    state = State.load(Path(args.state))
    failures: list[str] = []

    def on_event(event: Any) -> None:
        if isinstance(event, ChangeEvent) and event.outcome != "done" and len(failures) < 20:
            failures.append(f"{event.address} {event.step}: {event.outcome} {event.detail}")

    options = runner.ConnectOptions(api_url=args.api_url, parallelism=args.parallelism)
    with runner.connect(options, [args.manifests]) as conn:
        wall, cpu = time.perf_counter(), time.process_time()
        planned = full_plan(conn, desired, state)
        result["plan_wall_s"] = time.perf_counter() - wall
        result["fetch_calls"] = planned.live.calls
        result["plan"] = summarise(planned.plan, limit=5)
        result["write_minimum"] = write_minimum(planned.plan)
        wall = time.perf_counter()
        applied = runner.run_apply(conn, planned, on_event)
        result["apply_wall_s"] = time.perf_counter() - wall
        result["cpu_s"] = time.process_time() - cpu
    result["wall_s"] = result["plan_wall_s"] + result["apply_wall_s"]
    result["result"] = {
        "done": applied.done,
        "failed": applied.failed,
        "skipped": applied.skipped,
        "calls": applied.calls,
        "warnings": applied.warnings,
        "notes": applied.notes[:10],
    }
    result["failures"] = failures
    result["peak_rss_mb"] = peak_rss_mb()
    if args.admin_url:
        result["journal"] = take_journal(args.admin_url)
        result["replan"] = replan(args, desired)
    return result


def take_journal(admin_url: str) -> dict[str, Any]:
    """The emulator's journal of the calls so far (then cleared): counts by method."""
    import requests

    http = requests.Session()
    http.trust_env = False
    answer = http.get(f"{admin_url}/calls", timeout=600)
    answer.raise_for_status()
    calls = answer.json()
    http.delete(f"{admin_url}/calls", timeout=60).raise_for_status()
    return {
        "calls": len(calls),
        "by_method": dict(sorted(Counter(c["method"] for c in calls).items())),
        "failed": sum(1 for c in calls if c["status"] != 200 or c["status_code"] != 200),
    }


def replan(args: argparse.Namespace, desired: Any) -> dict[str, Any]:
    """A plan after the apply, from the state file the apply saved: it must be empty.

    Same process and same loaded manifests (they did not change), a fresh fetch."""
    state = State.load(Path(args.state))
    options = runner.ConnectOptions(api_url=args.api_url, parallelism=args.parallelism)
    with runner.connect(options, [args.manifests]) as conn:
        planned = full_plan(conn, desired, state)
    return summarise(planned.plan, limit=10)


def full_plan(conn: Any, desired: Any, state: State) -> runner.Planned:
    """What `pwconf plan` does: the whole account, no mass deletes."""
    return runner.make_plan(conn, desired, state, scope=Scope(), allow_mass_delete=False)


def write(out: str | None, result: dict[str, Any]) -> None:
    text = json.dumps(result, indent=1, default=str)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["state", "plan", "apply"])
    parser.add_argument("--manifests", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--codes", help="state: JSON {handle: application code}")
    parser.add_argument("--api-url")
    parser.add_argument("--admin-url", help="apply: read the journal, then plan again")
    parser.add_argument("-P", "--parallelism", type=int, default=10)
    parser.add_argument("--naive-sample", type=float, default=0.0)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    command = {"state": cmd_state, "plan": cmd_plan, "apply": cmd_apply}[args.mode]
    result = command(args)
    write(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
