from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service import NewsIndex, Settings
from service.ingest import collect_articles
from tests.conftest import FAKE_MODEL, NLP_OFF, ROOT, SEEDS
from tests.server_helpers import Server, running_server

BODY_LIMIT = 200_000


def build_seed_index(index_dir: Path, model: str = FAKE_MODEL, nlp: str | None = None) -> Path:
    """The seeds indexed; quotes found with the real model, or when `nlp` names a pipeline."""
    articles, _, _ = collect_articles([SEEDS], ROOT)
    settings = Settings(index_dir=index_dir, model=model)
    settings = settings.with_(nlp=nlp or (NLP_OFF if model == FAKE_MODEL else None))
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(articles)
    return index_dir


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real uvicorn over a hashing-encoder index of the seeds, shared by a test module."""
    index_dir = build_seed_index(tmp_path_factory.mktemp("api") / "idx")
    with running_server(index_dir, "--max-body-bytes", str(BODY_LIMIT), model=FAKE_MODEL) as s:
        yield s
