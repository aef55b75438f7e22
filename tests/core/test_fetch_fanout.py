"""The fetch's event loop: a failure anywhere ends the fetch with that failure."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from pwconf.api.pushwoosh import Read
from pwconf.fetch import LiveState, Scope, _Converter, _Fanout


class _Client:
    """Answers "tags" with six tags at once, and "slow" after `delay_steps` loop turns."""

    def __init__(self, delay_steps: int) -> None:
        self.delay_steps = delay_steps

    def async_connection(self) -> SimpleNamespace:
        async def aclose() -> None:
            pass

        return SimpleNamespace(post=None, aclose=aclose)

    async def read_async(self, method: str, fields: dict, post: object) -> SimpleNamespace:
        if method == "slow":
            for _ in range(self.delay_steps):
                await asyncio.sleep(0)
        rows = [{"name": name, "type": 2} for name in "abcdef"] if method == "tags" else []
        return SimpleNamespace(response={"rows": rows})


def _fetch(delay_steps: int) -> None:
    def decide(entity, view) -> None:
        time.sleep(0.002)  # longer than a slice: one entity a turn
        if entity.name == "c":
            raise RuntimeError("deciding c failed")

    rows = _Converter(LiveState(), Scope(), decide)
    fanout = _Fanout(_Client(delay_steps), 2, None, rows)  # type: ignore[arg-type]

    def start() -> None:
        rows.start()
        keep_tags = lambda found: rows.add("tag", None, found)  # noqa: E731
        fanout.submit(Read("tags", {}, lambda r: r["rows"]), keep_tags)
        fanout.submit(Read("slow", {}, lambda r: []), lambda found: None)

    asyncio.run(fanout.run(start))
    rows.entities()


@pytest.mark.parametrize("delay_steps", range(8))
def test_a_failed_decision_fails_the_fetch_whenever_the_last_answer_comes(delay_steps: int):
    with pytest.raises(RuntimeError, match="deciding c failed"):
        _fetch(delay_steps)
