"""Exact vs approximate vector search at a million vectors: prints a table and writes JSON.

    .venv/bin/python bench/scale.py [--n 1000000] [--queries 500] [--variants exact,ivf-PQ48]
                                    [--out bench/results/scale.json]

The vectors: n synthetic 384-d unit vectors, each a real passage embedding (the realtimeqa-news
and SciFact passages of the default model, embedded here) plus Gaussian noise — paraphrases
around real topics, so the neighbourhoods look like a news archive's rather than uniform noise
(on which no index can do better than a scan). The queries: real questions of those sets,
embedded with the default encoder. Each configuration is built and searched in a fresh
process, so its RSS is its own: build time, recall@10 against the exact top 10 (computed
apart, a block of vectors at a time), single-query latency p50/p99 (what one search request
does; query encoding excluded), the index's size and peak RSS. Compressed codes (SQ8, PQ…)
score their top 200 again with the full vectors, read from a SQLite table by id as the index
reads them. The first variant is the baseline of every ratio."""

from __future__ import annotations

import argparse
import json
import sqlite3
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
EXACT_QUERIES = 100  # the flat scan's latency needs no more (its top 10s are computed apart)
VARIANTS = "exact,ivf-Flat,ivf-SQ8,ivf-PQ48,ivf-PQ96"


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
    # where compressed codes' candidates read their full vectors: a SQLite table keyed by id,
    # read with the query the index's Store uses (a warm page cache, as on a server)
    db = sqlite3.connect(work / "vectors.db")
    db.execute("CREATE TABLE passages (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)")
    for begin in range(0, n, 100_000):
        block = out[begin : begin + 100_000]
        db.executemany(
            "INSERT INTO passages VALUES (?, ?)",
            ((begin + i + 1, row.tobytes()) for i, row in enumerate(block)),
        )
        db.commit()
    db.close()
    # the exact top 10 of every question, one block of vectors at a time (no index, no copy
    # of every vector: at 10M a flat index would not leave room for anything else)
    best = np.zeros((len(qvecs), 0), np.int64), np.zeros((len(qvecs), 0), np.float32)
    for begin in range(0, n, 500_000):
        scores = qvecs @ np.asarray(out[begin : begin + 500_000]).T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        ids = np.concatenate([best[0], top + begin + 1], axis=1)
        vals = np.concatenate([best[1], np.take_along_axis(scores, top, axis=1)], axis=1)
        keep = np.argsort(-vals, axis=1)[:, :10]
        best = np.take_along_axis(ids, keep, axis=1), np.take_along_axis(vals, keep, axis=1)
    np.save(work / "truth.npy", best[0])


def stored_reader(work: Path) -> Any:
    db = sqlite3.connect(work / "vectors.db")

    def read(ids: list[int]) -> dict[int, np.ndarray]:
        rows = db.execute(
            "SELECT id, embedding FROM passages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchall()
        matrix = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(-1, DIM)
        return {pid: matrix[n] for n, (pid, _) in enumerate(rows)}

    return read


def run_variant(work: Path, variant: str, nprobes: list[int]) -> dict[str, Any]:
    """One configuration in this (fresh) process."""
    from service.vectors import AnnPolicy, VectorIndex

    vecs = np.load(work / "vectors.npy", mmap_mode="r")
    queries = np.load(work / "queries.npy")
    ids = np.arange(1, len(vecs) + 1, dtype=np.int64)
    if variant == "exact":
        policy = AnnPolicy(threshold=10**12)
    else:
        codes = variant.split("-")[1]
        policy = AnnPolicy(threshold=1, encoding=codes, compressed=codes)
    started = time.perf_counter()
    index = VectorIndex.build_from(ids, vecs.__getitem__, DIM, policy)
    build_s = time.perf_counter() - started
    saved = work / f"{variant}.faiss"
    index.save(saved)
    index_mb = saved.stat().st_size / 1e6
    saved.unlink()
    stored = None
    if not index.exact:
        # a server that has run a while has the vectors' pages cached: read the file through
        # once, so the first nprobe's row does not pay for a cold cache and the next not
        with (work / "vectors.db").open("rb") as db:
            while db.read(1 << 24):
                pass
        stored = stored_reader(work)
    truth = np.load(work / "truth.npy")
    rows = []
    for nprobe in nprobes if variant != "exact" else [0]:
        index.nprobe = nprobe
        latencies, found = [], []
        asked = queries if variant != "exact" else queries[:EXACT_QUERIES]
        for q in asked[:20]:  # warm-up
            index.search(q, 10, stored=stored)
        for q in asked:
            began = time.perf_counter()
            hits = index.search(q, 10, stored=stored)
            latencies.append((time.perf_counter() - began) * 1000)
            found.append([i for i, _ in hits])
        recall = float(
            np.mean(
                [len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=False)]
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
    # this process's own high-water mark (ru_maxrss would carry the parent's over the exec)
    status = Path("/proc/self/status").read_text()
    rss_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
    return {
        "variant": variant,
        "kind": index.kind,
        "build_s": build_s,
        "delete_10k_s": delete_s,
        "peak_rss_mb": rss_mb,
        "index_mb": index_mb,
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
    parser.add_argument(
        "--variants", default=VARIANTS, help=f"comma-separated, of {VARIANTS} (and other codes)"
    )
    args = parser.parse_args()
    nprobes = args.nprobe or [8, 16, 32, 64]
    if args.variant:
        print(json.dumps(run_variant(args.work, args.variant, nprobes)))
        return
    with tempfile.TemporaryDirectory(prefix="newsearch-scale-") as tmp:
        work = Path(tmp)
        make_data(work, args.n, args.queries, args.data)
        results = []
        for variant in args.variants.split(","):
            print(f"running {variant}…", file=sys.stderr)
            extra = [arg for p in nprobes for arg in ("--nprobe", str(p))]
            done = subprocess.run(
                [sys.executable, __file__, "--variant", variant, "--work", str(work), *extra],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base_p50 = results[0]["rows"][0]["p50_ms"]
    print(f"\n{args.n:,} vectors × {DIM}, {args.queries} real questions, k = 10, one query a call")
    print(
        f"{'index':<18} {'nprobe':>6} {'build s':>8} {'recall@10':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'vs first':>8} {'index MB':>8} {'peak RSS':>8} {'del 10k s':>9}"
    )
    for r in results:
        for row in r["rows"]:
            print(
                f"{r['kind']:<18} {row['nprobe'] or '-':>6} "
                f"{r['build_s']:>8.1f} {row['recall10']:>9.3f} {row['p50_ms']:>7.2f} "
                f"{row['p99_ms']:>7.2f} {base_p50 / row['p50_ms']:>7.1f}x "
                f"{r['index_mb']:>8.0f} {r['peak_rss_mb']:>8.0f} {r['delete_10k_s']:>9.2f}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"n": args.n, "dim": DIM, "results": results}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
