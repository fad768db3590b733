"""glibc's malloc tuned (service.heap): `newsearch serve` keeps to a few malloc heaps, so a
server's RSS does not creep with its worker threads (an operator's MALLOC_ARENA_MAX is left
alone), and the free pages an ingest leaves inside the heap go back before a rebuild."""

from __future__ import annotations

import ctypes.util
import platform
from pathlib import Path

import pytest

from service.heap import limit_malloc_arenas, release_free_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_server_limits_malloc_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert ctypes.util.find_library("c") and limit_malloc_arenas() is True


def test_an_operators_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def _anon_kib() -> int:
    lines = Path("/proc/self/status").read_text().splitlines()
    status = dict(line.split(":", 1) for line in lines)
    return int(status["RssAnon"].split()[0])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_free_memory_between_live_pieces_goes_back_to_the_system() -> None:
    # 64 MB in 8 KB pieces (below glibc's mmap threshold: they come from the heap), then
    # every piece freed but one in 64: the heap cannot shrink, its free pages can go
    pieces = [bytes(8192) for _ in range(8192)]
    kept = pieces[::64]
    del pieces
    before = _anon_kib()
    assert release_free_memory() is True
    assert before - _anon_kib() > 32 * 1024
    assert len(kept) == 128
