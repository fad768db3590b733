"""Bounded loopback load and soak: 16 concurrent clients run 10,000 searches while a writer adds
2,000 articles. Zero failed requests, p50/p99 reported, server RSS stable (end within 10% of
the value after warm-up). NEWSEARCH_LOAD_MODEL=all-MiniLM-L6-v2 runs it with the real model."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import build_seed_index
from tests.conftest import FAKE_MODEL
from tests.server_helpers import running_server

pytestmark = pytest.mark.load
CLIENTS = 16
SEARCHES = 10_000
ARTICLES = 2_000
WARMUP = 1_000
QUESTIONS = [
    "what did Blinken tell Abbas",
    "rockets fired at Jerusalem",
    "Hady Amr envoy",
    "ceasefire talks in Cairo",
    "what did Biden say about the violence ending",
    "Netanyahu call with Biden",
    "death toll in Gaza",
    "Eid al Fitr wishes",
]


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def test_load_and_soak(tmp_path: Path) -> None:
    model = os.environ.get("NEWSEARCH_LOAD_MODEL", FAKE_MODEL)
    index_dir = build_seed_index(tmp_path / "idx", model=model)
    with running_server(index_dir, model=model, timeout=300) as server:
        result = asyncio.run(drive(server.url, server.proc.pid))
    latencies, failures, rss_warm, rss_end, added, took = result
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"\nload ({model}): {len(latencies)} searches by {CLIENTS} clients + {added} articles "
        f"added in {took:.1f} s; {len(failures)} failed; search p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, {len(latencies) / took:.0f} searches/s; RSS after warm-up "
        f"{rss_warm / 1024:.0f} MB, at the end {rss_end / 1024:.0f} MB "
        f"({(rss_end / rss_warm - 1) * 100:+.1f} %)"
    )
    assert not failures, failures[:5]
    assert len(latencies) >= SEARCHES and added == ARTICLES
    assert rss_end <= rss_warm * 1.10


async def drive(url: str, pid: int) -> tuple[list[float], list[str], int, int, int, float]:
    latencies: list[float] = []
    failures: list[str] = []
    issued = 0
    rss_warm = 0
    added = 0
    limits = httpx.Limits(max_connections=CLIENTS + 2)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def client(n: int) -> None:
            nonlocal issued, rss_warm
            while issued < SEARCHES:
                issued += 1
                question = QUESTIONS[issued % len(QUESTIONS)] + f" {issued % 97}"
                started = time.perf_counter()
                try:
                    r = await http.get("/search", params={"q": question, "k": 10})
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[:100]}")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                latencies.append((time.perf_counter() - started) * 1000)
                if len(latencies) == WARMUP:
                    rss_warm = rss_kb(pid)

        async def writer() -> None:
            nonlocal added
            for batch in range(ARTICLES // 10):
                docs = [
                    {
                        "id": f"load-{batch}-{i}",
                        "outlet": f"Outlet {i}",
                        "text": f"Load article {batch}-{i}: envoys met in Cairo on day {batch}."
                        f"\nTalks on the ceasefire continued, officials said.",
                    }
                    for i in range(10)
                ]
                try:
                    r = await http.post("/documents", json=docs)
                    if r.status_code != 200:
                        failures.append(f"write {r.status_code} {r.text[:100]}")
                    else:
                        added += len(docs)
                except httpx.HTTPError as exc:
                    failures.append("write " + repr(exc))

        started = time.perf_counter()
        await asyncio.gather(writer(), *(client(n) for n in range(CLIENTS)))
        took = time.perf_counter() - started
    return latencies, failures, rss_warm, rss_kb(pid), added, took
