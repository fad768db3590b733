"""The sentence-transformers encoder on PyTorch."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from service.config import DEFAULT_MODEL
from service.encoders.base import ProgressFn, QueryCache, batched
from service.encoders.models import load_sentence_transformers, model_id


class SentenceTransformerEncoder:
    def __init__(self, name: str = DEFAULT_MODEL, *, device: str = "cpu") -> None:
        self.name = model_id(name, "torch")
        self._model: Any = load_sentence_transformers(
            "SentenceTransformer", name, "the model", device
        )
        get_dim: Any = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        # the prompts a model's card asks for (e5: "query: ", "passage: "), by their names
        prompts = getattr(self._model, "prompts", None) or {}
        self._passage = "passage" if "passage" in prompts else None
        self._query = "query" if "query" in prompts else None
        self._cache = QueryCache()
        self._lock = threading.Lock()  # torch modules are not re-entrant across threads

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: ProgressFn | None = None
    ) -> np.ndarray:
        return batched(texts, self.dim, batch_size, self._encode_batch, progress)

    def _encode_batch(self, texts: list[str], prompt: str | None = None) -> np.ndarray:
        with self._lock:
            vecs: np.ndarray = self._model.encode(
                texts,
                prompt_name=prompt or self._passage,
                batch_size=len(texts),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vecs

    def encode_query(self, text: str) -> np.ndarray:
        return self._cache.get(text, lambda: self._encode_batch([text], self._query)[0])

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)  # PyTorch runs one batch at a time anyway (its lock)

    def clear_cache(self) -> None:
        self._cache.clear()
