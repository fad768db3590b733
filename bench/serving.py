"""What the HTTP layer costs: the same hybrid searches in-process and through a real `newsearch
serve` on loopback, over one index, in one run, as ratios (issue #20's HTTP rows).

    .venv/bin/python bench/serving.py [--index-dir DIR | --passages 100000] [--queries 300]
                                      [--clients 8] [--data ../shared/data] [--out FILE]

1 client: p50 of HTTP ÷ p50 in-process (each call waits for the last).
N clients: HTTP searches/s ÷ in-process searches/s with N threads calling NewsIndex.search,
as the server's N worker threads do.
Both sides ask the same questions, each new to its own process (the server and this process
have separate caches), after the same warm-up. The load generator is a bare keep-alive
HTTP/1.1 client on asyncio streams: an httpx client spends as much CPU a request as a
small server, and on two cores that CPU is taken from the server being measured.
Without --index-dir a news archive of --passages paragraphs is built first (bench/run.py's
article_texts; real model, quote finding off), which takes a while: pass --index-dir to reuse.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import Questions, big_corpus, pct  # noqa: E402

from service import NewsIndex, SearchRequest, Settings  # noqa: E402
from tests.server_helpers import running_server  # noqa: E402


def in_process(index: NewsIndex, questions: list[str], clients: int) -> Run:
    """Milliseconds per search and seconds in all with `clients` threads, closed loop."""
    queue = list(questions)
    lock = threading.Lock()
    timings: list[float] = []

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                q = queue.pop()
            started = time.perf_counter()
            index.search(SearchRequest(q, k=10))
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, time.perf_counter() - started


Run = tuple[list[float], float]  # milliseconds of each search, seconds of the whole run


def summary(*runs: Run) -> dict[str, Any]:
    timings = [t for run in runs for t in run[0]]
    return {
        "searches": len(timings),
        "p50_ms": statistics.median(timings),
        "p99_ms": pct(timings, 99),
        "per_s": len(timings) / sum(run[1] for run in runs),
    }


async def over_http(url: str, questions: list[str], clients: int) -> Run:
    """The same searches as GET /search, `clients` keep-alive connections, closed loop."""
    parts = urlsplit(url)
    queue = list(questions)
    timings: list[float] = []
    failures: list[str] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while queue:
                q = queue.pop()
                target = "/search?" + urlencode({"q": q, "k": 10})
                started = time.perf_counter()
                writer.write(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                timings.append((time.perf_counter() - started) * 1000)
                if not head.startswith(b"HTTP/1.1 200"):
                    failures.append(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode())
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} searches failed over HTTP, e.g. {failures[0]}")
    return timings, seconds


def build(data: Path, passages: int, work: Path) -> Path:
    corpus = work / "archive.jsonl"
    big_corpus(data, corpus, passages)
    index_dir = work / "index"
    env = {**os.environ, "NEWSEARCH_NLP": "off"}
    command = [sys.executable, "-m", "service.cli", "index", str(corpus), "--index-dir"]
    subprocess.run([*command, str(index_dir)], check=True, env=env, cwd=ROOT)
    return index_dir


def ask_http(sock: socket.socket, netloc: str, q: str) -> float:
    """One GET /search on a kept-alive connection; its milliseconds."""
    target = "/search?" + urlencode({"q": q, "k": 10})
    started = time.perf_counter()
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {netloc}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    elapsed = (time.perf_counter() - started) * 1000
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"a search failed over HTTP: {head[:100]!r} {body[:200]!r}")
    return elapsed


def one_client(index: NewsIndex, url: str, questions: list[str]) -> tuple[list[float], ...]:
    """Each question in-process, then the same over HTTP, one after the other: the pairs
    share whatever else the machine is doing at that moment."""
    parts = urlsplit(url)
    local, remote = [], []
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        for q in questions:
            started = time.perf_counter()
            index.search(SearchRequest(q, k=10))
            local.append((time.perf_counter() - started) * 1000)
            remote.append(ask_http(sock, parts.netloc, q))
    return local, remote


def measure(index_dir: Path, questions: Questions, clients: int) -> dict[str, Any]:
    """Both sides open at once, asked alternately (1 client: question by question; N
    clients: blocks in the order in-process, HTTP, HTTP, in-process, so a drift in the
    machine's load falls on both)."""
    one = questions.take()
    blocks = [questions.take() for _ in range(2)]
    warm = questions.all[-20:]  # the model, the index's pages; not the measured questions
    out: dict[str, Any] = {}
    with (
        NewsIndex.open(Settings(index_dir=index_dir)) as index,
        running_server(index_dir, timeout=600) as server,
    ):
        out["passages"] = index.counts()[1]
        out["vectors"] = index.vectors.kind
        for q in warm:
            index.search(SearchRequest(q, k=10))
        asyncio.run(over_http(server.url, warm, 1))
        local, remote = one_client(index, server.url, one)
        out["in_process_1"] = summary((local, sum(local) / 1000))
        out["http_1"] = summary((remote, sum(remote) / 1000))
        first = in_process(index, blocks[0], clients)
        second = asyncio.run(over_http(server.url, blocks[0], clients))
        third = asyncio.run(over_http(server.url, blocks[1], clients))
        fourth = in_process(index, blocks[1], clients)
    out["in_process_n"] = summary(first, fourth)
    out["http_n"] = summary(second, third)
    out["p50_ratio_1"] = out["http_1"]["p50_ms"] / out["in_process_1"]["p50_ms"]
    out["throughput_ratio_n"] = out["http_n"]["per_s"] / out["in_process_n"]["per_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    questions = Questions(args.data / "realtimeqa-news", args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index_dir or build(args.data, args.passages, Path(tmp))
        out = measure(index_dir, questions, args.clients)
    print(f"{out['passages']:,} passages, {out['vectors']} vectors, hybrid searches, k=10")
    print(f"{'':<22}{'p50 ms':>9}{'p99 ms':>9}{'per s':>9}")
    for key, label in (
        ("in_process_1", "in-process, 1 client"),
        ("http_1", "HTTP, 1 client"),
        ("in_process_n", f"in-process, {args.clients} thr"),
        ("http_n", f"HTTP, {args.clients} clients"),
    ):
        row = out[key]
        print(f"{label:<22}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['per_s']:>9.1f}")
    print(f"HTTP p50 ÷ in-process p50, 1 client: {out['p50_ratio_1']:.3f} (target ≤ 1.2)")
    print(
        f"HTTP ÷ in-process searches/s, {args.clients} clients: "
        f"{out['throughput_ratio_n']:.3f} (target ≥ 0.85)"
    )
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
