"""Helpers for processing a whole upload at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an upload is read, checked and saved.

    A 100,000-row sheet makes millions of objects that live until the import ends; the collector
    would walk them again and again (about a third of the read time of such a sheet) and find
    nothing to free. Reference counting still frees everything as usual. The collector is turned
    back on afterwards, unless it was already off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
