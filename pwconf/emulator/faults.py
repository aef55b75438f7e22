"""Fault injection for the emulator, reproducible from a seed.

Each API call (never an admin call) asks :meth:`Faults.decide` what happens to it. The settings,
checked in this order:

- ``rate_limit`` {"every": N, "burst": K, "retry_after": S}: after every N calls, K calls in a row
  get HTTP 429 with ``Retry-After: S`` (deterministic, no dice);
- ``drop_rate``: share of calls whose connection is closed without an answer;
- ``error_rate``: share of calls answered 500 or 503 (half each) *before* the method runs;
- ``error_after_rate``: share of calls answered 500 *after* the method ran (the change happened),
  to test clients for duplicates;
- ``latency_ms``: a sleep before every answer (outside the store lock).

A new ``seed`` restarts the random sequence and the call count.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

from pwconf.emulator.fields import Result, http_error, is_number, is_whole

DROP, RATE_LIMIT, ERROR_BEFORE, ERROR_AFTER = "drop", "rate_limit", "error_before", "error_after"
_RATES = ("error_rate", "error_after_rate", "drop_rate")


@dataclass(frozen=True)
class Decision:
    """What to do with one call: the fault (None: none), its answer replacing the method's."""

    fault: str | None
    latency_s: float
    answer: Result | None = None


class Faults:
    """The live fault configuration and its seeded dice. Thread-safe."""

    def __init__(self, *, seed: int = 0, **settings: Any) -> None:
        self._lock = threading.Lock()
        self.latency_ms: float = 0
        self.error_rate = self.error_after_rate = self.drop_rate = 0.0
        self.rate_limit: dict[str, Any] | None = None
        self._reseed(seed)
        self.configure(**settings)

    def _reseed(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._calls = 0

    def configure(self, **changes: Any) -> None:
        """Change some settings; raise ValueError (naming the setting) on a bad one."""
        checked = {key: _check_setting(key, value) for key, value in changes.items()}
        with self._lock:
            for key, value in checked.items():
                if key == "seed":
                    self._reseed(value)
                else:
                    setattr(self, key, value)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency_ms": self.latency_ms,
                **{key: getattr(self, key) for key in _RATES},
                "rate_limit": dict(self.rate_limit) if self.rate_limit else None,
                "seed": self.seed,
                "calls": self._calls,
            }

    def decide(self) -> Decision:
        with self._lock:
            self._calls += 1
            # Always four draws, so a seed replays the same faults whatever the settings hit.
            drop_roll, error_roll, kind_roll, after_roll = (self._rng.random() for _ in range(4))
            latency_s = max(0.0, self.latency_ms) / 1000
            limit = self.rate_limit
            if limit and (self._calls - 1) % (limit["every"] + limit["burst"]) >= limit["every"]:
                # Whole seconds as HTTP wants; a fraction is kept as given (handy in tests).
                seconds = limit["retry_after"]
                header = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
                answer = http_error(429, "Too many requests (injected fault)",
                                    {"Retry-After": header})
                return Decision(RATE_LIMIT, latency_s, answer)
            if drop_roll < self.drop_rate:
                return Decision(DROP, latency_s)
            if error_roll < self.error_rate:
                status = 500 if kind_roll < 0.5 else 503
                return Decision(ERROR_BEFORE, latency_s, _server_error(status))
            if after_roll < self.error_after_rate:
                return Decision(ERROR_AFTER, latency_s, _server_error(500))
            return Decision(None, latency_s)


def _server_error(status: int) -> Result:
    message = "Internal server error" if status == 500 else "Service unavailable"
    return http_error(status, f"{message} (injected fault)")


def _check_setting(key: str, value: Any) -> Any:
    if key in _RATES:
        if not is_number(value) or not 0 <= value <= 1:
            raise ValueError(f"{key} must be a number from 0 to 1")
        return float(value)
    if key == "latency_ms":
        if not is_number(value) or value < 0:
            raise ValueError("latency_ms must be a number >= 0")
        return value
    if key == "seed":
        if not is_whole(value):
            raise ValueError("seed must be an integer")
        return value
    if key == "rate_limit":
        return _check_rate_limit(value)
    raise ValueError(f"unknown fault setting {key!r}")


def _check_rate_limit(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"every", "burst", "retry_after"}:
        raise ValueError('rate_limit must be null or {"every": N, "burst": K, "retry_after": S}')
    limit = {"every": None, "burst": 1, "retry_after": 1, **value}
    for name in ("every", "burst"):
        if not is_whole(limit[name]) or limit[name] < 1:
            raise ValueError(f"rate_limit.{name} must be an integer >= 1")
    if not is_number(limit["retry_after"]) or limit["retry_after"] < 0:
        raise ValueError("rate_limit.retry_after must be a number of seconds >= 0")
    return limit
