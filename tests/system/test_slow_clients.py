"""Slow clients do not take the server down: 2,000 connections that send their request head a
line at a time (and never finish it) are each closed within the head timeout, while a normal
client's searches keep answering (p99 under a second); past the connection cap, new
connections get a 503 at once."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import build_seed_index
from tests.conftest import FAKE_MODEL
from tests.server_helpers import running_server

pytestmark = pytest.mark.load
SLOW = 2000
HEAD_TIMEOUT = 3.0


async def slow_client(host: str, port: int, closed: list[float]) -> None:
    """Sends a request head one line a second, never ending it; records how long the server
    let it stay."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        closed.append(-1.0)
        return
    try:
        writer.write(b"GET /search?q=Abbas HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while True:
            try:
                data = await asyncio.wait_for(reader.read(4096), timeout=1.0)
                if not data or reader.at_eof():
                    break
            except TimeoutError:
                writer.write(b"X-Slow: 1\r\n")  # one more header line, as a slowloris does
                await writer.drain()
            if time.monotonic() - started > 60:
                break
    except OSError:
        pass
    closed.append(time.monotonic() - started)
    writer.close()


async def normal_client(url: str, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            n += 1
            began = time.perf_counter()
            try:
                r = await http.get("/search", params={"q": f"Blinken Abbas {n % 50}", "k": 5})
                failures += r.status_code != 200
            except httpx.HTTPError:
                failures += 1
            latencies.append(time.perf_counter() - began)
            await asyncio.sleep(0.05)
    return latencies, failures


def test_slow_heads_are_closed_and_searches_go_on(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    args = ("--header-timeout", str(HEAD_TIMEOUT))
    with running_server(index_dir, *args, model=FAKE_MODEL) as server:
        port = int(server.url.rsplit(":", 1)[1])

        async def run() -> tuple[list[float], tuple[list[float], int]]:
            closed: list[float] = []
            slow = [
                asyncio.create_task(slow_client("127.0.0.1", port, closed)) for _ in range(SLOW)
            ]
            normal = asyncio.create_task(normal_client(server.url, HEAD_TIMEOUT * 3))
            await asyncio.gather(*slow)
            return closed, await normal

        closed, (latencies, failures) = asyncio.run(run())
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"\nslow clients: {SLOW} slow heads, closed after {min(closed):.1f}–{max(closed):.1f} s "
        f"(head timeout {HEAD_TIMEOUT:g} s); {len(latencies)} searches meanwhile, p50 "
        f"{statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, {failures} failed"
    )
    assert len(closed) == SLOW and min(closed) >= 0, "a slow client could not even connect"
    assert max(closed) <= HEAD_TIMEOUT + 3.0, max(closed)  # each closed within the timeout
    assert failures == 0 and p99 <= 1.0


def test_connections_past_the_cap_get_503_at_once(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    args = ("--max-connections", "20", "--header-timeout", "30")
    with running_server(index_dir, *args, model=FAKE_MODEL) as server:
        port = int(server.url.rsplit(":", 1)[1])

        async def run() -> list[bytes]:
            idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            answer = await asyncio.wait_for(reader.read(4096), timeout=5)
            for _, w in [*idle, (reader, writer)]:
                w.close()
            return [answer]

        (answer,) = asyncio.run(run())
        assert answer.startswith(b"HTTP/1.1 503") and b"too_many_connections" in answer
        time.sleep(0.5)
        with server.client() as http:  # once they are gone, the server answers as before
            assert http.get("/health").status_code == 200
