"""Retrieval: the dense and keyword candidate lists of a question, each scoring the other's
candidates, fused and leaning toward each article's lead. What a query's phrases and
exclusions allow is applied inside both lists."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from service.analysis import query_words
from service.encoders import Encoder
from service.ensemble import SecondList
from service.keywords import KeywordIndex
from service.language import LanguageDetector
from service.locks import RWLock
from service.search.fusion import (
    DENSE_WEIGHT,
    ENSEMBLE_KEYWORD_WEIGHT,
    LEAD_DEPTH,
    LEAD_WEIGHT,
    SECOND_SHARE,
    best_first,
    blend_leads,
    convex_fusion,
    dense_scale,
    ensemble_fusion,
)
from service.search.request import Filters
from service.store import SECOND, Store
from service.vectors import VectorIndex

CANDIDATES = 200  # passages taken from each retriever before fusion (and eval depth)
KEYWORD_FILL_DEPTH = 1000  # keyword scores looked up for dense candidates
# Hybrid search runs its keyword ranking on this pool while the question is embedded: both
# release the GIL, so on two cores they overlap
_KEYWORD_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="newsearch-fts")
RECENT_VECTORS = 8192  # stored vectors kept after a read (1.5 KB each at 384 dimensions)


@dataclass(frozen=True)
class Restriction:
    """Which passages a question may return beyond its filters: only `allowed` ones (ids
    ascending; None: any), never `excluded` ones."""

    allowed: np.ndarray | None = None
    excluded: frozenset[int] = frozenset()


class RecentVectors:
    """Stored vectors read from SQLite lately, by passage id, the least recently used let go
    first: a search on compressed codes reads its candidates once for scoring them again,
    fusion, leads and grouping, not once for each. Ids are never reused, so an entry never
    goes stale. Safe to call from several threads."""

    def __init__(self, read: Callable[[list[int]], dict[int, np.ndarray]], size: int) -> None:
        self.read, self.size = read, size
        self._held: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, ids: list[int]) -> dict[int, np.ndarray]:
        with self._lock:
            found = {i: self._held[i] for i in ids if i in self._held}
            for i in found:
                self._held.move_to_end(i)
        missing = [i for i in ids if i not in found]
        if missing:
            # copies: a row of one read's matrix would keep the whole read alive
            read = {i: v.copy() for i, v in self.read(missing).items()}
            found.update(read)
            with self._lock:
                self._held.update(read)
                while len(self._held) > self.size:
                    self._held.popitem(last=False)
        return found


class Retriever:
    def __init__(
        self,
        store: Store,
        vectors: VectorIndex,
        keywords: KeywordIndex,
        encoder: Encoder,
        lock: RWLock,
        second: SecondList | None = None,
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.keywords = keywords
        self.encoder = encoder
        self.lock = lock
        self.second = second
        self.detector = LanguageDetector()  # loaded at the first question where it matters
        self._stored = RecentVectors(
            lambda ids: store.vectors_for(ids, encoder.dim), RECENT_VECTORS
        )
        self._stored_second = (
            RecentVectors(lambda ids: store.vectors_for(ids, second.dim, SECOND), RECENT_VECTORS)
            if second
            else None
        )

    def retrieve(
        self,
        query: str,
        mode: str,
        filters: Filters,
        candidates: int = CANDIDATES,
        restriction: Restriction | None = None,
    ) -> list[tuple[int, float]]:
        """(passage id, score) best first: up to `candidates` from each retriever, fused."""
        restriction = restriction or Restriction()
        dense: dict[int, float] = {}
        keyword: dict[int, float] = {}
        keyword_all: list[tuple[int, float]] = []
        match = bool(query_words(query))
        qvec = np.zeros(self.encoder.dim, dtype=np.float32)
        depth = max(KEYWORD_FILL_DEPTH, candidates)
        pending: Future[list[tuple[int, float]]] | None = None
        if mode == "hybrid" and match:
            pending = _KEYWORD_POOL.submit(
                self.keywords.search, query, depth, filters, restriction.allowed
            )
        second: dict[int, float] = {}
        qvec_second: np.ndarray | None = None
        if mode in ("dense", "hybrid"):
            qvec = self.encoder.encode_query(query)
            if self.second:
                qvec_second = self.second.encoder.encode_query(query)
            with self.lock.read():
                allowed = self._allowed(filters, restriction)
                dense = dict(self.dense_search(qvec, candidates, allowed))
                if self.second and qvec_second is not None:
                    second = dict(
                        self.second.vectors.search(
                            qvec_second, candidates, allowed, stored=self._stored_second
                        )
                    )
        if mode in ("keyword", "hybrid") and match:
            # one keyword query ranks every match; a deeper slice than the candidates gives the
            # keyword scores of dense candidates too (beyond it they count as no match)
            if pending is not None:
                keyword_all = pending.result()
            else:
                keyword_all = self.keywords.search(query, candidates, filters, restriction.allowed)
            keyword = dict(keyword_all[:candidates])
        if restriction.excluded:
            dense = {i: s for i, s in dense.items() if i not in restriction.excluded}
            keyword = {i: s for i, s in keyword.items() if i not in restriction.excluded}
            second = {i: s for i, s in second.items() if i not in restriction.excluded}
        if mode == "keyword":
            return best_first(keyword.items())
        if qvec_second is not None:
            lists = (dense, second, keyword, keyword_all)
            return self._ensemble(query, mode, *lists, qvec, qvec_second)
        if mode == "dense":
            return self._with_leads(best_first(dense.items()), dense, qvec, 1.0)
        # Each retriever scores the other's candidates too, so a passage found by one list
        # is not treated as the worst of the other (docs/search.md)
        dense.update(self._dense_scores([i for i in keyword if i not in dense], qvec))
        deep = dict(keyword_all)
        keyword.update({i: deep.get(i, 0.0) for i in dense})
        scale = dense_scale(dense, DENSE_WEIGHT)
        unspoken = self._in_other_languages(query, dense.keys())
        fused = convex_fusion(dense, keyword, DENSE_WEIGHT, unspoken)
        return self._with_leads(fused, dense, qvec, scale)

    def _ensemble(
        self,
        query: str,
        mode: str,
        dense: dict[int, float],
        second: dict[int, float],
        keyword: dict[int, float],
        keyword_all: list[tuple[int, float]],
        qvec: np.ndarray,
        qvec_second: np.ndarray,
    ) -> list[tuple[int, float]]:
        """retrieve's fusion with a second encoder's list: every list scores every other's
        candidates, then ensemble_fusion (the dense mode: the two dense lists alone)."""
        weight = ENSEMBLE_KEYWORD_WEIGHT if mode == "hybrid" else 0.0
        found = dense.keys() | second.keys() | (keyword.keys() if weight else set())
        dense.update(self._dense_scores([i for i in found if i not in dense], qvec))
        second.update(self._second_scores([i for i in found if i not in second], qvec_second))
        unspoken: frozenset[int] = frozenset()
        if weight:
            deep = dict(keyword_all)
            keyword.update({i: deep.get(i, 0.0) for i in found})
            unspoken = self._in_other_languages(query, found)
        fused = ensemble_fusion(dense, second, keyword, weight, unspoken)
        scale = dense_scale(dense, (1 - weight) * (1 - SECOND_SHARE))
        return self._with_leads(fused, dense, qvec, scale)

    def _second_scores(self, ids: list[int], qvec: np.ndarray) -> dict[int, float]:
        """Cosines to the question, by the second encoder, of passages its list did not
        return (its vectors in memory, else from SQLite)."""
        if not ids or self.second is None or self._stored_second is None:
            return {}
        found = self._held(self.second.vectors, self._stored_second, ids)
        return {i: float(v @ qvec) for i, v in found.items()}

    def _in_other_languages(self, query: str, ids: Iterable[int]) -> frozenset[int]:
        """The candidates whose article is in a known language other than the question's (only
        where the articles are in several, and the question's language is clear)."""
        if not self.store.languages_differ():
            return frozenset()
        asked = self.detector.detect_question(query)
        if asked is None:
            return frozenset()
        found = self.store.passage_languages(ids)
        return frozenset(i for i, language in found.items() if language != asked)

    def dense_search(
        self, qvec: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        """The vector index's top k, scored exactly: compressed codes' candidates are scored
        again with their vectors from SQLite. Callers hold the read side of the lock."""
        return self.vectors.search(qvec, k, allowed, stored=self._stored)

    def _allowed(self, filters: Filters, restriction: Restriction) -> np.ndarray | None:
        only = self.store.filtered_ids(filters) if filters.active() else None
        if restriction.allowed is None:
            return only
        return restriction.allowed if only is None else np.intersect1d(only, restriction.allowed)

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Stored vectors by passage id: from the vector index in memory (reading SQLite costs
        more than the rest of a search under concurrent load), from SQLite for any it does not
        hold yet. Ids are never reused, so both sources agree."""
        return self._held(self.vectors, self._stored, ids)

    def _held(
        self, vectors: VectorIndex, stored: RecentVectors, ids: list[int]
    ) -> dict[int, np.ndarray]:
        """A list's vectors of these passages: from memory, else from SQLite."""
        with self.lock.read():
            found = vectors.vectors_of(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            found.update(stored(missing))
        return found

    def matrix_for(self, ids: list[int]) -> tuple[list[int], np.ndarray]:
        """(the ids that have a stored vector, their vectors as one array in that order):
        vectors_for without a dictionary, for a list grouped at once."""
        with self.lock.read():
            matrix = self.vectors.matrix_of(ids)
        if matrix is not None:
            return ids, matrix
        found = self.vectors_for(ids)
        kept = [i for i in ids if i in found]
        if not kept:
            return [], np.zeros((0, self.encoder.dim), dtype=np.float32)
        return kept, np.stack([found[i] for i in kept])

    def _with_leads(
        self,
        ranked: list[tuple[int, float]],
        dense: dict[int, float],
        qvec: np.ndarray,
        scale: float,
    ) -> list[tuple[int, float]]:
        """blend_leads over the best LEAD_DEPTH passages, then best first again."""
        top = ranked[:LEAD_DEPTH]
        if not top or not scale or not LEAD_WEIGHT:
            return ranked
        leads = self.store.lead_ids([i for i, _ in top])
        missing = [lead for lead in set(leads.values()) if lead not in dense]
        dense = {**dense, **self._dense_scores(missing, qvec)}
        blended = blend_leads(top, dense, leads, scale, LEAD_WEIGHT) + ranked[LEAD_DEPTH:]
        return best_first(blended)

    def _dense_scores(self, ids: list[int], qvec: np.ndarray) -> dict[int, float]:
        """Cosines to the question of passages the dense retriever did not return."""
        if not ids:
            return {}
        return {i: float(v @ qvec) for i, v in self.vectors_for(ids).items()}
