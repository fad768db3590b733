"""Optional cross-encoder reranking of the top fused candidates (off by default: no
cross-encoder ships in a package installable here; any sentence-transformers CrossEncoder
directory or hub name works)."""

from __future__ import annotations

import threading
from typing import Any

from service.encoders.models import load_sentence_transformers


class CrossEncoderReranker:
    def __init__(self, name: str, *, device: str = "cpu") -> None:
        self.name = name
        self._model: Any = load_sentence_transformers(
            "CrossEncoder", name, "the cross-encoder", device
        )
        self._lock = threading.Lock()

    def scores(self, query: str, texts: list[str]) -> list[float]:
        """One relevance score per text, higher is better."""
        if not texts:
            return []
        with self._lock:
            raw = self._model.predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(x) for x in raw]


def rerank(
    ranked: list[tuple[int, float]],
    texts: dict[int, str],
    query: str,
    reranker: CrossEncoderReranker,
    top_n: int,
) -> list[tuple[int, float]]:
    """Reorders the first top_n candidates by cross-encoder score; the rest keep their order
    below them."""
    head = [pid for pid, _ in ranked[:top_n] if pid in texts]
    scores = reranker.scores(query, [texts[pid] for pid in head])
    reordered = sorted(zip(head, scores, strict=True), key=lambda item: -item[1])
    seen = set(head)
    tail_floor = min(scores, default=0.0)
    tail = [(pid, tail_floor - 1 - i) for i, (pid, _) in enumerate(ranked) if pid not in seen]
    return reordered + tail
