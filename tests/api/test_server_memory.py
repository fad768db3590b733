"""`newsearch serve` keeps glibc to a few malloc heaps (service.api.server), so a server's RSS
does not creep with its worker threads; an operator's MALLOC_ARENA_MAX is left alone."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from service.api.server import limit_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_server_limits_malloc_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert ctypes.util.find_library("c") and limit_malloc_arenas() is True


def test_an_operators_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
