"""Where a plan's wall time goes: the fetch, `planner.compare` and the garbage collector's passes.

    python bench/plan_phases.py [--profile large] [--parallelism 32] [--plans 2] [--latency-ms 20]

Uses the world that `python bench/run.py --profile NAME` generated in bench/results/work/NAME/
(manifests, snapshot.json, state-base.json). Starts `pwconf emulator` with the latency, seeds it,
loads the manifests once, then makes `--plans` plans as `pwconf plan` does (`runner.make_plan`:
`fetch_live`, then `planner.compare`), timing the two apart. The collector's passes are counted
through `gc.callbacks`: for each phase, how many full passes fell in it and how long they took.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path

from plan_worker import load_desired
from run import RESULTS, TOKEN, Emulator

from pwconf import runner
from pwconf.fetch import Scope, fetch_live
from pwconf.kinds.application import recorded_codes
from pwconf.model import DesiredState
from pwconf.planner import compare
from pwconf.state import State


class FullPasses:
    """The collector's full passes (generation 2) since `reset`: count and seconds."""

    def __init__(self) -> None:
        self.count, self.seconds, self._started = 0, 0.0, 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._started

    def take(self) -> str:
        text = f"{self.count} full GC passes, {self.seconds:.2f} s"
        self.count, self.seconds = 0, 0.0
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="large")
    parser.add_argument("--parallelism", type=int, default=32)
    parser.add_argument("--plans", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    world = RESULTS / "work" / args.profile
    if not (world / "snapshot.json").exists():
        raise SystemExit(f"no world in {world}: run `python bench/run.py --profile {args.profile}`")
    os.environ["PUSHWOOSH_API_TOKEN"] = TOKEN
    manifests = str(world / "manifests")
    desired = load_desired(manifests)[0]
    state = State.load(world / "state-base.json")
    passes = FullPasses()
    passes.take()  # those of loading are not counted
    log = Path(tempfile.gettempdir()) / "pwconf-plan-phases-emulator.log"
    emulator = Emulator(args.latency_ms, log)
    try:
        emulator.put_state((world / "snapshot.json").read_bytes())
        options = runner.ConnectOptions(api_url=emulator.url, parallelism=args.parallelism)
        for _ in range(args.plans):
            with runner.connect(options, [manifests]) as conn:
                _plan(conn, desired, state, passes)
    finally:
        emulator.stop()


def _plan(conn: runner.Connection, desired: DesiredState, state: State, passes: FullPasses) -> None:
    """One plan as `runner.make_plan` makes it, its two phases timed apart."""
    wall, cpu = time.perf_counter(), time.process_time()
    p = conn.parallelism
    live = fetch_live(conn.api, desired, known_codes=recorded_codes(state), parallelism=p)
    fetched = time.perf_counter()
    in_fetch = passes.take()
    compare(desired, live, state, scope=Scope())
    done = time.perf_counter()
    print(
        f"P={p}: plan {done - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU; "
        f"fetch_live {fetched - wall:.2f} s ({in_fetch}); "
        f"compare {done - fetched:.2f} s ({passes.take()})",
        flush=True,
    )


if __name__ == "__main__":
    main()
