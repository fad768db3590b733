"""Memory at a million real-length passages: prints a line and writes JSON.

    .venv/bin/python bench/memory.py [--passages 1100000] [--out bench/results/memory.json]

Builds bench/run.py's synthetic news archive (2–4 real realtimeqa-news sentences a paragraph)
at --passages paragraphs and indexes it with `hashing-384`, a test encoder that makes
384-d unit vectors at almost no cost: the index (SQLite, FTS5, FAISS IVF) has exactly the
shape the default model gives it, only the vectors' meaning differs, which memory does not
see (who said what is off: spaCy over a million paragraphs would take hours). Not for search
speed: the hashing encoder's vectors crowd into a few IVF lists, which real ones do not
(bench/scale.py times search on real-model vectors). Then serves the index with `newsearch
serve` and reads the server's RSS after 200 searches, and times `newsearch ask` from a fresh
process three times (no model to load here, so this is the index's own share of a cold
start): first after the build, then with the files cached. The default size passes the
million from which the vectors are compressed. Embedding a million passages with the real
model would take about 90 minutes on 2 cores; this measures the rest in a few."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import big_corpus, queries_for, rss_kb  # noqa: E402

from service import NewsIndex, Settings  # noqa: E402
from service.attribution import OFF  # noqa: E402
from tests.server_helpers import running_server  # noqa: E402

MODEL = "hashing-384"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_100_000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "memory.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsearch-memory-") as tmp:
        work = Path(tmp)
        corpus = work / "archive.jsonl"
        big_corpus(args.data, corpus, args.passages)
        index_dir = work / "index"
        started = time.perf_counter()
        settings = Settings(index_dir=index_dir, model=MODEL, nlp=OFF)
        with NewsIndex.open(settings, writable=True, create=True) as index:
            report = index.index_files([corpus], work, bulk=True)  # as `newsearch index`
        build_s = time.perf_counter() - started
        questions = queries_for(args.data / "realtimeqa-news", 200)
        with NewsIndex.open(settings) as index:
            stats = index.stats()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSEARCH_")}
        env["NEWSEARCH_MODEL"] = MODEL
        # the first `ask` after the build finds the files partly out of the page cache; the
        # next ones show the start-up of a machine that has read the index before
        asks: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            ask = subprocess.run(
                [sys.executable, "-m", "service.cli", "ask", "what happened"]
                + ["--index-dir", str(index_dir)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            asks.append(time.perf_counter() - started)
        cold_s, warm_s = asks[0], min(asks[1:])
        with running_server(index_dir, model=MODEL, timeout=600) as server:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                for q in questions:
                    http.get("/search", params={"q": q, "k": 10})
            rss = rss_kb(server.proc.pid)
    result = {
        "passages": report.embedded,
        "index_seconds": build_s,
        "vector_search": stats.vector_search,
        "index_bytes": stats.size_bytes,
        "server_rss_kb": rss,
        "rss_kb_per_passage": rss / report.embedded,
        "cold_ask_s": cold_s,
        "warm_cache_ask_s": warm_s,
        "ask_ok": ask.returncode == 0,
    }
    print(
        f"{report.embedded:,} passages ({stats.vector_search}): index "
        f"{stats.size_bytes / 1e9:.2f} GB on disk, built in {build_s:.0f} s with {MODEL}; "
        f"server RSS {rss / 1024:.0f} MB "
        f"({rss / report.embedded:.2f} KB a passage) after 200 searches; `newsearch ask` from "
        f"a fresh process {cold_s:.2f} s first, {warm_s:.2f} s with the files in the page cache"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
