"""Benchmark pwconf's plan, validate and apply against the emulator (issue 7).

    python bench/run.py --profile small|medium|large [--latency-ms 20] [--parallelism 10,32]
                        [--json-out bench/results/<profile>.json]

One run: generate the profile's world (manifests + the equivalent emulator snapshot + the state
file pwconf would keep), start `pwconf emulator` in its own process with the injected latency,
seed it, check that a plan of the unchanged account is empty, then for each parallelism:

- plan: pwconf in a child process (plan_worker.py) times runner.make_plan (the fetch, then
  planner.compare; wall and CPU); then planner.compare alone again (CPU);
  the emulator's journal gives the calls made; the contract gives the calls required;
- validate: `pwconf validate` on the same manifests (and bench/validate_bench.run if present);
- apply of a ~1% change (runner.make_plan + runner.run_apply), then a plan again: 0 changes;
- naive baseline: one DeepDiff of the whole desired tree against the whole live tree.

It prints a table per profile (a column per parallelism) and writes the figures as JSON.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import profiles
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
TOKEN = "emulator-token"
JOURNAL = 5_000_000
NAIVE_FULL_UP_TO = 20_000  # entities; above it the baseline runs on a sample
NAIVE_SAMPLE = 0.1
WORKER_TIMEOUT = 400.0


def target_ratio(parallelism: int | str) -> float:
    """Issue 13's target for plan wall time over the lower bound: 1.2 up to P=10, else 1.5."""
    return 1.2 if int(parallelism) <= 10 else 1.5


TARGET_DIFF_CPU = 2.0
TARGET_RSS_MB = 400.0


PWCONF = str(Path(sys.executable).with_name("pwconf"))
EMULATOR_COMMAND = [PWCONF, "emulator"]


class BenchError(RuntimeError):
    pass


# --- the emulator, in its own process ---------------------------------------------------------


class Emulator:
    def __init__(self, latency_ms: float, log: Path) -> None:
        command = [
            *EMULATOR_COMMAND,
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            "--journal-size",
            str(JOURNAL),
        ]
        self.log = log.open("w")
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        match = re.search(r"(http://\S+/json/1\.3)", line)
        if not match:
            self.stop()
            raise BenchError(f"the emulator did not start: {line!r} (see {log})")
        self.url = match.group(1)
        self.admin = self.url[: -len("/json/1.3")] + "/_emulator"
        self.http = requests.Session()
        self.http.trust_env = False

    def put_state(self, body: bytes) -> None:
        answer = self.http.put(f"{self.admin}/state", data=body, timeout=600)
        if answer.status_code != 200:
            raise BenchError(f"seeding the emulator failed: {answer.text[:500]}")

    def set_faults(self, **settings: Any) -> None:
        """PUT /_emulator/faults, e.g. latency_ms=20."""
        self.http.put(f"{self.admin}/faults", json=settings, timeout=60).raise_for_status()

    def clear_calls(self) -> None:
        self.http.delete(f"{self.admin}/calls", timeout=60).raise_for_status()

    def calls(self) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.admin}/calls", timeout=600)
        answer.raise_for_status()
        return answer.json()

    def cpu_seconds(self) -> float:
        """User + system CPU of the emulator process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --- child processes --------------------------------------------------------------------------


@dataclass
class Child:
    returncode: int
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    output: str


def run_child(command: list[str], *, env: dict[str, str], timeout: float) -> Child:
    """Run a child with its own resource usage (os.wait4), output to a temporary file."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        return Child(
            proc.returncode,
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            log.read(),
        )


def child_env(emulator: Emulator | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWOOSH_")}
    env["PUSHWOOSH_API_TOKEN"] = TOKEN
    if emulator is not None:
        env["PUSHWOOSH_API_URL"] = emulator.url
    env["NO_COLOR"] = "1"
    return env


def worker(
    mode: str,
    workdir: Path,
    *,
    manifests: Path,
    state: Path,
    label: str,
    emulator: Emulator | None = None,
    parallelism: int = 10,
    naive: float = 0.0,
    codes: Path | None = None,
    admin: bool = False,
) -> dict[str, Any]:
    """Run plan_worker.py in a child process; its JSON result."""
    out = workdir / f"worker-{label}.json"
    out.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(BENCH / "plan_worker.py"),
        mode,
        "--manifests",
        str(manifests),
        "--state",
        str(state),
        "-P",
        str(parallelism),
        "--out",
        str(out),
    ]
    if emulator is not None:
        command += ["--api-url", emulator.url]
        if admin:
            command += ["--admin-url", emulator.admin]
    if naive:
        command += ["--naive-sample", str(naive)]
    if codes is not None:
        command += ["--codes", str(codes)]
    child = run_child(command, env=child_env(), timeout=WORKER_TIMEOUT)
    result = json.loads(out.read_text()) if out.exists() else None
    if child.returncode != 0 and not (result and "plan" in result):
        raise BenchError(
            f"plan_worker {mode} failed (exit {child.returncode}):\n" + child.output[-4000:]
        )
    if result is None:
        raise BenchError(f"plan_worker {mode} wrote nothing:\n{child.output[-4000:]}")
    if child.returncode != 0:
        last_line = (child.output.strip().splitlines() or [""])[-1][:300]
        result["worker_note"] = f"exit {child.returncode} after the plan: {last_line}"
    result["child_wall_s"] = child.wall_s
    return result


