"""Pausing Python's cyclic garbage collector around bulk work.

Loading, fetching and planning allocate hundreds of thousands of long-lived, acyclic objects.
Each full pass of the cyclic collector rescans all of them while holding the GIL: a third of
the loader's time on 20,000 entities, and in the fetch whole seconds during which no answer
could be read. Reference counting still frees everything as usual; cycles made meanwhile wait
for the next pass after the pause.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
