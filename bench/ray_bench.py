"""Local vs Ray indexing on this machine: prints a table and writes JSON.

    .venv/bin/python bench/ray_bench.py [--data ../shared/data] [--cpus 2]
                                        [--out bench/results/ray.json]

Indexes the realtimeqa-news passages (written out as one .jsonl file, cut into work units)
into a fresh index four times: locally and with `--ray` (a local cluster of --cpus CPUs,
one single-threaded embedding actor per CPU), each with the default model and with a
hashing encoder that costs almost nothing. The real model gives the throughput ratio; the
hashing runs isolate what Ray itself adds (scheduling, serialising a unit out to an actor
and back, the ordered hand-over to the writer): (Ray seconds - local seconds) / units."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import NewsIndex, Settings  # noqa: E402
from service.distributed import ray_index  # noqa: E402
from service.distributed.ray_index import RayOptions, index_with_ray  # noqa: E402
from service.ingest.units import UNIT_BYTES  # noqa: E402


def run(work: Path, corpus: Path, model: str, use_ray: bool, unit_bytes: int) -> dict[str, Any]:
    index_dir = work / f"{'ray' if use_ray else 'local'}-{model}"
    settings = Settings(index_dir=index_dir, model=model)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        _ = index.encoder  # loaded before the clock, as the CLI does
        started = time.perf_counter()
        if use_ray:
            options = RayOptions("auto", unit_bytes=unit_bytes)
            report = index_with_ray(index, [corpus], corpus.parent, options)
            timings = ray_index.last_timings
        else:
            report = index.index_files([corpus], corpus.parent, unit_bytes=unit_bytes)
            timings = None
        seconds = time.perf_counter() - started
    return {
        "path": "ray" if use_ray else "local",
        "model": model,
        "passages": report.embedded,
        "seconds": seconds,
        "per_s": report.embedded / seconds,
        "units": timings.units if timings else None,
        "commit_s": timings.commit_seconds if timings else None,
        "first_unit_s": timings.first_unit_seconds if timings else None,
        "unit_bytes": unit_bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--unit-bytes", type=int, default=UNIT_BYTES, help="work-unit size (default: the CLI's)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ray.json")
    args = parser.parse_args()
    source = args.data / "realtimeqa-news" / "corpus.jsonl.gz"
    if not source.exists():
        sys.exit(f"no {source}")
    import ray

    work = Path(tempfile.mkdtemp(prefix="newsearch-ray-bench-"))
    try:
        corpus = work / "rtqa.jsonl"
        with gzip.open(source, "rb") as fin, corpus.open("wb") as fout:
            shutil.copyfileobj(fin, fout)
        started = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        cluster_s = time.perf_counter() - started
        rows = []
        for model in ("all-MiniLM-L6-v2", "hashing-384"):
            for use_ray in (False, True):
                rows.append(run(work, corpus, model, use_ray, args.unit_bytes))
        ray.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by = {(r["model"], r["path"]): r for r in rows}
    fast_ray, fast_local = by[("hashing-384", "ray")], by[("hashing-384", "local")]
    units = fast_ray["units"]
    # after start-up (actors up, first unit back), what each further unit costs on Ray
    # beyond the same unit done locally
    steady = (fast_ray["seconds"] - fast_ray["first_unit_s"]) / max(units - 1, 1)
    overhead_ms = (steady - fast_local["seconds"] / units) * 1000
    real = (by[("all-MiniLM-L6-v2", "ray")], by[("all-MiniLM-L6-v2", "local")])
    real_ratio = real[0]["per_s"] / real[1]["per_s"]
    print(
        f"realtimeqa-news, {rows[0]['passages']} passages in {units} units of "
        f"~{args.unit_bytes // 1024} KB; {args.cpus} CPUs"
    )
    print(
        f"{'model':<18} {'path':<6} {'seconds':>8} {'passages/s':>11} {'vs local':>9} "
        f"{'start-up s':>10}"
    )
    for r in rows:
        base = by[(r["model"], "local")]["per_s"]
        first = f"{r['first_unit_s']:.2f}" if r["first_unit_s"] is not None else "-"
        print(
            f"{r['model']:<18} {r['path']:<6} {r['seconds']:>8.2f} {r['per_s']:>11.0f} "
            f"{r['per_s'] / base:>8.2f}x {first:>10}"
        )
    print(f"Ray overhead per unit after start-up (hashing encoder): {overhead_ms:.1f} ms")
    print(f"starting the local Ray cluster: {cluster_s:.1f} s (not in the rows above)")
    results = {
        "cpus": args.cpus,
        "rows": rows,
        "ray_vs_local_default_model": real_ratio,
        "ray_overhead_ms_per_unit": overhead_ms,
        "cluster_start_s": cluster_s,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