# --- figures ----------------------------------------------------------------------------------


def method_counts(calls: list[dict[str, Any]]) -> dict[str, int]:
    return dict(sorted(Counter(c["method"] for c in calls).items()))


def lower_bound(depth: int, calls: int, latency_s: float, parallelism: int) -> float:
    return depth * latency_s + calls * latency_s / parallelism


def assert_no_changes(result: dict[str, Any], what: str) -> None:
    plan = result["plan"]
    if plan["changes"]:
        shown = json.dumps(plan.get("first_changes", [])[:20], indent=1, default=str)
        raise BenchError(
            f"{what}: the plan of an unchanged account has {plan['changes']} changes "
            f"({plan['by_kind']}); first ones:\n{shown}"
        )


def measure_plan(
    emulator: Emulator,
    world: profiles.World,
    workdir: Path,
    manifests: Path,
    state: Path,
    parallelism: int,
    latency_s: float,
    naive: float,
) -> dict[str, Any]:
    emulator.clear_calls()
    emu_cpu = emulator.cpu_seconds()
    result = worker(
        "plan",
        workdir,
        manifests=manifests,
        state=state,
        emulator=emulator,
        parallelism=parallelism,
        naive=naive,
        label=f"plan-P{parallelism}",
    )
    assert_no_changes(result, f"plan at parallelism {parallelism}")
    result["emulator_cpu_s"] = emulator.cpu_seconds() - emu_cpu
    journal = emulator.calls()
    required = world.required_plan_calls()
    depth = world.critical_path()
    bound = lower_bound(depth, required["total"], latency_s, parallelism)
    result.update(
        {
            "calls_made": len(journal),
            "calls_made_by_method": method_counts(journal),
            "calls_required": required["total"],
            "calls_required_by_method": {k: v for k, v in required.items() if k != "total"},
            "critical_path": depth,
            "lower_bound_s": bound,
            "ratio": result["plan_wall_s"] / bound,
            "emulator_service_ms_mean": (
                sum(c["duration_ms"] for c in journal) / len(journal) - latency_s * 1000
                if journal
                else 0.0
            ),
        }
    )
    return result


def measure_apply(
    emulator: Emulator,
    world: profiles.World,
    workdir: Path,
    snapshot: bytes,
    base_state: Path,
    changed: Path,
    parallelism: int,
    latency_s: float,
) -> dict[str, Any]:
    emulator.put_state(snapshot)
    state = workdir / f"state-apply-P{parallelism}.json"
    shutil.copyfile(base_state, state)
    emulator.clear_calls()
    result = worker(
        "apply",
        workdir,
        manifests=changed,
        state=state,
        emulator=emulator,
        parallelism=parallelism,
        label=f"apply-P{parallelism}",
        admin=True,
    )
    journal = result["journal"]
    minimum = result["write_minimum"]
    fetch_required = world.required_plan_calls()["total"]
    required = fetch_required + minimum["batched"]
    depth = world.critical_path() + minimum["depth"]
    bound = lower_bound(depth, required, latency_s, parallelism)
    result.update(
        {
            "calls_made": journal["calls"],
            "calls_made_by_method": journal["by_method"],
            "calls_failed": journal["failed"],
            "calls_required": required,
            "calls_required_per_entity": fetch_required + minimum["per_entity"],
            "critical_path": depth,
            "lower_bound_s": bound,
            "ratio": result["wall_s"] / bound,
        }
    )
    again = result["replan"]
    result["replan_changes"] = again["changes"]
    result["replan_by_kind"] = again["by_kind"]
    if again["changes"]:
        result["replan_first_changes"] = again.get("first_changes", [])[:10]
    return result


