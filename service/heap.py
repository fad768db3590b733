"""glibc's malloc, tuned where its defaults cost memory with no leak: several heaps for
threads that allocate at once (a server), and freed memory held back inside the heap (a long
ingest before a large rebuild). Nothing happens off glibc."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from typing import Any

_M_ARENA_MAX = -8  # glibc's mallopt() parameter number
SERVER_ARENAS = 2


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def limit_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """glibc gives threads that allocate at once their own heaps (up to eight a core), and
    memory freed in each stays with it: under many concurrent searches a server's RSS then
    creeps up with no leak. A few shared heaps keep it flat. Nothing is changed where
    MALLOC_ARENA_MAX is set (the operator's choice)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    mallopt = getattr(_libc(), "mallopt", None)
    return bool(mallopt and mallopt(_M_ARENA_MAX, arenas) == 1)


def release_free_memory() -> bool:
    """Hands the free pages inside the heaps back to the system. Memory an ingest freed in
    small pieces stays in the heap, between pieces still in use, and counts against the
    process until reused; a large allocation that follows (the rebuild of the vectors) would
    then come on top of it."""
    trim = getattr(_libc(), "malloc_trim", None)
    return bool(trim and trim(0))
