"""IdTable: document id -> a few integers, for the millions of ids one indexing run may write,
in about 24 bytes an id (a Python dict of id strings costs 150 or more): ids are kept as
128-bit BLAKE2b digests in sorted numpy arrays, the latest in a small dict until enough have
come to merge them in. Two ids share a digest with odds of about n²/2¹²⁹: never, in practice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

MERGE_AT = 65_536  # ids held in the dict before they are merged into the arrays


def _key(doc_id: str) -> bytes:
    return hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class IdTable:
    """A map from id to `width` int64 values (one row), with get/set/contains by id."""

    def __init__(self, width: int = 1) -> None:
        self.width = width
        self._hi = np.zeros(0, dtype=np.uint64)  # first 8 bytes of each digest, sorted
        self._lo = np.zeros(0, dtype=np.uint64)  # the last 8, for the rare equal first halves
        self._rows = np.zeros((0, width), dtype=np.int64)
        self._recent: dict[bytes, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._hi) + sum(1 for k in self._recent if self._position(k) is None)

    def __contains__(self, doc_id: str) -> bool:
        return self.get(doc_id) is not None

    def get(self, doc_id: str) -> np.ndarray | None:
        """The id's row (a copy), or None."""
        key = _key(doc_id)
        row = self._recent.get(key)
        if row is None:
            at = self._position(key)
            row = self._rows[at] if at is not None else None
        return None if row is None else row.copy()

    def set(self, doc_id: str, row: Iterable[int]) -> None:
        values = np.fromiter(row, dtype=np.int64, count=self.width)
        self._recent[_key(doc_id)] = values
        if len(self._recent) >= MERGE_AT:
            self._merge()

    def _position(self, key: bytes) -> int | None:
        hi, lo = np.frombuffer(key, dtype=np.uint64)
        at = int(np.searchsorted(self._hi, hi))
        while at < len(self._hi) and self._hi[at] == hi:
            if self._lo[at] == lo:
                return at
            at += 1
        return None

    def _merge(self) -> None:
        """Folds the recent ids into the sorted arrays, a newer row replacing an older one."""
        keys = np.frombuffer(b"".join(self._recent), dtype=np.uint64).reshape(-1, 2)
        rows = np.stack(list(self._recent.values()))
        self._recent = {}
        hi = np.concatenate([self._hi, keys[:, 0]])
        lo = np.concatenate([self._lo, keys[:, 1]])
        merged = np.concatenate([self._rows, rows])
        # stable: of two equal keys the later (newer) sorts last and is the one kept
        order = np.lexsort((np.arange(len(hi)), lo, hi))
        hi, lo, merged = hi[order], lo[order], merged[order]
        last = np.ones(len(hi), dtype=bool)
        last[:-1] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        self._hi, self._lo, self._rows = hi[last], lo[last], merged[last]