def measure_validate(emulator: Emulator, manifests: Path) -> dict[str, Any]:
    emulator.clear_calls()
    child = run_child(
        [PWCONF, "validate", str(manifests)], env=child_env(emulator), timeout=WORKER_TIMEOUT
    )
    calls = len(emulator.calls())
    return {
        "command": f"pwconf validate {manifests.relative_to(ROOT)}",
        "exit": child.returncode,
        "wall_s": child.wall_s,
        "cpu_s": child.cpu_s,
        "peak_rss_mb": child.maxrss_mb,
        "calls_made": calls,
        "calls_required": 0,
        "output_tail": child.output[-600:],
    }


def measure_validate_bench() -> dict[str, Any]:
    """bench/validate_bench.py (the manifest engineer's): run(files=500, entities=20000)."""
    if not (BENCH / "validate_bench.py").exists():
        return {"available": False}
    code = (
        "import json, sys; sys.path.insert(0, 'bench'); import validate_bench; "
        "print('@@' + json.dumps(validate_bench.run(files=500, entities=20000), default=str))"
    )
    child = run_child([sys.executable, "-c", code], env=child_env(), timeout=WORKER_TIMEOUT)
    marker = child.output.rfind("@@")
    if child.returncode != 0 or marker < 0:
        return {"available": True, "error": child.output[-1500:]}
    result = json.loads(child.output[marker + 2 :].strip())
    return {
        "available": True,
        "result": result,
        "child_wall_s": child.wall_s,
        "child_cpu_s": child.cpu_s,
        "child_peak_rss_mb": child.maxrss_mb,
    }


def cli_check(emulator: Emulator, manifests: Path, state: Path) -> dict[str, Any]:
    """`pwconf plan --detailed-exitcode` on the unchanged account: exit 0 means no changes."""
    command = [
        PWCONF,
        "plan",
        str(manifests),
        "--state",
        str(state),
        "--detailed-exitcode",
        "--no-color",
    ]
    child = run_child(command, env=child_env(emulator), timeout=WORKER_TIMEOUT)
    if child.returncode != 0:
        raise BenchError(
            f"`pwconf plan` of the unchanged account exited {child.returncode}:\n"
            + child.output[-6000:]
        )
    return {"exit": 0, "wall_s": child.wall_s, "last_line": child.output.strip()[-200:]}


# --- the run ----------------------------------------------------------------------------------


