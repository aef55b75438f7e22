"""The client's CPU per API call, one call at a time, with no latency: what `requests`, urllib3
and pwconf's own retry and reading code cost a call, apart from any waiting.

    python bench/client_cpu.py [--calls 2000] [--rounds 3]

Starts `pwconf emulator` in its own process, creates one application with 50 presets, then makes
`--calls` getPreset calls through pwconf's `ApiClient` from this thread, `--rounds` times, and
prints the best round's process CPU per call.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from concurrency_probe import seed
from run import TOKEN, Emulator

from pwconf.api.client import ApiClient

PRESETS = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    emulator = Emulator(0, Path(tempfile.gettempdir()) / "pwconf-client-cpu-emulator.log")
    try:
        codes = seed(emulator.url, PRESETS)
        with ApiClient(emulator.url, TOKEN) as client:
            best = float("inf")
            for _ in range(args.rounds):
                started = time.process_time()
                for i in range(args.calls):
                    client.call("getPreset", {"preset_code": codes[i % len(codes)]}, kind="read")
                best = min(best, (time.process_time() - started) / args.calls)
    finally:
        emulator.stop()
    print(f"client CPU per call: {best * 1000:.3f} ms (best of {args.rounds}, {args.calls} calls)")


if __name__ == "__main__":
    main()
