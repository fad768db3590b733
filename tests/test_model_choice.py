"""Which model reads an index from the command line: the flag, else NEWSEARCH_MODEL, else the
model the index records (so an index built with another model needs no flag afterwards), else
the default for a new index."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import NewsIndex, Settings
from service.cli import build_parser
from service.cli.parser import settings_from
from service.config import DEFAULT_MODEL
from service.encoders.models import model_id, split_model_id
from service.opening import recorded_model


def settings_for(*argv: str) -> Settings:
    return settings_from(build_parser().parse_args(list(argv)))


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("NEWSEARCH_MODEL", "NEWSEARCH_BACKEND", "NEWSEARCH_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    index_dir = tmp_path / "idx"
    with NewsIndex.open(
        Settings(index_dir=index_dir, model="hashing-48"), writable=True, create=True
    ):
        pass
    return index_dir


def test_an_index_is_read_with_the_model_it_records(built: Path) -> None:
    assert recorded_model(built) == "hashing-48"
    settings = settings_for("ask", "q", "--index-dir", str(built))
    assert settings.model == "hashing-48"
    with NewsIndex.open(settings) as index:  # no mismatch
        assert index.model == "hashing-48"


def test_a_chosen_model_is_kept(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_for("ask", "q", "--index-dir", str(built), "--model", "hashing-8").model == (
        "hashing-8"
    )
    monkeypatch.setenv("NEWSEARCH_MODEL", "hashing-16")
    assert settings_for("ask", "q", "--index-dir", str(built)).model == "hashing-16"


def test_a_new_index_gets_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSEARCH_MODEL", raising=False)
    assert recorded_model(tmp_path / "none") is None
    assert settings_for("index", "seeds", "--index-dir", str(tmp_path / "none")).model == (
        DEFAULT_MODEL
    )


@pytest.mark.parametrize(
    ("name", "backend"),
    [
        (DEFAULT_MODEL, "onnx-int8"),
        (DEFAULT_MODEL, "onnx"),
        (DEFAULT_MODEL, "torch"),
        ("multilingual-e5-small", "onnx-int8"),
        ("/models/my+model", "onnx-int8"),
    ],
)
def test_a_model_id_splits_back_into_model_and_backend(name: str, backend: str) -> None:
    assert split_model_id(model_id(name, backend)) == (name, backend)
    assert split_model_id("hashing-48") == ("hashing-48", None)
