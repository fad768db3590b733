"""newsearch benchmarks: prints a table and writes JSON. Every speed comes with a ratio to a
baseline measured in the same run.

    .venv/bin/python bench/run.py [--data ../shared/data] [--out bench/results/latest.json]
                                  [--queries 200] [--skip-http] [--big 100000] [--only-big]
                                  [--only-ingest]

1. ingest: passages/s of the indexing pipeline (read -> chunk -> embed -> SQLite + FAISS) on
   realtimeqa-news and SciFact, next to raw SentenceTransformer.encode (PyTorch) and the raw
   default encoder (ONNX int8) on the same passages (--only-ingest runs just these rows);
2. query latency p50/p95/p99 and throughput in-process for each mode (grouping and highlight
   on), as a ratio to query encoding alone;
3. the same over HTTP against a real uvicorn on loopback, with 1, 8 and 16 concurrent clients;
4. cold start to first answer (`newsearch ask` in a fresh process) and server RSS per passage.
5. a 100k-passage news index (--big N; --only-big runs just it): ingest, in-process and HTTP
   latency per mode, cold start to first answer, server RSS per passage.
Each measured run asks questions not asked before in the run (fresh slices of the set), so
neither the query-vector LRU nor the keyword cache flatters it; SciFact's 300 wrap around.
The million-vector exact-vs-approximate runs are bench/scale.py."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import NewsIndex, SearchRequest, Settings  # noqa: E402
from service.chunking import chunk  # noqa: E402
from service.config import DEFAULT_MODEL  # noqa: E402
from service.encoders import load_encoder, resolve_model_path  # noqa: E402
from service.evaluate import iter_corpus, load_dataset  # noqa: E402
from service.search.highlight import best_sentences  # noqa: E402
from tests.server_helpers import running_server  # noqa: E402


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def ingest(name: str, data_dir: Path, work: Path, settings: Settings) -> dict[str, Any]:
    articles = list(iter_corpus(load_dataset(data_dir).corpus))
    texts = [p.text for a in articles for p in chunk(a, settings.max_passage_words)]
    # the baseline is the library call a user would write, at sentence-transformers' default
    # batch size, which was also its fastest here (2,000 news paragraphs: 240/s at 32, 231/s
    # at 8, 220/s at 64, 169/s at 128, 128/s at 1)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model_path(DEFAULT_MODEL), device="cpu")
    model.encode(texts[:64], normalize_embeddings=True)
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    torch_s = time.perf_counter() - started
    default = load_encoder(settings.model, settings.backend, settings.cache_dir)
    default.encode(texts[:64])
    started = time.perf_counter()
    default.encode(texts, batch_size=settings.batch_size)
    raw_s = time.perf_counter() - started
    index_dir = work / f"ingest-{name}"
    with NewsIndex.open(settings.with_(index_dir=index_dir), writable=True, create=True) as idx:
        idx.encoder.encode(texts[:64])  # same warm model as the raw runs
        started = time.perf_counter()
        idx.add_articles(articles)
        idx.flush()
        pipeline_s = time.perf_counter() - started
    n = len(texts)
    return {
        "dataset": name,
        "passages": n,
        "torch_encode_per_s": n / torch_s,
        "default_encode_per_s": n / raw_s,
        "pipeline_per_s": n / pipeline_s,
        "pipeline_vs_torch": torch_s / pipeline_s,
        "pipeline_overhead": pipeline_s / raw_s - 1,
        "index_dir": str(index_dir),
    }


def article_texts(data: Path, passages: int, rng: random.Random) -> Iterator[tuple[int, str]]:
    """(article number, text) of a news archive of `passages` paragraphs: each paragraph is
    2–4 sentences drawn from different realtimeqa-news paragraphs (real news prose, real names
    and numbers; the set has 5,010 paragraphs, too few alone), 10 paragraphs to an article."""
    sentences = [
        s.strip()
        for a in iter_corpus(load_dataset(data / "realtimeqa-news").corpus)
        for s in re.split(r"(?<=[.!?])\s+", a.text)
        if len(s.split()) >= 5
    ]
    for number in range(0, passages, 10):
        paragraphs = [
            " ".join(rng.sample(sentences, rng.randint(2, 4)))
            for _ in range(min(10, passages - number))
        ]
        yield number // 10, "\n\n".join(paragraphs)


def big_corpus(data: Path, path: Path, passages: int) -> None:
    """The archive of article_texts() as .jsonl, for the scale rows."""
    with path.open("w", encoding="utf-8") as out:
        for number, text in article_texts(data, passages, random.Random(0)):
            out.write(json.dumps({"id": f"big-{number}", "text": text}) + "\n")


def cold_start(index_dir: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "ask",
            "what happened",
            "--index-dir",
            str(index_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return time.perf_counter() - started


def scale_rows(args: argparse.Namespace, work: Path, settings: Settings) -> dict[str, Any]:
    corpus = work / "big.jsonl"
    big_corpus(args.data, corpus, args.big)
    index_dir = work / "big-index"
    with NewsIndex.open(settings.with_(index_dir=index_dir), writable=True, create=True) as idx:
        _ = idx.encoder
        started = time.perf_counter()
        report = idx.index_files([corpus], work)
    ingest_s = time.perf_counter() - started
    questions = Questions(args.data / "realtimeqa-news", args.queries)
    out: dict[str, Any] = {
        "passages": report.embedded,
        "ingest_per_s": report.embedded / ingest_s,
        "cold_start_s": cold_start(index_dir),
        "in_process": in_process(index_dir, settings, questions),
    }
    if not args.skip_http:
        out["http"] = []
        with running_server(index_dir, timeout=600) as server:
            for clients in (1, 8, 16):
                for mode in ("dense", "keyword", "hybrid"):
                    row = asyncio.run(http_load(server.url, questions.take(), clients, mode))
                    out["http"].append(row)
            out["server_rss_kb"] = rss_kb(server.proc.pid)
    return out


class Questions:
    """A dataset's test questions, handed out in fresh slices: each measured run asks
    questions the index has not seen (the query-vector LRU and the keyword cache would
    flatter repeats), wrapping around only when the set runs out (SciFact has 300)."""

    def __init__(self, data_dir: Path, size: int) -> None:
        data = load_dataset(data_dir)
        self.all = [data.queries[q] for q in sorted(data.queries)]
        self.size = size
        self.next = 0

    def take(self) -> list[str]:
        out = [self.all[(self.next + n) % len(self.all)] for n in range(self.size)]
        self.next += self.size
        return out


def queries_for(data_dir: Path, limit: int) -> list[str]:
    return Questions(data_dir, limit).take()


def in_process(index_dir: Path, settings: Settings, questions: Questions) -> list[dict[str, Any]]:
    rows = []
    with NewsIndex.open(settings.with_(index_dir=index_dir)) as index:
        encoder = index.encoder
        warm = questions.all[-5:]  # the model and index pages, not these questions' caches
        for q in warm:
            index.search(SearchRequest(q))
        timings = []
        for q in questions.take():
            started = time.perf_counter()
            encoder.encode([q])  # uncached: the baseline is encoding alone
            timings.append((time.perf_counter() - started) * 1000)
        encode_p50 = statistics.median(timings)
        for mode in ("dense", "keyword", "hybrid"):
            clear = getattr(encoder, "clear_cache", None)
            if clear:
                clear()
            asked = questions.take()
            timings = []
            started_all = time.perf_counter()
            for q in asked:
                started = time.perf_counter()
                index.search(SearchRequest(q, k=10, mode=mode))
                timings.append((time.perf_counter() - started) * 1000)
            rows.append(latency_row(mode, timings, time.perf_counter() - started_all, encode_p50))
        # The highlight step alone (issue: "measure the cost"), timed on the results of
        # hybrid searches made without it, as search() would run it on them.
        timings = []
        for q in questions.take():
            hits = index.search(SearchRequest(q, k=10, mode="hybrid", highlight=False)).results
            started = time.perf_counter()
            best_sentences(q, [h.text for h in hits], index.keywords.idf, index.encoder)
            timings.append((time.perf_counter() - started) * 1000)
        rows.append(latency_row("highlight", timings, sum(timings) / 1000, encode_p50))
    return rows


def latency_row(
    mode: str, timings: list[float], seconds: float, encode_p50: float
) -> dict[str, Any]:
    """Percentiles of per-call milliseconds, calls a second over `seconds`, and the p50 as a
    ratio to encoding the question alone."""
    return {
        "mode": mode,
        "p50_ms": statistics.median(timings),
        "p95_ms": pct(timings, 95),
        "p99_ms": pct(timings, 99),
        "qps": len(timings) / seconds,
        "encode_p50_ms": encode_p50,
        "p50_vs_encode": statistics.median(timings) / encode_p50,
    }


async def http_load(url: str, questions: list[str], clients: int, mode: str) -> dict[str, Any]:
    import httpx

    timings: list[float] = []
    failures = 0
    queue = list(questions)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def worker() -> None:
            nonlocal failures
            while queue:
                q = queue.pop()
                started = time.perf_counter()
                r = await http.get("/search", params={"q": q, "k": 10, "mode": mode})
                timings.append((time.perf_counter() - started) * 1000)
                failures += r.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        total = time.perf_counter() - started
    return {
        "mode": mode,
        "clients": clients,
        "p50_ms": statistics.median(timings),
        "p95_ms": pct(timings, 95),
        "p99_ms": pct(timings, 99),
        "qps": len(timings) / total,
        "failures": failures,
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--big", type=int, default=100_000, help="passages in the scale index (0: skip it)"
    )
    parser.add_argument("--only-big", action="store_true", help="run only the scale index rows")
    parser.add_argument("--only-ingest", action="store_true", help="run only the ingest rows")
    args = parser.parse_args()
    if not (args.data / "scifact").exists():
        sys.exit(f"no benchmark data in {args.data} (../shared/data)")
    settings = Settings()
    results: dict[str, Any] = {
        "settings": {"model": settings.model, "backend": settings.backend},
        "cpus": os.cpu_count(),
    }
    work = Path(tempfile.mkdtemp(prefix="newsearch-bench-"))
    try:
        if args.big and not args.only_ingest:
            big = results["scale"] = scale_rows(args, work, settings)
            print(f"\n5. a {big['passages']:,}-passage news index")
            print(f"ingest {big['ingest_per_s']:.0f} passages/s")
            print(f"cold start to first answer {big['cold_start_s']:.2f} s")
            print(f"{'mode':<8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'qps':>6}", end="")
            print(f" {'p50/encode':>10}")
            for row in big["in_process"]:
                print(
                    f"{row['mode']:<8} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} "
                    f"{row['p99_ms']:>7.1f} {row['qps']:>6.0f} {row['p50_vs_encode']:>9.2f}x"
                )
            for row in big.get("http", []):
                print(
                    f"HTTP {row['clients']:>2} clients {row['mode']:<8} p50 {row['p50_ms']:.1f} "
                    f"p99 {row['p99_ms']:.1f} ms, {row['qps']:.0f} qps, {row['failures']} failed"
                )
            if "server_rss_kb" in big:
                rss = big["server_rss_kb"]
                print(f"server RSS {rss / 1024:.0f} MB ({rss / big['passages']:.2f} KB/passage)")
        if args.only_big:
            save(args.out, results)
            return
        results["ingest"] = [
            ingest("realtimeqa-news", args.data / "realtimeqa-news", work, settings),
            ingest("scifact", args.data / "scifact", work, settings),
        ]
        print("\n1. ingest (passages/s)")
        print(
            f"{'dataset':<16} {'passages':>8} {'torch':>8} {'onnx raw':>9} {'pipeline':>9} "
            f"{'vs torch':>9} {'overhead':>9}"
        )
        for r in results["ingest"]:
            print(
                f"{r['dataset']:<16} {r['passages']:>8} {r['torch_encode_per_s']:>8.0f} "
                f"{r['default_encode_per_s']:>9.0f} {r['pipeline_per_s']:>9.0f} "
                f"{r['pipeline_vs_torch']:>8.2f}x {r['pipeline_overhead'] * 100:>8.1f}%"
            )
        if args.only_ingest:
            save(args.out, results)
            return

        results["in_process"] = {}
        print("\n2. in-process query latency (k=10, grouping and highlight on)")
        print(
            f"{'index':<16} {'mode':<8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'qps':>6} "
            f"{'p50/encode':>10}"
        )
        for r in results["ingest"]:
            rows = in_process(
                Path(r["index_dir"]), settings, Questions(args.data / r["dataset"], args.queries)
            )
            results["in_process"][r["dataset"]] = rows
            for row in rows:
                print(
                    f"{r['dataset']:<16} {row['mode']:<8} {row['p50_ms']:>7.1f} "
                    f"{row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} {row['qps']:>6.0f} "
                    f"{row['p50_vs_encode']:>9.2f}x"
                )

        rtqa = results["ingest"][0]
        index_dir = Path(rtqa["index_dir"])
        cold = cold_start(index_dir)
        results["cold_start_s"] = {
            "passages": rtqa["passages"],
            "seconds": cold,
        }
        print(f"\n4. cold start to first answer ({rtqa['passages']} passages): {cold:.2f} s")

        if not args.skip_http:
            questions = Questions(args.data / "realtimeqa-news", args.queries)
            questions.next = 4 * args.queries  # past those the in-process rows asked
            results["http"] = []
            with running_server(index_dir, timeout=300) as server:
                for clients in (1, 8, 16):
                    for mode in ("dense", "keyword", "hybrid"):
                        row = asyncio.run(http_load(server.url, questions.take(), clients, mode))
                        results["http"].append(row)
                rss = rss_kb(server.proc.pid)
            results["server_rss"] = {
                "kb": rss,
                "passages": rtqa["passages"],
                "kb_per_passage": rss / rtqa["passages"],
            }
            print("\n3. HTTP query latency, realtimeqa-news index (real uvicorn on loopback)")
            print(
                f"{'clients':>7} {'mode':<8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
                f"{'qps':>6} {'failed':>6}"
            )
            for row in results["http"]:
                print(
                    f"{row['clients']:>7} {row['mode']:<8} {row['p50_ms']:>7.1f} "
                    f"{row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} {row['qps']:>6.0f} "
                    f"{row['failures']:>6}"
                )
            print(f"server RSS {rss / 1024:.0f} MB for {rtqa['passages']} passages")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    save(args.out, results)


def save(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
