"""Searcher: a question to a page of answers. It parses the query language, retrieves (dense,
keyword, hybrid: service.search.retrieval), groups the same passage across outlets, orders
(relevance, recency, date), pages (service.search.paging), marks the best sentence and the
question's words, and counts facets. Built from the parts it reads (the store, the vectors,
the keyword index, an encoder), so it needs no index facade."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from service.config import Settings
from service.encoders import Encoder
from service.ensemble import SecondList
from service.keywords import KeywordIndex
from service.locks import RWLock
from service.records import AlsoReported, Hit, SearchResponse, outlet_key
from service.search.annotate import annotate
from service.search.facets import count_facets
from service.search.grouping import corroborated, group_near_duplicates
from service.search.highlight import best_sentences
from service.search.matches import match_spans, matcher
from service.search.paging import (
    SHALLOW,
    Group,
    assemble,
    lean_pool_for,
    ordered,
    page_of,
    pool_for,
    tiers_for,
)
from service.search.phrases import phrase_check, restriction_for
from service.search.query import ParsedQuery, parse_query
from service.search.request import MAX_DEPTH, Filters, SearchRequest
from service.search.rerank import CrossEncoderReranker, rerank
from service.search.retrieval import CANDIDATES, Restriction, Retriever
from service.store import Store, StoredPassage
from service.vectors import VectorIndex

# A result's text is cut to this many characters (a passage is far shorter unless its article
# had no sentence punctuation): a response stays bounded whatever was indexed. `start`/`end`
# still give the whole passage in the article.
MAX_RESULT_CHARS = 4000


@dataclass
class _Work:
    """What one search has fetched so far, shared by its tiers."""

    parsed: ParsedQuery
    filters: Filters
    restriction: Restriction
    ranked: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # by depth
    # what grouping and ordering read of a passage, each only for the passages that need it
    texts: dict[int, str] = field(default_factory=dict)
    docs: dict[int, str] = field(default_factory=dict)
    dates: dict[int, str | None] = field(default_factory=dict)
    exhausted: bool = False  # the last tier had no candidates left over


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
        second: SecondList | None = None,
    ) -> None:
        self.store = store
        self.keywords = keywords
        self.encoder = encoder
        self.settings = settings
        self.lock = lock or RWLock()
        self.retriever = Retriever(store, vectors, keywords, encoder, self.lock, second)
        self._reranker: CrossEncoderReranker | None = None
        self._reranker_lock = threading.Lock()

    @property
    def vectors(self) -> VectorIndex:
        return self.retriever.vectors

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        req = request.validated(self.settings.max_query_chars)
        parsed = parse_query(req.query)
        filters = req.filters.narrowed(parsed.outlet, parsed.date_from, parsed.date_to)
        work = _Work(parsed, filters, restriction_for(self.store, parsed))
        newest = self.store.newest_date() if req.recency else None
        tiers = []
        k = min(req.k, MAX_DEPTH - req.offset)  # the last page stops at the depth limit
        for end in tiers_for(req.sort, req.offset + k):
            groups = self._groups(work, req, end)
            if req.sort != "relevance":
                del groups[end:]  # a date order sorts the `end` best answers, not the newest
            if req.sort != "relevance" or req.recency:
                self._date(work, groups)
            ordered(groups, req.sort, req.recency, newest)
            tiers.append((end, groups))
        page, next_offset = page_of(assemble(tiers), req.offset, req.k, lambda: work.exhausted)
        hits = self._hits(page, req.offset)
        if req.highlight and hits:
            spans = best_sentences(
                parsed.text, [h.text for h in hits], self.keywords.idf, self.encoder
            )
            for hit, (start, end) in zip(hits, spans, strict=True):
                cut = len(hit.text)  # a sentence past a cut text is marked at its end
                hit.highlight = {"start": min(start, cut), "end": min(end, cut)}
        marks = matcher(parsed.text, parsed.phrases)
        for hit in hits:
            hit.matches = match_spans(marks, hit.text)
        response = SearchResponse(
            query=req.query,
            mode=req.mode,
            results=hits,
            offset=req.offset,
            next_offset=next_offset,
        )
        if req.facets:
            shallow = self._ranked_at(work, req, CANDIDATES)
            response.facets = count_facets(self.store, [i for i, _ in shallow], req.date_bucket)
        if not hits and filters.outlet:
            response.notes += self._unknown_outlet(filters.outlet)
        if not hits and filters.language:
            response.notes += self._unknown_language(filters.language)
        response.took_ms = _ms_since(started)
        return response

    def similar(
        self, doc_id: str, k: int = 10, filters: Filters | None = None, group: bool = True
    ) -> SearchResponse:
        """Articles like this one ("more like this"): the nearest passages to the mean of its
        passages' vectors, one a article (its best), grouped across outlets as a search is.
        The query of the response is the article's title."""
        started = time.perf_counter()
        req = SearchRequest(doc_id, k=k, filters=filters or Filters(), group=group)
        req = req.validated(self.settings.max_query_chars)
        own = self.store.document_passages(doc_id)
        vectors = self.vectors_for([p.id for p in own])
        if not vectors:
            return SearchResponse(query=doc_id, mode="dense", results=[])
        mean = np.mean(np.stack(list(vectors.values())), axis=0)
        qvec = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        with self.lock.read():
            allowed = self.store.filtered_ids(req.filters) if req.filters.active() else None
            found = self.retriever.dense_search(qvec, CANDIDATES + len(own), allowed)
        ids = [i for i, _ in found]
        work = _Work(parse_query(doc_id), req.filters, Restriction())
        docs = self._docs(work, ids)
        best: dict[str, tuple[int, float]] = {}
        for pid, score in found:
            article = docs.get(pid)
            if article is not None and article != doc_id and article not in best:
                best[article] = (pid, score)
        work.ranked[CANDIDATES] = list(best.values())
        hits = self._hits(self._groups(work, req, k)[:k], 0)
        title = own[0].title if own else doc_id
        return SearchResponse(
            query=title or doc_id, mode="dense", results=hits, took_ms=_ms_since(started)
        )

    def _groups(self, work: _Work, req: SearchRequest, end: int) -> list[Group]:
        """One tier's answers, from the best passages (deeper candidates past the first
        SHALLOW answers) checked against the query's phrases, grouped and scored. The first
        page groups pool_for(end) passages; a deeper tier starts from a lean pool (and, past
        SHALLOW, candidates that deep) and takes the full one only where the lean pool had
        fewer than `end` distinct answers."""
        pool, lean = pool_for(end, req.group), lean_pool_for(end, req.group)
        for size in dict.fromkeys((lean, pool)):
            ranked = self._ranked_at(
                work, req, CANDIDATES if end <= SHALLOW else max(CANDIDATES, size)
            )
            groups = self._grouped(work, req, ranked[:size])
            work.exhausted = len(ranked) <= size
            if len(groups) >= end or work.exhausted:
                break
        return groups

    def _ranked_at(self, work: _Work, req: SearchRequest, depth: int) -> list[tuple[int, float]]:
        ranked = work.ranked.get(depth)
        if ranked is None:
            ranked = self.ranked(work.parsed.text, req.mode, work.filters, depth, work.restriction)
            work.ranked[depth] = ranked
        return ranked

    def _grouped(
        self, work: _Work, req: SearchRequest, top: list[tuple[int, float]]
    ) -> list[Group]:
        if work.parsed.required:
            texts = self._texts(work, [i for i, _ in top])
            top = [(i, s) for i, s in top if i in texts and phrase_check(work.parsed, texts[i])]
        scores = dict(top)
        if not req.group:
            return [Group(i, s) for i, s in top]
        ids, matrix = self.retriever.matrix_for([i for i, _ in top])
        found = group_near_duplicates(ids, matrix, lambda t: self._texts(work, t))
        docs = self._docs(
            work, [i for leader, folded in found if folded for i in (leader, *folded)]
        )
        groups = []
        for leader, folded in found:
            # a deleted passage (meanwhile) has no article: it counts for none
            others = {docs.get(j) for j in folded} - {docs.get(leader), None}
            score = corroborated(scores[leader], len(others))
            folded_scores = {j: scores[j] for j in folded} if folded else {}
            groups.append(Group(leader, score, folded, None, folded_scores))
        groups.sort(key=_score, reverse=True)  # stable: ties keep the ranking's order
        return groups

    def _texts(self, work: _Work, ids: list[int]) -> dict[int, str]:
        missing = [i for i in ids if i not in work.texts]
        if missing:
            work.texts.update(self.store.texts_by_id(missing))
        return work.texts

    def _docs(self, work: _Work, ids: list[int]) -> dict[int, str]:
        missing = [i for i in ids if i not in work.docs]
        if missing:
            work.docs.update(self.store.doc_ids_of(missing))
        return work.docs

    def _date(self, work: _Work, groups: list[Group]) -> None:
        """Sets each group's date (its leader's article's), read for the groups an order needs."""
        missing = [g.leader for g in groups if g.leader not in work.dates]
        if missing:
            work.dates.update(self.store.dates_of(missing))
        for group in groups:
            group.date = work.dates.get(group.leader)

    def _hits(self, groups: list[Group], offset: int) -> list[Hit]:
        """The page's answers as results: the passages and articles read for them alone.
        A passage deleted since it was ranked is left out."""
        wanted = [i for g in groups for i in (g.leader, *g.folded)]
        passages = self.store.passages_by_id(wanted)
        shown = [g for g in groups if g.leader in passages]
        hits = [self._hit(offset + n, g, passages) for n, g in enumerate(shown, start=1)]
        annotate(self.store, hits, [g.leader for g in shown])
        return hits

    def ranked(
        self,
        query: str,
        mode: str,
        filters: Filters,
        candidates: int = CANDIDATES,
        restriction: Restriction | None = None,
    ) -> list[tuple[int, float]]:
        """retrieve(), then the optional cross-encoder over the top settings.rerank_top_n."""
        ranked = self.retriever.retrieve(query, mode, filters, candidates, restriction)
        reranker = self.reranker()
        if reranker is None or not ranked:
            return ranked
        top_n = self.settings.rerank_top_n
        stored = self.store.passages_by_id(i for i, _ in ranked[:top_n])
        texts = {i: p.text for i, p in stored.items()}
        return rerank(ranked, texts, query, reranker, top_n)

    def retrieve(
        self, query: str, mode: str, filters: Filters, candidates: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        """(passage id, score) best first, fused, before any reranking."""
        return self.retriever.retrieve(query, mode, filters, candidates)

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        return self.retriever.vectors_for(ids)

    def reranker(self) -> CrossEncoderReranker | None:
        """The cross-encoder named by settings.rerank_model, loaded on first use."""
        name = self.settings.rerank_model
        if not name:
            return None
        with self._reranker_lock:
            if self._reranker is None:
                self._reranker = CrossEncoderReranker(name)
            return self._reranker

    def _unknown_outlet(self, outlet: str) -> list[str]:
        known = self.store.outlets()
        if any(outlet_key(name) == outlet_key(outlet) for name, _ in known):
            return []
        listed = ", ".join(f"{name} ({n})" for name, n in known[:8])
        return [f"no outlet or source is called {outlet!r}; the index has: {listed}"]

    def _unknown_language(self, language: str) -> list[str]:
        known = self.store.language_counts()
        if any(code == language for code, _ in known):
            return []
        listed = ", ".join(f"{code} ({n})" for code, n in known[:8]) or "none known yet"
        return [f"no article is written in {language!r}; the index's languages: {listed}"]

    def _hit(self, rank: int, group: Group, passages: dict[int, StoredPassage]) -> Hit:
        p = passages[group.leader]
        return Hit(
            rank=rank,
            score=round(float(group.score), 4),
            text=_cut(p.text),
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
                for f, s in (
                    (passages[j], group.folded_scores[j]) for j in group.folded if j in passages
                )
            ],
        )


def _score(group: Group) -> float:
    return group.score


def _cut(text: str) -> str:
    return text if len(text) <= MAX_RESULT_CHARS else text[: MAX_RESULT_CHARS - 1] + "…"


def _ms_since(started: float) -> float:
    """Milliseconds since `started`, to the hundredth a reply shows."""
    return round((time.perf_counter() - started) * 1000, 2)
