"""Shared fixtures (the seed corpus, a fast hashing-encoder index, a CLI runner) and the test
tiers: plain `pytest` runs the fast tier; `pytest --all` adds the tests marked with one of
FULL_ONLY (real model, browser, crash, fuzz, load, Ray), as CI does."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from service import Article, NewsIndex, Settings
from service.cli import main
from service.ingest import collect_articles

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data"
FAKE_MODEL = "hashing-64"
# what a reader of the seeds asks: the questions the local and Ray indexes must answer alike
SEED_QUESTIONS = [
    "what did Blinken tell Abbas",
    "what did Biden say about the violence ending",
    "who is the Pentagon spokesman",
    "Eid al Fitr",
    "Hady Amr",
    "how many people were killed in Gaza",
    "rockets fired by Hamas at Israel",
    "what did Netanyahu say",
    "ceasefire talks with Egypt",
    "Iron Dome interceptions",
]
# the result shape shared by `ask --json` and the HTTP API
RESULT_FIELDS = {
    "rank",
    "score",
    "text",
    "doc_id",
    "source",
    "title",
    "date",
    "paragraph",
    "start",
    "end",
}


FULL_ONLY = ("model", "web", "crash", "fuzz", "load", "ray")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all",
        action="store_true",
        help="run the full suite, with the tests marked " + ", ".join(FULL_ONLY),
    )


def _chosen_explicitly(config: pytest.Config) -> bool:
    """Paths or a marker expression on the command line choose the tests themselves."""
    named_paths = config.args_source == pytest.Config.ArgsSource.ARGS
    return named_paths or bool(config.getoption("-m"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--all") or _chosen_explicitly(config):
        return
    slow = [i for i in items if any(i.get_closest_marker(m) for m in FULL_ONLY)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if i not in set(slow)]


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("--all") or _chosen_explicitly(config):
        return None
    return "fast tier: tests marked " + ", ".join(FULL_ONLY) + " are left out (pytest --all)"


def require_ray() -> Any:
    """The ray module; the Ray tests skip without the extra, except in CI, which installs it."""
    if os.environ.get("CI") and importlib.util.find_spec("ray") is None:
        raise RuntimeError("CI must install the ray extra for the Ray tests")
    return pytest.importorskip("ray", reason="the ray extra is not installed")


# The quick tests leave out finding quotes (a spaCy parse of every article); the tests of who
# said what, the README's run and the system tests keep it on (tests/test_quotes*.py).
NLP_OFF = "off"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Runs `newsearch ARGS` in-process from the repository root with the fake model."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NEWSEARCH_MODEL", FAKE_MODEL)
    monkeypatch.setenv("NEWSEARCH_NLP", NLP_OFF)
    monkeypatch.delenv("NEWSEARCH_SERVER", raising=False)
    monkeypatch.delenv("NEWSEARCH_INDEX_DIR", raising=False)

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    articles, skipped, _ = collect_articles([SEEDS], ROOT)
    assert not skipped
    return articles


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)


@pytest.fixture
def seeded(settings: Settings, seed_articles: list[Article]) -> Iterator[NewsIndex]:
    """A writable hashing-encoder index of the five seeds."""
    index = NewsIndex.open(settings, writable=True, create=True)
    index.add_articles(seed_articles)
    yield index
    index.close()


def copy_seeds(dest: Path) -> Path:
    shutil.copytree(SEEDS, dest)
    return dest


CLUSTERED_DIM = 64


@pytest.fixture(scope="session")
def clustered() -> tuple[np.ndarray, np.ndarray]:
    """20,000 unit vectors around 400 topics, as real passage embeddings cluster (ids 1..n)."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(400, CLUSTERED_DIM))
    noise = 0.35 * rng.normal(size=(20_000, CLUSTERED_DIM))
    vecs = centres[rng.integers(0, 400, 20_000)] + noise
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return np.arange(1, 20_001, dtype=np.int64), vecs.astype(np.float32)
