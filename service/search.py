"""Searcher: dense, keyword and hybrid retrieval with filters, then grouping of the same
passage across outlets and highlighting of the best-answering sentence."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from service.errors import InputError
from service.grouping import corroborated, group_near_duplicates
from service.highlight import best_sentences
from service.ingest.validate import check_text, normalise_date
from service.records import AlsoReported, Hit, SearchResponse
from service.store import Filters, StoredPassage, fts_query

if TYPE_CHECKING:
    from service.newsindex import NewsIndex

MODES = ("hybrid", "dense", "keyword")
DEFAULT_MODE = "hybrid"
MAX_K = 100
CANDIDATES = 100  # taken from each retriever before fusion
DENSE_WEIGHT = 0.5  # convex fusion: weight of the min-max normalised dense score


@dataclass(frozen=True)
class SearchRequest:
    query: str
    k: int = 10
    mode: str = DEFAULT_MODE
    filters: Filters = field(default_factory=Filters)
    group: bool = True
    highlight: bool = True

    def validated(self, max_query_chars: int) -> SearchRequest:
        """Checks every field a client controls; raises InputError naming the bad value."""
        query = self.query.strip() if isinstance(self.query, str) else ""
        if not query:
            raise InputError("query is empty — ask a question, e.g. 'what did Blinken tell Abbas'")
        if len(query) > max_query_chars:
            raise InputError(
                f"query is {len(query):,} characters, over the {max_query_chars:,} limit"
            )
        check_text(query, "query")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_K:
            raise InputError(f"k must be between 1 and {MAX_K}, got {self.k!r}")
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        f = self.filters
        for name in ("outlet", "date_from", "date_to", "doc_id"):
            value = getattr(f, name)
            if value is not None:
                check_text(value, name)
        filters = Filters(
            outlet=f.outlet.strip() or None if f.outlet else None,
            date_from=normalise_date(f.date_from) if f.date_from else None,
            date_to=normalise_date(f.date_to) if f.date_to else None,
            doc_id=f.doc_id or None,
        )
        if filters.date_from and filters.date_to and filters.date_from[:10] > filters.date_to[:10]:
            raise InputError(f"date_from {filters.date_from} is after date_to {filters.date_to}")
        return SearchRequest(query, self.k, self.mode, filters, self.group, self.highlight)


def min_max(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    return {i: (s - lo) / span if span > 0 else 1.0 for i, s in scores.items()}


def convex_fusion(
    dense: dict[int, float], keyword: dict[int, float], dense_weight: float = DENSE_WEIGHT
) -> list[tuple[int, float]]:
    """Min-max normalise each list and add them with weights; an id absent from one list gets
    that list's minimum (0 after normalisation)."""
    d, kw = min_max(dense), min_max(keyword)
    fused = {
        i: dense_weight * d.get(i, 0.0) + (1 - dense_weight) * kw.get(i, 0.0)
        for i in d.keys() | kw.keys()
    }
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


class Searcher:
    def __init__(self, index: NewsIndex) -> None:
        self.index = index

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        req = request.validated(self.index.settings.max_query_chars)
        ranked = self._retrieve(req)
        pool = max(CANDIDATES, req.k * 5) if req.group else req.k
        ranked = ranked[:pool]
        passages = self.index.store.passages_by_id(i for i, _ in ranked)
        ranked = [(i, s) for i, s in ranked if i in passages]  # deleted meanwhile
        scores = dict(ranked)
        if req.group:
            vectors = self.index.store.vectors_for([i for i, _ in ranked], self.index.dim)
            groups = group_near_duplicates(
                [(i, passages[i].text, vectors[i]) for i, _ in ranked if i in vectors]
            )
            scored = []
            for leader, folded in groups:
                others = {passages[j].doc_id for j in folded} - {passages[leader].doc_id}
                scored.append((corroborated(scores[leader], len(others)), leader, folded))
            scored.sort(key=lambda item: -item[0])
            top = scored[: req.k]
        else:
            top = [(scores[i], i, []) for i, _ in ranked[: req.k]]
        hits = [
            self._hit(rank, passages[leader], score, [(passages[j], scores[j]) for j in folded])
            for rank, (score, leader, folded) in enumerate(top, start=1)
        ]
        if req.highlight and hits:
            spans = best_sentences(req.query, [h.text for h in hits], self.index)
            for hit, span in zip(hits, spans, strict=True):
                hit.highlight = {"start": span[0], "end": span[1]}
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query=req.query, mode=req.mode, results=hits, took_ms=took)

    def _retrieve(self, req: SearchRequest) -> list[tuple[int, float]]:
        index = self.index
        dense: dict[int, float] = {}
        keyword: dict[int, float] = {}
        match = fts_query(req.query)
        qvec = np.zeros(index.dim, dtype=np.float32)
        if req.mode in ("dense", "hybrid"):
            qvec = index.encoder.encode_query(req.query)
            with index.read_lock().read():
                allowed = index.store.filtered_ids(req.filters) if req.filters.active() else None
                dense = dict(index.vectors.search(qvec, CANDIDATES, allowed))
        if req.mode in ("keyword", "hybrid") and match:
            keyword = dict(index.store.keyword_search(match, CANDIDATES, req.filters))
        if req.mode == "dense":
            return sorted(dense.items(), key=lambda item: (-item[1], item[0]))
        if req.mode == "keyword":
            return sorted(keyword.items(), key=lambda item: (-item[1], item[0]))
        # Each retriever scores the other's candidates too, so a passage found by one list
        # is not treated as the worst of the other (measured: see README, quality table).
        dense_only = [i for i in dense if i not in keyword]
        keyword_only = [i for i in keyword if i not in dense]
        if keyword_only:
            stored = index.store.vectors_for(keyword_only, index.dim)
            dense.update({i: float(v @ qvec) for i, v in stored.items()})
        if dense_only and match:
            keyword.update(index.store.keyword_scores(match, dense_only))
        return convex_fusion(dense, keyword)

    @staticmethod
    def _hit(
        rank: int, p: StoredPassage, score: float, folded: list[tuple[StoredPassage, float]]
    ) -> Hit:
        return Hit(
            rank=rank,
            score=round(float(score), 4),
            text=p.text,
            doc_id=p.doc_id,
            source=p.source,
            title=p.title,
            date=p.date,
            paragraph=p.paragraph,
            start=p.start,
            end=p.end,
            url=p.url,
            also_reported_by=[
                AlsoReported(f.doc_id, f.source, f.title, f.paragraph, round(float(s), 4))
                for f, s in folded
            ],
        )


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))
