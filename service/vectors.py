"""FAISS wrapper (the only module that imports faiss): exact inner-product search over
normalised passage vectors keyed by their SQLite ids; atomic save, checked load."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from service.errors import IndexCorrupt

_REPAIR = "run `newsearch check --repair` to rebuild it from the database"


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - a broken install
        raise IndexCorrupt("vector search needs faiss: pip install faiss-cpu") from exc
    return faiss


class VectorIndex:
    """Exact search (IndexFlatIP inside an id map); ids are int64 passage ids."""

    def __init__(self, dim: int, index: Any = None) -> None:
        faiss = _faiss()
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
            self._index.add_with_ids(vecs, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def ids(self) -> np.ndarray:
        faiss = _faiss()
        ids: np.ndarray = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        return ids

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (id, cosine) for one normalised query; `allowed` restricts to those ids."""
        if len(self) == 0 or k <= 0:
            return []
        faiss = _faiss()
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
            k = min(k, len(allowed))
        scores, ids = self._index.search(q, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path) -> str:
        """Writes atomically (temp file, fsync, rename); returns the file's sha256."""
        faiss = _faiss()
        fd, tmp = tempfile.mkstemp(prefix=".vectors-", dir=path.parent)
        os.close(fd)
        try:
            faiss.write_index(self._index, tmp)
            with open(tmp, "rb+") as handle:
                digest = _sha256(handle)
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        fsync_dir(path.parent)
        return digest

    @classmethod
    def load(cls, path: Path, dim: int, expected_sha256: str) -> VectorIndex:
        """Loads only a file whose checksum matches the manifest, so FAISS never parses junk."""
        try:
            with open(path, "rb") as handle:
                digest = _sha256(handle)
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {path} ({exc.strerror}); {_REPAIR}") from exc
        if digest != expected_sha256:
            raise IndexCorrupt(f"{path} does not match its checksum in the manifest; {_REPAIR}")
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorrupt(f"{path} is not a FAISS index ({exc}); {_REPAIR}") from exc
        if index.d != dim:
            raise IndexCorrupt(f"{path} holds {index.d}-d vectors, expected {dim}; {_REPAIR}")
        return cls(dim, index)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return _sha256(handle)


def _sha256(handle: Any) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
