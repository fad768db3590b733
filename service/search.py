"""Searcher: dense, keyword and hybrid retrieval with filters, then grouping of the same
passage across outlets and highlighting of the best-answering sentence."""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from service.errors import InputError
from service.grouping import corroborated, group_near_duplicates
from service.highlight import best_sentences
from service.ingest.validate import check_text, normalise_date
from service.records import AlsoReported, Hit, SearchResponse
from service.rerank import rerank
from service.store import Filters, StoredPassage, query_words

if TYPE_CHECKING:
    from service.newsindex import NewsIndex

MODES = ("hybrid", "dense", "keyword")
DEFAULT_MODE = "hybrid"
MAX_K = 100
CANDIDATES = 200  # passages taken from each retriever before fusion (and eval depth)
GROUP_POOL_FACTOR, GROUP_POOL_EXTRA = 4, 20
KEYWORD_FILL_DEPTH = 1000  # keyword scores looked up for dense candidates
DENSE_WEIGHT = 0.6  # convex fusion: weight of the standardised dense score
# Passage-plus-document scoring: a passage's dense score is mixed with its article's first
# passage (title and lead) with this weight (0.2 / 0.35 / 0.5 measured on SciFact), for the
# LEAD_DEPTH best candidates (30, 50 and 100 gave the same nDCG@10; README, "Answer quality")
LEAD_WEIGHT = 0.35
LEAD_DEPTH = 50
# Hybrid search runs its FTS5 query on this pool while the question is embedded: both release
# the GIL, so on two cores they overlap (measured at 5k passages: hybrid p50 8.8 -> see README)
_KEYWORD_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="newsearch-fts")


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
        return SearchRequest(query, self.k, self.mode, filters, self.group, self.highlight)


