"""Pausing Python's cyclic garbage collector around work that allocates in bulk.

Loading the app or a 10,000-question bank creates objects by the hundred thousand. The
collector's automatic passes are triggered by allocations, and each older-generation pass
walks everything alive, again and again, while nothing becomes garbage yet; pausing it and
letting it run once afterwards does the same work once. Reference counting still frees
everything that is not part of a cycle while paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block; the collector's previous state after it
    (also when the block raises), so nesting and callers that disabled it are respected."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