def run(
    profile_name: str, latency_ms: float, parallelisms: list[int], json_out: Path, cli: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    latency_s = latency_ms / 1000
    workdir = RESULTS / "work" / profile_name
    workdir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    world = profiles.generate(profile_name)
    manifests, changed_dir = workdir / "manifests", workdir / "manifests-changed"
    profiles.write_manifests(world, manifests)
    snapshot = json.dumps(profiles.snapshot(world), separators=(",", ":")).encode()
    (workdir / "snapshot.json").write_bytes(snapshot)
    codes = workdir / "codes.json"
    codes.write_text(json.dumps({h: a.code for h, a in world.apps.items()}))
    changed, change_summary = profiles.change(world)
    profiles.write_manifests(changed, changed_dir)
    timings["generate_s"] = time.perf_counter() - t

    emulator = Emulator(latency_ms, workdir / "emulator.log")
    try:
        t = time.perf_counter()
        emulator.put_state(snapshot)
        timings["seed_emulator_s"] = time.perf_counter() - t
        base_state = workdir / "state-base.json"
        t = time.perf_counter()
        worker("state", workdir, manifests=manifests, state=base_state, codes=codes, label="state")
        timings["seed_state_s"] = time.perf_counter() - t
        check = None
        if cli:
            t = time.perf_counter()
            check_state = workdir / "state-cli.json"
            shutil.copyfile(base_state, check_state)
            check = cli_check(emulator, manifests, check_state)
            timings["cli_check_s"] = time.perf_counter() - t

        entities = world.counts()["total"]
        naive = 1.0 if entities <= NAIVE_FULL_UP_TO else NAIVE_SAMPLE
        plans: dict[str, Any] = {}
        t = time.perf_counter()
        for i, parallelism in enumerate(parallelisms):
            plans[str(parallelism)] = measure_plan(
                emulator,
                world,
                workdir,
                manifests,
                base_state,
                parallelism,
                latency_s,
                naive if i == len(parallelisms) - 1 else 0.0,
            )
        timings["plans_s"] = time.perf_counter() - t

        t = time.perf_counter()
        validate = measure_validate(emulator, manifests)
        timings["validate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        validate_bench = measure_validate_bench()
        timings["validate_bench_s"] = time.perf_counter() - t

        applies: dict[str, Any] = {}
        t = time.perf_counter()
        for parallelism in parallelisms:
            applies[str(parallelism)] = measure_apply(
                emulator,
                world,
                workdir,
                snapshot,
                base_state,
                changed_dir,
                parallelism,
                latency_s,
            )
        timings["applies_s"] = time.perf_counter() - t
    finally:
        emulator.stop()

    naive_result = next((p["naive"] for p in plans.values() if "naive" in p), None)
    timings["total_s"] = time.perf_counter() - started
    report = {
        "profile": profile_name,
        "latency_ms": latency_ms,
        "parallelism": parallelisms,
        "entities": world.counts(),
        "account_applications": world.account_applications(),
        "cli_check": check,
        "plan": plans,
        "naive": naive_result,
        "validate": validate,
        "validate_bench": validate_bench,
        "change": change_summary,
        "apply": applies,
        "timings": timings,
    }
    report["targets"] = targets(report)
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return report


def targets(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    entities = report["entities"]["total"]
    for p, plan in report["plan"].items():
        out[f"calls made = required (P={p})"] = plan["calls_made"] == plan["calls_required"]
        limit = target_ratio(p)
        out[f"plan wall <= {limit} x lower bound (P={p})"] = plan["ratio"] <= limit
        out[f"diff CPU < {TARGET_DIFF_CPU:g} s (P={p})"] = plan["diff_cpu_s"] < TARGET_DIFF_CPU
        out[f"peak RSS < {TARGET_RSS_MB:g} MB (P={p})"] = plan["peak_rss_mb"] < TARGET_RSS_MB
    for p, apply in report["apply"].items():
        out[f"apply: no failed change, replan empty (P={p})"] = (
            apply["result"]["failed"] == 0
            and apply["result"]["skipped"] == 0
            and apply["replan_changes"] == 0
        )
    out["note"] = (
        "the issue states the CPU and RSS targets at 100,000 entities" if entities < 100_000 else ""
    )
    return out


# --- the table --------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(report: dict[str, Any]) -> str:
    ps = [str(p) for p in report["parallelism"]]
    plans, applies = report["plan"], report["apply"]
    counts = report["entities"]
    naive = report["naive"] or {}
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, values: list[str], target: str = "") -> None:
        rows.append((label, values, target))

    def per_p(fn: Any) -> list[str]:
        return [fn(plans[p]) for p in ps]

    def per_a(fn: Any) -> list[str]:
        return [fn(applies[p]) for p in ps]

    row("PLAN", ["" for _ in ps])
    row("  plan wall time (fetch, then compare) s", per_p(lambda r: _f(r["plan_wall_s"])))
    row("  API calls made", per_p(lambda r: f"{r['calls_made']:,}"))
    row(
        "  API calls required (contract)",
        per_p(lambda r: f"{r['calls_required']:,}"),
        "made = required",
    )
    row("  critical path (round trips)", per_p(lambda r: str(r["critical_path"])))
    row("  lower bound s", per_p(lambda r: _f(r["lower_bound_s"])))
    row("  ratio wall / lower bound", per_p(lambda r: _f(r["ratio"])), "<= 1.2 / 1.5")
    row(
        "  diff CPU (planner.compare alone, same live state) s",
        per_p(lambda r: _f(r["diff_cpu_s"], 3)),
        f"< {TARGET_DIFF_CPU:g} s at 100k",
    )
    row(
        "  peak RSS MB", per_p(lambda r: _f(r["peak_rss_mb"], 0)), f"< {TARGET_RSS_MB:g} MB at 100k"
    )
    row("  client CPU during plan s", per_p(lambda r: _f(r["plan_cpu_s"])))
    row("  emulator CPU during plan s", per_p(lambda r: _f(r["emulator_cpu_s"])))
    row("  emulator service time / call ms", per_p(lambda r: _f(r["emulator_service_ms_mean"])))
    row("  manifest load s (not in plan wall)", per_p(lambda r: _f(r["load_s"])))
    row("  state file load s (not in plan wall)", per_p(lambda r: _f(r["state_load_s"])))
    if naive:
        how = (
            f"1/{naive['sample_step']} sample, x{naive['sample_step']} extrapolated"
            if naive["extrapolated"]
            else "whole trees"
        )
        row(f"NAIVE DeepDiff CPU s ({how})", [_f(naive["cpu_s"], 3)] + [""] * (len(ps) - 1))
        last = plans[ps[-1]]
        row(
            "  naive / compare CPU",
            [_f(naive["cpu_s"] / max(last["diff_cpu_s"], 1e-9), 1)] + [""] * (len(ps) - 1),
        )
    else:
        why = next((plans[p]["worker_note"] for p in ps if plans[p].get("worker_note")), "")
        row(f"NAIVE DeepDiff: not measured {why}".rstrip(), ["" for _ in ps])
    validate = report["validate"]
    row("VALIDATE (pwconf validate, same manifests)", ["" for _ in ps])
    if validate["exit"] == 0:
        row(
            "  wall s / CPU s",
            [f"{_f(validate['wall_s'])} / {_f(validate['cpu_s'])}"] + [""] * (len(ps) - 1),
        )
        row("  peak RSS MB", [_f(validate["peak_rss_mb"], 0)] + [""] * (len(ps) - 1))
        row(
            "  API calls made / required",
            [f"{validate['calls_made']} / {validate['calls_required']}"] + [""] * (len(ps) - 1),
        )
    else:
        row("  failed", [f"exit {validate['exit']}"] + [""] * (len(ps) - 1))
    vb = report["validate_bench"]
    if vb.get("result"):
        for key, value in vb["result"].items():
            if isinstance(value, bool):
                shown = "yes" if value else "no"
            elif isinstance(value, int):
                shown = f"{value:,}"
            elif isinstance(value, float):
                shown = _f(value, 3)
            else:
                continue
            row(f"  validate_bench.run: {key}", [shown] + [""] * (len(ps) - 1))
    elif vb.get("error"):
        row("  validate_bench.run", ["failed"] + [""] * (len(ps) - 1))
    row(f"APPLY of a {report['change']['total']}-entity change", ["" for _ in ps])
    row("  plan changes (incl. geozone repoints)", per_a(lambda r: str(r["plan"]["changes"])))
    row("  apply wall (plan + apply) s", per_a(lambda r: _f(r["wall_s"])))
    row("    of which apply only s", per_a(lambda r: _f(r["apply_wall_s"])))
    row("  API calls made", per_a(lambda r: f"{r['calls_made']:,}"))
    row("  API calls required (batched)", per_a(lambda r: f"{r['calls_required']:,}"))
    row("  API calls, one per entity", per_a(lambda r: f"{r['calls_required_per_entity']:,}"))
    row("  critical path (round trips)", per_a(lambda r: str(r["critical_path"])))
    row("  lower bound s", per_a(lambda r: _f(r["lower_bound_s"])))
    row("  ratio wall / lower bound", per_a(lambda r: _f(r["ratio"])))
    row(
        "  done / failed / skipped",
        per_a(lambda r: f"{r['result']['done']}/{r['result']['failed']}/{r['result']['skipped']}"),
    )
    row("  plan after apply: changes", per_a(lambda r: str(r["replan_changes"])), "0")
    row("  peak RSS MB", per_a(lambda r: _f(r["peak_rss_mb"], 0)))

    width = max(len(r[0]) for r in rows) + 2
    header = f"{'':<{width}}" + "".join(f"{'P=' + p:>14}" for p in ps) + "   target"
    kinds = ", ".join(f"{k} {v:,}" for k, v in counts.items() if k != "total")
    lines = [
        f"pwconf bench: profile {report['profile']}, {counts['total']:,} entities ({kinds}); "
        f"latency {report['latency_ms']:g} ms per call",
        header,
        "-" * len(header),
    ]
    for label, values, target in rows:
        lines.append(
            f"{label:<{width}}"
            + "".join(f"{v:>14}" for v in values)
            + (f"   {target}" if target else "")
        )
    lines.append("")
    lines.append(
        "targets: "
        + "; ".join(
            f"{k}: {'met' if v else 'MISSED'}"
            for k, v in report["targets"].items()
            if isinstance(v, bool)
        )
    )
    if report["targets"].get("note"):
        lines.append(f"         ({report['targets']['note']})")
    t = report["timings"]
    lines.append("run time: " + ", ".join(f"{k[:-2]} {v:.1f}s" for k, v in t.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark pwconf plan/validate/apply.")
    parser.add_argument("--profile", choices=sorted(profiles.PROFILES), default="small")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--parallelism", default="10,32", help="comma-separated, e.g. 10,32")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--cli-check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run `pwconf plan --detailed-exitcode` on the unchanged "
        "account first (default: on for small and medium)",
    )
    args = parser.parse_args(argv)
    parallelisms = [int(p) for p in args.parallelism.split(",") if p.strip()]
    json_out = args.json_out or RESULTS / f"{args.profile}.json"
    cli = args.cli_check if args.cli_check is not None else args.profile != "large"
    try:
        report = run(args.profile, args.latency_ms, parallelisms, json_out, cli)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    print(table(report))
    print(f"\nJSON: {json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