def best_first(scored: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
    """(passage id, score) by score, ties by id, so equal scores always rank alike."""
    return sorted(scored, key=lambda item: (-item[1], item[0]))


def z_scores(scores: dict[int, float]) -> dict[int, float]:
    """Standardise a candidate list: mean 0, standard deviation 1."""
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    mean, std = float(values.mean()), float(values.std())
    return {i: (s - mean) / std if std > 0 else 0.0 for i, s in scores.items()}


def convex_fusion(
    dense: dict[int, float], keyword: dict[int, float], dense_weight: float = DENSE_WEIGHT
) -> list[tuple[int, float]]:
    """Standardise each retriever's scores over the union of candidates (each has scored every
    candidate; a keyword non-match scores 0) and add them with weights. Tuned on SciFact:
    z-scores beat min-max and reciprocal rank fusion (README, "Answer quality")."""
    d, kw = z_scores(dense), z_scores(keyword)
    fused = {
        i: dense_weight * d.get(i, 0.0) + (1 - dense_weight) * kw.get(i, 0.0)
        for i in d.keys() | kw.keys()
    }
    return best_first(fused.items())


def blend_leads(
    ranked: list[tuple[int, float]],
    dense: dict[int, float],
    leads: dict[int, int],
    scale: float,
    weight: float = LEAD_WEIGHT,
) -> list[tuple[int, float]]:
    """Mixes each ranked passage's dense score with its article's lead's: a passage scores
    `weight` x (lead's dense - its own dense) x `scale` more (scale: how much one unit of
    dense score is worth in the ranked scores). A lead scores as before, and a deep passage of
    an article whose lead is off the question drops: news puts what a story is about first.
    Passages without a known lead score (deleted meanwhile) are left as they are."""
    out = []
    for pid, score in ranked:
        lead = leads.get(pid)
        if lead is not None and lead != pid and lead in dense and pid in dense:
            score += weight * (dense[lead] - dense[pid]) * scale
        out.append((pid, score))
    return out


class Searcher:
    def __init__(self, index: NewsIndex) -> None:
        self.index = index

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        req = request.validated(self.index.settings.max_query_chars)
        ranked = self.ranked(req.query, req.mode, req.filters)
        # enough candidates to fill k distinct answers after folding duplicates
        pool = req.k * GROUP_POOL_FACTOR + GROUP_POOL_EXTRA if req.group else req.k
        ranked = ranked[:pool]
        passages = self.index.store.passages_by_id(i for i, _ in ranked)
        ranked = [(i, s) for i, s in ranked if i in passages]  # deleted meanwhile
        scores = dict(ranked)
        if req.group:
            vectors = self.index.vectors_for([i for i, _ in ranked])
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

    def ranked(self, query: str, mode: str, filters: Filters) -> list[tuple[int, float]]:
        """retrieve(), then the optional cross-encoder over the top settings.rerank_top_n."""
        ranked = self.retrieve(query, mode, filters)
        reranker = self.index.reranker
        if reranker is None or not ranked:
            return ranked
        top_n = self.index.settings.rerank_top_n
        stored = self.index.store.passages_by_id(i for i, _ in ranked[:top_n])
        texts = {i: p.text for i, p in stored.items()}
        return rerank(ranked, texts, query, reranker, top_n)

    def retrieve(
        self, query: str, mode: str, filters: Filters, candidates: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        """(passage id, score) best first: up to `candidates` from each retriever, fused."""
        index = self.index
        dense: dict[int, float] = {}
        keyword: dict[int, float] = {}
        keyword_all: list[tuple[int, float]] = []
        match = bool(query_words(query))
        qvec = np.zeros(index.dim, dtype=np.float32)
        pending: Future[list[tuple[int, float]]] | None = None
        if mode == "hybrid" and match:
            pending = _KEYWORD_POOL.submit(
                index.keywords.search, query, KEYWORD_FILL_DEPTH, filters
            )
        if mode in ("dense", "hybrid"):
            qvec = index.encoder.encode_query(query)
            with index.read_lock().read():
                allowed = index.store.filtered_ids(filters) if filters.active() else None
                dense = dict(index.vectors.search(qvec, candidates, allowed))
        if mode in ("keyword", "hybrid") and match:
            # one keyword query ranks every match; a deeper slice than the candidates gives the
            # keyword scores of dense candidates too (beyond it they count as no match)
            if pending is not None:
                keyword_all = pending.result()
            else:
                keyword_all = index.keywords.search(query, candidates, filters)
            keyword = dict(keyword_all[:candidates])
        if mode == "keyword":
            return best_first(keyword.items())
        if mode == "dense":
            ranked = best_first(dense.items())
            return self._with_leads(ranked, dense, qvec, 1.0)
        # Each retriever scores the other's candidates too, so a passage found by one list
        # is not treated as the worst of the other (measured: see README, quality table).
        dense.update(self._dense_scores([i for i in keyword if i not in dense], qvec))
        deep = dict(keyword_all)
        keyword.update({i: deep.get(i, 0.0) for i in dense})
        spread = float(np.std(np.fromiter(dense.values(), dtype=np.float64))) if dense else 0.0
        ranked = convex_fusion(dense, keyword)
        # in fused units one dense point is worth DENSE_WEIGHT / (the dense scores' spread)
        return self._with_leads(ranked, dense, qvec, DENSE_WEIGHT / spread if spread else 0.0)

    def _with_leads(
        self,
        ranked: list[tuple[int, float]],
        dense: dict[int, float],
        qvec: np.ndarray,
        scale: float,
    ) -> list[tuple[int, float]]:
        """blend_leads over the best LEAD_DEPTH passages (deeper ones could gain a rank or two
        at most, not worth a lead lookup each), then best first again."""
        top = ranked[:LEAD_DEPTH]
        if not top or not scale or not LEAD_WEIGHT:
            return ranked
        leads = self.index.store.lead_ids([i for i, _ in top])
        missing = [lead for lead in set(leads.values()) if lead not in dense]
        dense = {**dense, **self._dense_scores(missing, qvec)}
        blended = blend_leads(top, dense, leads, scale, LEAD_WEIGHT) + ranked[LEAD_DEPTH:]
        return best_first(blended)

    def _dense_scores(self, ids: list[int], qvec: np.ndarray) -> dict[int, float]:
        """Cosines to the question of passages the dense retriever did not return."""
        if not ids:
            return {}
        return {i: float(v @ qvec) for i, v in self.index.vectors_for(ids).items()}

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
