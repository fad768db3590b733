"""A deterministic hashing encoder for fast tests of everything around a model."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from service.analysis import words
from service.encoders.base import ProgressFn


class HashingEncoder:
    """Deterministic bag-of-words hashing into `dim` buckets (crc32, not the salted hash()).
    Shares words -> similar vectors, which is enough for tests of the plumbing around a model."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: ProgressFn | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in words(text):
                h = zlib.crc32(token.encode("utf-8"))
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else _unit(self.dim)
        if progress is not None:
            progress(len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        vec: np.ndarray = self.encode([text])[0]
        return vec

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)


def _unit(dim: int) -> np.ndarray:
    vec = np.zeros(dim, dtype=np.float32)
    vec[0] = 1.0
    return vec
