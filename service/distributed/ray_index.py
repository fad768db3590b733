"""`newsearch index --ray`: Ray Data reads, cleans and chunks the work units in parallel tasks,
then embeds them with map_batches on a pool of actors (the model loaded once per actor, on CPU
or GPU); this process stays the index's single writer and commits each unit, in input order,
through the same IndexRun as the local path. Units, their encoder calls and the commit rules
are the local ones, so both paths build the same index (tests/test_ray.py compares them)."""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.distributed import ClusterError, connect, import_ray, quiet_ray_logs
from service.errors import NewsearchError
from service.ingest import Skipped, discover, plan_units
from service.ingest.units import UNIT_BYTES, Unit
from service.newsindex import NewsIndex
from service.pipeline import PreparedUnit, embed_unit, prepare_unit
from service.reports import AddReport, IndexProgress
from service.store import HeldSnapshot


@dataclass(frozen=True)
class RayOptions:
    address: str = "auto"
    actors: int | None = None  # default: as many as the cluster's CPUs (or GPUs) allow
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    unit_bytes: int = UNIT_BYTES
    follow_links: bool = False  # as NewsIndex.index_files
    keep_non_articles: bool = False  # as NewsIndex.index_files


@dataclass(frozen=True)
class RayTimings:
    """Where the time of the last run went (for bench/)."""

    units: int
    seconds: float
    commit_seconds: float
    first_unit_seconds: float  # start-up: the actors load the model before the first unit


last_timings: RayTimings | None = None


def index_with_ray(
    index: NewsIndex,
    paths: list[Path],
    root: Path,
    options: RayOptions,
    *,
    progress: IndexProgress | None = None,
) -> AddReport:
    global last_timings
    left: list[Skipped] = []  # links out of a folder, FIFOs, devices: as index_files
    files = discover(paths, follow_links=options.follow_links, skipped=left)
    units = plan_units(files, options.unit_bytes)
    started_here = connect(options.address)
    ray = import_ray()
    oracle = None
    try:
        _ = index.encoder  # checks the model against the index before any actor starts
        oracle = _hash_snapshot(ray, index)
        run = index.start_run()
        run.started = time.perf_counter()
        if progress:
            progress.start_input(sum(u.size for u in units))
        commit_seconds = 0.0
        first_unit = 0.0
        for prepared, vecs in _embedded_units(index, units, root, oracle, options):
            began = time.perf_counter()
            first_unit = first_unit or began - run.started
            run.commit(prepared, vecs)
            commit_seconds += time.perf_counter() - began
            if progress:
                progress.advance_input(prepared.size, len(vecs))
        if progress:
            progress.finish()
        report = run.finish()
        report.skipped[:0] = left
        last_timings = RayTimings(len(units), report.seconds, commit_seconds, first_unit)
        return report
    except NewsearchError:
        raise
    except ray.exceptions.RayError as exc:
        raise ClusterError(f"the Ray run failed: {_first_line(exc)}") from None
    finally:
        if oracle is not None:
            ray.kill(oracle)  # ends its read transaction, so the WAL can be checkpointed
        if started_here:
            ray.shutdown()


def _embedded_units(
    index: NewsIndex,
    units: list[Unit],
    root: Path,
    oracle: Any,
    options: RayOptions,
) -> Iterator[tuple[PreparedUnit, np.ndarray]]:
    if not units:
        return
    ray = import_ray()
    ray_data = importlib.import_module("ray.data")
    context = ray_data.DataContext.get_current()
    context.execution_options.preserve_order = True  # commits follow the input order
    context.enable_progress_bars = False  # ours counts passages; Ray's would count blocks
    quiet_ray_logs()
    settings = index.settings
    actors = min(options.actors or _default_actors(ray, options), len(units))
    items = [{"unit": json.dumps(u.to_dict())} for u in units]
    dataset = (
        ray_data.from_items(items, override_num_blocks=min(len(items), 4 * actors + 8))
        .map(
            _prepare,
            fn_kwargs={
                "root": str(root),
                "oracle": oracle,
                "max_words": settings.max_passage_words,
                "keep_non_articles": options.keep_non_articles,
            },
            # reading and chunking are light next to embedding: they take no CPU slot, so
            # the actors can fill every core
            num_cpus=0,
            compute=ray_data.TaskPoolStrategy(size=max(2, actors)),
        )
        .map_batches(
            Embedder,
            fn_constructor_kwargs={
                "model": settings.model,
                "backend": settings.backend,
                "cache_dir": str(settings.cache_dir),
                "batch_size": settings.batch_size,
                "threads": max(1, math.floor(options.cpus_per_actor)),
                "device": "cuda" if options.gpus_per_actor > 0 else "cpu",
            },
            batch_size=1,  # one unit per call: the unit is the encoder's input, as locally
            batch_format="numpy",
            compute=ray_data.ActorPoolStrategy(size=actors),
            num_cpus=options.cpus_per_actor,
            num_gpus=options.gpus_per_actor,
        )
    )
    dim = index.dim
    for row in dataset.iter_rows():
        prepared = PreparedUnit.loads(row["prepared"])
        vecs = np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, dim)
        yield prepared, vecs


def _default_actors(ray: Any, options: RayOptions) -> int:
    resources = ray.cluster_resources()
    if options.gpus_per_actor > 0:
        return max(1, int(resources.get("GPU", 0) // options.gpus_per_actor))
    return max(1, int(resources.get("CPU", 1) // options.cpus_per_actor))


class HashSnapshot:
    """The index's content hashes as the run found them, for the workers to skip unchanged
    articles: one SQLite read transaction held for the whole run (WAL keeps that snapshot
    while the writer commits), served by an actor on the writer's node, so no worker needs
    the file or a copy of the whole table."""

    def __init__(self, db_path: str) -> None:
        self.snapshot = HeldSnapshot(Path(db_path))

    def lookup(self, doc_ids: list[str]) -> dict[str, str]:
        return self.snapshot.hashes(doc_ids)


def _hash_snapshot(ray: Any, index: NewsIndex) -> Any:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    actor = (
        ray.remote(HashSnapshot)
        .options(
            num_cpus=0,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False),
        )
        .remote(str(index.files.db))
    )
    ray.get(actor.lookup.remote([]))  # the snapshot is taken before the first commit
    return actor


def _prepare(
    row: dict[str, Any], *, root: str, oracle: Any, max_words: int, keep_non_articles: bool
) -> dict[str, Any]:
    import ray

    unit = Unit.from_dict(json.loads(row["unit"]))
    prepared = prepare_unit(
        unit,
        Path(root),
        lambda ids: ray.get(oracle.lookup.remote(ids)),
        max_words,
        keep_non_articles,
    )
    return {"prepared": prepared.dumps()}


class Embedder:
    """A Ray actor: loads the model once, then embeds one unit per call."""

    def __init__(
        self,
        model: str,
        backend: str,
        cache_dir: str,
        batch_size: int,
        threads: int,
        device: str,
    ) -> None:
        from service.encoders import load_encoder

        self.encoder = load_encoder(model, backend, Path(cache_dir), threads=threads, device=device)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = []
        for data in batch["prepared"]:
            prepared = PreparedUnit.loads(data)
            vecs = embed_unit(prepared, self.encoder, self.batch_size)
            vectors.append(np.ascontiguousarray(vecs, dtype=np.float32).tobytes())
        return {"prepared": batch["prepared"], "vectors": np.array(vectors, dtype=object)}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
