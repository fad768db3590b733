"""Exact vs approximate vector search at a million vectors: prints a table and writes JSON.

    .venv/bin/python bench/scale.py [--n 1000000] [--queries 500]
                                    [--out bench/results/scale.json]

The vectors: n synthetic 384-d unit vectors, each a real passage embedding (the realtimeqa-news
and SciFact passages of the default model, embedded here) plus Gaussian noise — paraphrases
around real topics, so the neighbourhoods look like a news archive's rather than uniform noise
(on which no index can do better than a scan). The queries: real questions of those sets,
embedded with the default encoder. Each configuration is built and searched in a fresh
process, so its RSS is its own: build time, recall@10 against the exact top 10, single-query
latency p50/p99 (what one search request does; query encoding excluded), and peak RSS. The
exact index is the baseline of every ratio."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
NOISE = 0.03  # per dimension: a synthetic vector keeps cosine ~0.86 to its real passage


def make_data(work: Path, n: int, queries: int, data: Path) -> None:
    from service.chunking import chunk
    from service.config import Settings
    from service.encoders import load_encoder
    from service.evaluate import iter_corpus, load_dataset

    settings = Settings()
    encoder = load_encoder(settings.model, settings.backend, settings.cache_dir)
    texts: list[str] = []
    questions: list[str] = []
    for name in ("realtimeqa-news", "scifact"):
        dataset = load_dataset(data / name)
        texts += [p.text for a in iter_corpus(dataset.corpus) for p in chunk(a, 180)]
        questions += list(dataset.queries.values())
    print(f"embedding {len(texts)} real passages and {queries} questions…", file=sys.stderr)
    centres = encoder.encode(texts)
    rng = np.random.default_rng(0)
    picked = rng.choice(len(questions), size=min(queries, len(questions)), replace=False)
    qvecs = encoder.encode([questions[i] for i in picked])
    out = np.lib.format.open_memmap(work / "vectors.npy", "w+", np.float32, (n, DIM))
    for begin in range(0, n, 100_000):
        end = min(begin + 100_000, n)
        block = centres[rng.integers(0, len(centres), end - begin)]
        block = block + NOISE * rng.standard_normal((end - begin, DIM), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[begin:end] = block
    out.flush()
    np.save(work / "queries.npy", qvecs.astype(np.float32))


def run_variant(work: Path, variant: str, nprobes: list[int]) -> dict[str, Any]:
    """One configuration in this (fresh) process."""
    from service.vectors import AnnPolicy, VectorIndex

    vecs = np.load(work / "vectors.npy", mmap_mode="r")
    queries = np.load(work / "queries.npy")
    ids = np.arange(1, len(vecs) + 1, dtype=np.int64)
    if variant == "exact":
        policy = AnnPolicy(threshold=10**12)
    else:
        policy = AnnPolicy(threshold=1, encoding=variant.split("-")[1])
    started = time.perf_counter()
    index = VectorIndex.build(ids, np.asarray(vecs), DIM, policy)
    build_s = time.perf_counter() - started
    truth = np.load(work / "truth.npy") if (work / "truth.npy").exists() else None
    rows = []
    for nprobe in nprobes if variant != "exact" else [0]:
        index.nprobe = nprobe
        latencies, found = [], []
        for q in queries[:20]:  # warm-up
            index.search(q, 10)
        for q in queries:
            began = time.perf_counter()
            hits = index.search(q, 10)
            latencies.append((time.perf_counter() - began) * 1000)
            found.append([i for i, _ in hits])
        if variant == "exact":
            np.save(work / "truth.npy", np.array(found, dtype=np.int64))
            recall = 1.0
        else:
            assert truth is not None
            recall = float(
                np.mean(
                    [len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]
                )
            )
        rows.append(
            {
                "nprobe": nprobe,
                "recall10": recall,
                "p50_ms": statistics.median(latencies),
                "p99_ms": statistics.quantiles(latencies, n=100)[98],
            }
        )
    # deletes at this scale: 10,000 ids removed (IVF removes in place; HNSW could not)
    started = time.perf_counter()
    index.remove(ids[::100][:10_000])
    delete_s = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "variant": variant,
        "kind": index.kind,
        "build_s": build_s,
        "delete_10k_s": delete_s,
        "peak_rss_mb": rss_mb,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--nprobe", type=int, action="append", default=None)
    args = parser.parse_args()
    nprobes = args.nprobe or [8, 16, 32, 64]
    if args.variant:
        print(json.dumps(run_variant(args.work, args.variant, nprobes)))
        return
    with tempfile.TemporaryDirectory(prefix="newsearch-scale-") as tmp:
        work = Path(tmp)
        make_data(work, args.n, args.queries, args.data)
        results = []
        for variant in ("exact", "ivf-Flat", "ivf-SQ8"):
            print(f"running {variant}…", file=sys.stderr)
            extra = [arg for p in nprobes for arg in ("--nprobe", str(p))]
            done = subprocess.run(
                [sys.executable, __file__, "--variant", variant, "--work", str(work), *extra],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    exact = results[0]
    base_p50 = exact["rows"][0]["p50_ms"]
    print(f"\n{args.n:,} vectors × {DIM}, {args.queries} real questions, k = 10, one query a call")
    print(
        f"{'index':<16} {'nprobe':>6} {'build s':>8} {'recall@10':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'vs exact':>8} {'RSS MB':>7} {'del 10k s':>9}"
    )
    for r in results:
        for row in r["rows"]:
            print(
                f"{r['kind'] + ' ' + r['variant'].split('-')[-1]:<16} {row['nprobe'] or '-':>6} "
                f"{r['build_s']:>8.1f} {row['recall10']:>9.3f} {row['p50_ms']:>7.2f} "
                f"{row['p99_ms']:>7.2f} {base_p50 / row['p50_ms']:>7.1f}x "
                f"{r['peak_rss_mb']:>7.0f} {r['delete_10k_s']:>9.2f}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"n": args.n, "dim": DIM, "results": results}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
