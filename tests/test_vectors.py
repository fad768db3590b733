from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.errors import IndexCorrupt
from service.vectors import VectorIndex


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_search_matches_brute_force_with_and_without_a_filter() -> None:
    vecs, queries = _unit(2000, 32, 1), _unit(20, 32, 2)
    ids = np.arange(10, 2010, dtype=np.int64)
    index = VectorIndex(32)
    index.add(ids, vecs)
    allowed = ids[::7]
    for q in queries:
        expected = ids[np.argsort(-(vecs @ q))[:10]]
        assert [i for i, _ in index.search(q, 10)] == list(expected)
        mask = np.isin(ids, allowed)
        sub = np.argsort(-(vecs[mask] @ q))[:10]
        assert [i for i, _ in index.search(q, 10, allowed)] == list(ids[mask][sub])


def test_remove_save_and_checked_load(tmp_path: Path) -> None:
    vecs = _unit(100, 16, 3)
    index = VectorIndex(16)
    index.add(np.arange(100, dtype=np.int64), vecs)
    index.remove([0, 1, 2])
    assert len(index) == 97 and 0 not in set(index.ids())
    digest = index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", 16, digest)
    assert [i for i, _ in loaded.search(vecs[5], 1)] == [5]
    with pytest.raises(IndexCorrupt, match="checksum"):
        VectorIndex.load(tmp_path / "v.faiss", 16, "0" * 64)
    with pytest.raises(IndexCorrupt, match="16"):
        VectorIndex.load(tmp_path / "v.faiss", 8, digest)
