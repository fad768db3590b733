"""The Encoder protocol every runtime implements, and what they share: batching texts of
similar length, and a small cache of question vectors."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

import numpy as np

ProgressFn = Callable[[int], None]


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors of shape (n, dim)."""

    name: str
    dim: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: ProgressFn | None = None
    ) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        """A handful of short texts for one request (the highlight's sentences): the same
        vectors as encode(), without waiting for a long encode call (an ingest) to finish,
        and not kept in the query cache."""
        ...


TOKEN_BUDGET = 2048  # rough tokens per batch: long passages go in small batches


Item = TypeVar("Item", bound=Sized)  # a text, or a text's token ids: batched by its length


def batched(
    texts: Sequence[Item],
    dim: int,
    batch_size: int,
    run: Callable[[list[Item]], np.ndarray],
    progress: ProgressFn | None,
    workers: int = 1,
) -> np.ndarray:
    """Encodes in batches of similar length (little padding, so little wasted work), each of
    at most batch_size texts and about TOKEN_BUDGET tokens (attention grows with the square of
    the length, so a few long passages a batch beat many), and returns the
    vectors in the order of `texts`. With workers > 1, that many batches run at once (`run`
    must be thread-safe); the batches themselves depend only on `texts`."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    groups: list[list[int]] = []
    begin = 0
    while begin < len(order):
        longest = len(texts[order[min(begin + batch_size, len(order)) - 1]]) // 4 + 2
        size = max(1, min(batch_size, TOKEN_BUDGET // max(longest, 1)))
        groups.append(order[begin : begin + size])
        begin += size

    def encode(idx: list[int]) -> np.ndarray:
        return run([texts[i] for i in idx])

    if workers > 1 and len(groups) > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsearch-embed") as pool:
            results: Iterator[np.ndarray] = pool.map(encode, groups)
            for idx, vecs in zip(groups, results, strict=True):
                out[idx] = vecs
                if progress is not None:
                    progress(len(idx))
        return out
    for idx in groups:
        out[idx] = encode(idx)
        if progress is not None:
            progress(len(idx))
    return out


class QueryCache:
    """A small LRU of query embeddings: repeated questions skip the model."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
