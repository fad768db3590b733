"""`newsearch index --ray` on a local Ray cluster builds the very index the local path builds:
same documents, passages and ids, vectors within 1e-4, same top 10 for the seed questions."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from service import NewsIndex, SearchRequest, Settings
from service.maintenance import check
from service.reports import AddReport
from service.store import DB_NAME
from tests.conftest import ROOT, SEED_QUESTIONS, SEEDS, SHARED_DATA, require_ray

ray = require_ray()
from service.distributed import ray_index  # noqa: E402
from service.distributed.ray_index import RayOptions, index_with_ray  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.model]
RTQA = SHARED_DATA / "realtimeqa-news" / "corpus.jsonl.gz"
RTQA_PASSAGES = 3000


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, plus a few thousand realtimeqa-news paragraphs in one .jsonl file (cut into
    several units, so ranges of one file go to different workers) when the data is here."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SEEDS, root / "seeds")
    if RTQA.exists():
        with gzip.open(RTQA, "rb") as source, (root / "rtqa.jsonl").open("wb") as out:
            out.writelines(itertools.islice(source, RTQA_PASSAGES))
    return root


def build(index_dir: Path, corpus: Path, *, use_ray: bool) -> AddReport:
    settings = Settings(index_dir=index_dir)  # the default model and backend (int8 ONNX)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        if use_ray:
            return index_with_ray(index, [corpus], corpus, RayOptions(address="auto"))
        return index.index_files([corpus], corpus)


def table(index_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(index_dir / DB_NAME) as conn:
        return list(conn.execute(sql))


@pytest.fixture(scope="module")
def both(
    cluster: None, corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("indexes")
    local, on_ray = base / "local", base / "ray"
    build(local, corpus, use_ray=False)
    report = build(on_ray, corpus, use_ray=True)
    assert ray_index.last_timings is not None and ray_index.last_timings.units > 1
    assert len(report.added) == len(report.passages) and not report.skipped
    return local, on_ray


def test_same_documents_passages_and_ids(both: tuple[Path, Path]) -> None:
    local, on_ray = both
    docs = "SELECT doc_id, title, date, outlet, url, source_path, content_hash FROM documents"
    passages = "SELECT id, doc_id, paragraph, start, end, text FROM passages ORDER BY id"
    assert table(local, docs + " ORDER BY doc_id") == table(on_ray, docs + " ORDER BY doc_id")
    rows = table(local, passages)
    assert rows == table(on_ray, passages)
    expected = 64 + (RTQA_PASSAGES if RTQA.exists() else 0)
    assert len(rows) == expected


def test_vectors_equal_within_1e4(both: tuple[Path, Path]) -> None:
    local, on_ray = both
    sql = "SELECT id, embedding FROM passages ORDER BY id"
    a = np.stack([np.frombuffer(v, dtype=np.float32) for _, v in table(local, sql)])
    b = np.stack([np.frombuffer(v, dtype=np.float32) for _, v in table(on_ray, sql)])
    assert a.shape == b.shape and a.shape[1] == 384
    assert float(np.abs(a - b).max()) <= 1e-4


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_same_top_ten_for_every_seed_question(both: tuple[Path, Path], mode: str) -> None:
    answers = []
    for index_dir in both:
        with NewsIndex.open(Settings(index_dir=index_dir)) as index:
            answers.append(
                [
                    [
                        (h.doc_id, h.paragraph)
                        for h in index.search(SearchRequest(q, 10, mode)).results
                    ]
                    for q in SEED_QUESTIONS
                ]
            )
    assert answers[0] == answers[1]
    # (keyword mode returns only passages holding a query word: "Hady Amr" has fewer than 10)
    assert all(len(top) == 10 or (mode == "keyword" and top) for top in answers[0])


def test_incremental_rules_hold_on_ray(cluster: None, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    index_dir = tmp_path / "idx"
    first = build(index_dir, corpus, use_ray=True)
    assert len(first.added) == 5 and first.embedded == 64
    again = build(index_dir, corpus, use_ray=True)
    assert again.embedded == 0 and len(again.unchanged) == 5  # skipped before any embedding
    changed = corpus / "001_54e095bef68fefdb.txt"
    changed.write_text(changed.read_text() + "\n\nA new closing paragraph about the ceasefire.\n")
    third = build(index_dir, corpus, use_ray=True)
    assert third.updated == ["001_54e095bef68fefdb.txt"] and len(third.unchanged) == 4
    assert third.embedded == third.passages["001_54e095bef68fefdb.txt"]
    hits = table(index_dir, "SELECT count(*) FROM passages WHERE text LIKE '%new closing%'")
    assert hits == [(1,)]
    # the workers' read snapshot was released: the close folded the WAL and sealed the file
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["database_sha256"] and check(Settings(index_dir=index_dir)).ok


def test_cli_index_with_ray(cluster: None, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "idx"
    result = cli("index", "seeds", "--ray", "auto", "--index-dir", str(index_dir))
    assert result.code == 0, result.err
    assert "5 new" in result.out and "64 passages embedded" in result.out
    asked = cli("ask", "what did Blinken tell Abbas", "--index-dir", str(index_dir), "--json")
    assert asked.code == 0 and '"results"' in asked.out


def test_an_unreachable_cluster_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSEARCH_", "RAY_"))}
    for address, words in (("127.0.0.1:1", "cannot reach the Ray head"), ("nonsense", "HOST:PORT")):
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", "index", "seeds", "--ray", address]
            + ["--index-dir", str(index_dir)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1 and words in done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert not index_dir.exists()


def test_gpu_actors_need_a_gpu_runtime() -> None:
    """--ray-gpus-per-actor puts the encoder on CUDA; without onnxruntime-gpu (as here) the
    ONNX backend says what to install instead of silently running on the CPU."""
    import onnxruntime

    from service.encoders import load_encoder
    from service.errors import MissingDependency

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this machine has a CUDA runtime for ONNX")
    with pytest.raises(MissingDependency, match="onnxruntime-gpu"):
        load_encoder("all-MiniLM-L6-v2", "onnx-int8", device="cuda")
