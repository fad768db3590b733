"""What the search features cost: facets, date order, recency and pages, each as a ratio to a
plain hybrid search in the same run, on a dated news archive from many outlets.

    .venv/bin/python bench/features.py [--passages 100000] [--model MODEL] [--per-variant 200]

The archive (as bench/run.py's: paragraphs of 2-4 sentences from different realtimeqa-news
paragraphs, 10 to an article) gets a date over ten years and one of 40 outlets per article,
and is kept in bench/cache/ (built once: about 5 min at 100k with the default model). Every
variant asks the same questions, in turns question by question (so the machine's drift hits all
alike and no variant gets easier questions), with the query-vector and shingle caches emptied
before each search (so none is flattered by an earlier variant's work on the question) and the
keyword postings of its words read beforehand by an untimed search (so none pays for them)."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from run import article_texts  # noqa: E402  (bench/run.py: the same archive)

import service.search.searcher as searcher_module  # noqa: E402
from service import Filters, NewsIndex, SearchRequest, Settings  # noqa: E402
from service.search.grouping import shingles  # noqa: E402

# a plain search whose results do not carry their quotes and story: what those cost
BARE = "plain, results without quotes, story"
VARIANTS: dict[str, dict[str, Any]] = {
    "plain hybrid (k = 10)": {},
    "+ facets (outlets, dates by month)": {"facets": True},
    "sort = newest": {"sort": "newest"},
    "recency, half-life 365 days": {"recency": 365.0},
    "page 2 (offset 10)": {"offset": 10},
    "page 11 (offset 100)": {"offset": 100},
    "page 51 (offset 500)": {"offset": 500},
    "speaker = Trump (quotes filter)": {"filters": Filters(speaker="Trump")},
    "person = Obama (entity filter)": {"filters": Filters(person="Obama")},
    BARE: {},
}


annotate = searcher_module.annotate


def _skip(*args: Any) -> None:
    return None


def archive(data: Path, path: Path, passages: int) -> None:
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as out:
        for number, text in article_texts(data, passages, rng):
            year, month, day = (
                2012 + rng.randrange(10),
                1 + rng.randrange(12),
                1 + rng.randrange(28),
            )
            article = {
                "id": f"a-{number}",
                "text": text,
                "date": f"{year}-{month:02d}-{day:02d}",
                "outlet": f"Outlet {rng.randrange(40):02d}",
            }
            out.write(json.dumps(article) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--per-variant", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "features.json")
    args = parser.parse_args()
    if not (args.data / "realtimeqa-news").exists():
        sys.exit(f"no benchmark data in {args.data} (../shared/data)")
    settings = Settings().with_(model=args.model)
    cache = (
        ROOT / "bench" / "cache" / f"features-{args.passages}-{settings.model.replace('/', '_')}"
    )
    cache.mkdir(parents=True, exist_ok=True)
    index_dir = cache / "index"
    if not (index_dir / "newsearch.db").exists():
        source = cache / "archive.jsonl"
        archive(args.data, source, args.passages)
        started = time.perf_counter()
        with NewsIndex.open(settings.with_(index_dir=index_dir), writable=True, create=True) as ix:
            ix.index_files([source], cache)
        print(f"built {args.passages:,} passages in {time.perf_counter() - started:.0f} s")
    questions = [
        json.loads(line)["text"]
        for line in (args.data / "realtimeqa-news" / "queries.jsonl").open(encoding="utf-8")
    ]
    if len(questions) < args.per_variant + 10:
        sys.exit(f"{len(questions)} questions, {args.per_variant + 10} needed")
    timings: dict[str, list[float]] = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    with NewsIndex.open(settings.with_(index_dir=index_dir)) as index:
        for q in questions[-10:]:  # warm: the model, the index pages
            index.search(SearchRequest(q))
        for n, question in enumerate(questions[: args.per_variant]):
            index.search(SearchRequest(question))  # the question's words' postings, for all
            for name in names[n % len(names) :] + names[: n % len(names)]:  # each first in turn
                index.encoder.clear_cache()
                shingles.cache_clear()
                searcher_module.annotate = _skip if name == BARE else annotate
                started = time.perf_counter()
                index.search(SearchRequest(question, k=10, **VARIANTS[name]))
                timings[name].append((time.perf_counter() - started) * 1000)
        searcher_module.annotate = annotate
        stats = index.stats()
    plain = statistics.median(timings["plain hybrid (k = 10)"])
    rows = []
    print(
        f"{stats.passages:,} passages, {stats.documents:,} articles, {stats.vector_search} search"
    )
    print(f"{'variant':<38} {'p50 ms':>8} {'p95 ms':>8} {'÷ plain':>8}")
    for name, values in timings.items():
        p50 = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[-1]
        rows.append({"variant": name, "p50_ms": p50, "p95_ms": p95, "vs_plain": p50 / plain})
        print(f"{name:<38} {p50:>8.1f} {p95:>8.1f} {p50 / plain:>7.2f}×")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"passages": stats.passages, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
