"""Marks the sentence of each result that best answers the query: query-word overlap first
(free), the embedding model only to break ties among sentences that share no query word."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from service.chunking import sentence_spans
from service.store import STOPWORDS

if TYPE_CHECKING:
    from service.newsindex import NewsIndex

_WORD = re.compile(r"\w+", re.UNICODE)
MODEL_RESULTS = 3  # results whose tied sentences the embedding model may order
MODEL_SENTENCES = 16  # at most this many sentences embedded per search


def _stem(word: str) -> str:
    # A crude prefix stem ("condolences" ~ "condolence") is enough to compare a query to a
    # sentence of the same passage; the ranking itself never depends on it.
    return word[:6]


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def best_sentences(query: str, texts: list[str], index: NewsIndex) -> list[tuple[int, int]]:
    """For each text, the (start, end) span of its best sentence."""
    q_terms = _terms(query)
    out: list[tuple[int, int]] = []
    undecided: list[tuple[int, list[tuple[int, int]]]] = []
    for row, text in enumerate(texts):
        spans = sentence_spans(text)
        if len(spans) <= 1:
            out.append(spans[0] if spans else (0, len(text)))
            continue
        overlap = [len(q_terms & _terms(text[s:e])) for s, e in spans]
        best = max(overlap)
        if best > 0 and overlap.count(best) == 1:
            out.append(spans[overlap.index(best)])
            continue
        tied = [span for span, n in zip(spans, overlap, strict=True) if n == best]
        out.append(tied[0])
        undecided.append((row, tied))
    # The model breaks ties only for the first few results, in one small batch: it keeps the
    # highlight's cost bounded whatever the passages look like.
    budget, chosen = MODEL_SENTENCES, []
    for row, tied in undecided:
        if row < MODEL_RESULTS and len(tied) <= budget:
            chosen.append((row, tied))
            budget -= len(tied)
    undecided = chosen
    if undecided:
        sentences = [texts[row][s:e] for row, tied in undecided for s, e in tied]
        vecs = index.encoder.encode_few(sentences)
        qvec = index.encoder.encode_query(query)
        sims = vecs @ qvec
        offset = 0
        for row, tied in undecided:
            part = sims[offset : offset + len(tied)]
            out[row] = tied[int(np.argmax(part))]
            offset += len(tied)
    return out
