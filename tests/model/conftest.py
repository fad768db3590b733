"""The real model on the real seeds, built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service import NewsIndex, Settings
from service.ingest import collect_articles
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(index_dir=tmp_path_factory.mktemp("model") / "idx")


@pytest.fixture(scope="session")
def model_index(model_settings: Settings) -> Iterator[NewsIndex]:
    articles, _, _ = collect_articles([SEEDS], ROOT)
    index = NewsIndex.open(model_settings, writable=True, create=True)
    index.add_articles(articles)
    index.flush()
    yield index
    index.close()


@pytest.fixture(scope="session")
def model_index_dir(model_index: NewsIndex) -> Path:
    return model_index.index_dir
