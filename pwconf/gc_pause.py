"""Pausing Python's cyclic garbage collector around bulk work.

Loading, fetching and planning allocate hundreds of thousands of long-lived, acyclic objects.
Each full pass of the cyclic collector rescans all of them while holding the GIL: a third of
the loader's time on 20,000 entities, and in the fetch whole seconds during which no answer
could be read. Reference counting still frees everything as usual.

Leaving the outermost pause freezes what exists (`gc.freeze`): otherwise the first allocation
after it starts a pass over everything the pause let pile up (0.5 s after a 100,000-entity
fetch), to find no garbage: those objects live until the command ends. The price is that
cycles made during the pause are never collected.
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
            gc.freeze()
            gc.enable()
