"""Truncate, zero and bit-flip the index files in 1,000 seeded ways: every damage is detected
with an error naming the file and a repair command, or the answers are exactly the same (the
damage hit nothing that matters). No segfault, no hang, no silently wrong answer."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from service import NewsIndex, Settings
from tests.api.conftest import build_seed_index
from tests.conftest import ROOT
from tests.system.crash_helpers import write_corpus

pytestmark = pytest.mark.crash
TRIALS = 1000


def test_every_damage_is_detected(tmp_path: Path) -> None:
    pristine = build_seed_index(tmp_path / "pristine")
    articles = write_corpus(tmp_path / "more.jsonl", 200, "v1")
    with NewsIndex.open(Settings(index_dir=pristine, model="hashing-64"), writable=True) as idx:
        idx.add_articles(articles.values())
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.system.corruption_worker",
            str(pristine),
            str(work),
            "20210512",
            str(TRIALS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"worker died ({run.returncode}): {run.stderr[-2000:]}"
    assert len(records) == TRIALS
    outcomes = Counter(r["outcome"] for r in records)
    by_file = Counter((r["file"], r["outcome"]) for r in records)
    print(f"corruption: {dict(outcomes)}; by file: {dict(by_file)}")
    bad = [r for r in records if r["outcome"] not in ("detected", "same answers")]
    assert not bad, bad[:5]
