"""An encoder loaded on first use and checked against the model the index was built with:
stats, deletes and reads of an index need no model, and a mismatch is named when it matters."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from service.encoders.base import Encoder, ProgressFn
from service.errors import IndexMismatch


class LazyEncoder:
    """Stands for the encoder that built an index (`name`, `dim`) until `load()` is called;
    then every call goes to the loaded one."""

    def __init__(self, name: str, dim: int, load: Callable[[], Encoder]) -> None:
        self.name = name
        self.dim = dim
        self._load = load
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, encoder: Encoder) -> LazyEncoder:
        """One that is loaded already."""
        lazy = cls(encoder.name, encoder.dim, lambda: encoder)
        lazy._encoder = encoder
        return lazy

    def get(self) -> Encoder:
        """The real encoder, loaded now if need be; IndexMismatch if it is not the index's."""
        encoder = self._encoder
        if encoder is not None:
            return encoder
        with self._lock:
            if self._encoder is None:
                encoder = self._load()
                if encoder.name != self.name or encoder.dim != self.dim:
                    raise IndexMismatch(
                        f"model {encoder.name!r} ({encoder.dim}-d) does not match "
                        f"the index's {self.name!r} ({self.dim}-d)"
                    )
                self._encoder = encoder
            return self._encoder

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: ProgressFn | None = None
    ) -> np.ndarray:
        return self.get().encode(texts, batch_size=batch_size, progress=progress)

    def encode_query(self, text: str) -> np.ndarray:
        return self.get().encode_query(text)

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        return self.get().encode_few(texts)

    def clear_cache(self) -> None:
        """Forgets cached question vectors (before a timed run), if the encoder keeps any."""
        clear = getattr(self._encoder, "clear_cache", None)
        if clear is not None:
            clear()
