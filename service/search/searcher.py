"""Searcher: dense, keyword and hybrid retrieval with filters, then grouping of the same
passage across outlets and highlighting of the best-answering sentence. Built from the parts it
reads (the store, the vectors, the keyword index, an encoder), so it needs no index facade."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from service.analysis import query_words
from service.config import Settings
from service.encoders import Encoder
from service.keywords import KeywordIndex
from service.locks import RWLock
from service.records import AlsoReported, Hit, SearchResponse
from service.search.fusion import (
    DENSE_WEIGHT,
    LEAD_DEPTH,
    LEAD_WEIGHT,
    best_first,
    blend_leads,
    convex_fusion,
    dense_scale,
)
from service.search.grouping import corroborated, group_near_duplicates
from service.search.highlight import best_sentences
from service.search.request import Filters, SearchRequest
from service.search.rerank import CrossEncoderReranker, rerank
from service.store import Store, StoredPassage
from service.vectors import VectorIndex

CANDIDATES = 200  # passages taken from each retriever before fusion (and eval depth)
GROUP_POOL_FACTOR, GROUP_POOL_EXTRA = 4, 20
KEYWORD_FILL_DEPTH = 1000  # keyword scores looked up for dense candidates
# A result's text is cut to this many characters (a passage is far shorter unless its article
# had no sentence punctuation): a response stays bounded whatever was indexed. `start`/`end`
# still give the whole passage in the article.
MAX_RESULT_CHARS = 4000
# Hybrid search runs its keyword ranking on this pool while the question is embedded: both
# release the GIL, so on two cores they overlap
_KEYWORD_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="newsearch-fts")


class Searcher:
    """Searches one index. `vectors` may be changed by a writer holding `lock`'s write side;
    every read of it here holds the read side."""

    def __init__(
        self,
        store: Store,
        vectors: VectorIndex,
        keywords: KeywordIndex,
        encoder: Encoder,
        settings: Settings,
        lock: RWLock | None = None,
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.keywords = keywords
        self.encoder = encoder
        self.settings = settings
        self.lock = lock or RWLock()
        self._reranker: CrossEncoderReranker | None = None
        self._reranker_lock = threading.Lock()

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        req = request.validated(self.settings.max_query_chars)
        ranked = self.ranked(req.query, req.mode, req.filters)
        # enough candidates to fill k distinct answers after folding duplicates
        pool = req.k * GROUP_POOL_FACTOR + GROUP_POOL_EXTRA if req.group else req.k
        ranked = ranked[:pool]
        passages = self.store.passages_by_id(i for i, _ in ranked)
        ranked = [(i, s) for i, s in ranked if i in passages]  # deleted meanwhile
        scores = dict(ranked)
        if req.group:
            vectors = self.vectors_for([i for i, _ in ranked])
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
            _hit(rank, passages[leader], score, [(passages[j], scores[j]) for j in folded])
            for rank, (score, leader, folded) in enumerate(top, start=1)
        ]
        if req.highlight and hits:
            spans = best_sentences(
                req.query, [h.text for h in hits], self.keywords.idf, self.encoder
            )
            for hit, (start, end) in zip(hits, spans, strict=True):
                cut = len(hit.text)  # a sentence past a cut text is marked at its end
                hit.highlight = {"start": min(start, cut), "end": min(end, cut)}
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query=req.query, mode=req.mode, results=hits, took_ms=took)

    def ranked(self, query: str, mode: str, filters: Filters) -> list[tuple[int, float]]:
        """retrieve(), then the optional cross-encoder over the top settings.rerank_top_n."""
        ranked = self.retrieve(query, mode, filters)
        reranker = self.reranker()
        if reranker is None or not ranked:
            return ranked
        top_n = self.settings.rerank_top_n
        stored = self.store.passages_by_id(i for i, _ in ranked[:top_n])
        texts = {i: p.text for i, p in stored.items()}
        return rerank(ranked, texts, query, reranker, top_n)

    def reranker(self) -> CrossEncoderReranker | None:
        """The cross-encoder named by settings.rerank_model, loaded on first use."""
        name = self.settings.rerank_model
        if not name:
            return None
        with self._reranker_lock:
            if self._reranker is None:
                self._reranker = CrossEncoderReranker(name)
            return self._reranker

    def retrieve(
        self, query: str, mode: str, filters: Filters, candidates: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        """(passage id, score) best first: up to `candidates` from each retriever, fused."""
        dense: dict[int, float] = {}
        keyword: dict[int, float] = {}
        keyword_all: list[tuple[int, float]] = []
        match = bool(query_words(query))
        qvec = np.zeros(self.encoder.dim, dtype=np.float32)
        pending: Future[list[tuple[int, float]]] | None = None
        if mode == "hybrid" and match:
            pending = _KEYWORD_POOL.submit(self.keywords.search, query, KEYWORD_FILL_DEPTH, filters)
        if mode in ("dense", "hybrid"):
            qvec = self.encoder.encode_query(query)
            with self.lock.read():
                allowed = self.store.filtered_ids(filters) if filters.active() else None
                dense = dict(self.vectors.search(qvec, candidates, allowed))
        if mode in ("keyword", "hybrid") and match:
            # one keyword query ranks every match; a deeper slice than the candidates gives the
            # keyword scores of dense candidates too (beyond it they count as no match)
            if pending is not None:
                keyword_all = pending.result()
            else:
                keyword_all = self.keywords.search(query, candidates, filters)
            keyword = dict(keyword_all[:candidates])
        if mode == "keyword":
            return best_first(keyword.items())
        if mode == "dense":
            return self._with_leads(best_first(dense.items()), dense, qvec, 1.0)
        # Each retriever scores the other's candidates too, so a passage found by one list
        # is not treated as the worst of the other (docs/search.md)
        dense.update(self._dense_scores([i for i in keyword if i not in dense], qvec))
        deep = dict(keyword_all)
        keyword.update({i: deep.get(i, 0.0) for i in dense})
        scale = dense_scale(dense, DENSE_WEIGHT)
        return self._with_leads(convex_fusion(dense, keyword, DENSE_WEIGHT), dense, qvec, scale)

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Stored vectors by passage id: from the vector index in memory (reading SQLite costs
        more than the rest of a search under concurrent load), from SQLite for any it does not
        hold yet. Ids are never reused, so both sources agree."""
        with self.lock.read():
            found = self.vectors.vectors_of(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            found.update(self.store.vectors_for(missing, self.encoder.dim))
        return found

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


def _hit(
    rank: int, p: StoredPassage, score: float, folded: list[tuple[StoredPassage, float]]
) -> Hit:
    return Hit(
        rank=rank,
        score=round(float(score), 4),
        text=p.text if len(p.text) <= MAX_RESULT_CHARS else p.text[: MAX_RESULT_CHARS - 1] + "…",
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
