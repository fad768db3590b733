"""Marks the sentence of each result that best answers the query: bm25 over its words (each
query word weighted by how rare it is among the passages), scored the way Lucene's highlighter
scores passages, and the embedding model only to break ties (sentences alike in every respect,
or none holding a query word)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from service.analysis import STOPWORDS, WORD, words
from service.chunking import sentence_spans
from service.encoders import Encoder

IdfFn = Callable[[Sequence[str]], dict[str, float]]  # words -> idf over the index
MODEL_RESULTS = 3  # results whose tied sentences the embedding model may order
MODEL_SENTENCES = 16  # at most this many sentences embedded per search


# Sentence scoring after Lucene's unified highlighter (its PassageScorer: each passage scored
# as a miniature document, norm(start) x sum of weight x bm25 tf, k1 1.2, b 0.75, an average
# sentence of 87 characters, a mild preference for earlier passages). Lucene weighs a term by
# its statistics within the document; here a query word weighs its idf over the whole index.
K1, B, PIVOT_CHARS = 1.2, 0.75, 87


def stem(word: str) -> str:
    # A crude prefix stem ("condolences" ~ "condolence") is enough to compare a query to a
    # sentence of the same passage; the ranking itself never depends on it.
    return word[:6]


def term_weights(query: str, idf: IdfFn) -> dict[str, float]:
    """The query's stems, each weighted by the rarest word that has it: "Abbas" says more about
    which sentence answers than "said" does. A hybrid search has just cached these words'
    postings, so the weights cost no query there."""
    content = list(dict.fromkeys(w for w in words(query) if w not in STOPWORDS))
    weights: dict[str, float] = {}
    for word, weight in idf(content).items():
        prefix = stem(word)
        weights[prefix] = max(weights.get(prefix, 0.0), weight)
    return weights


def sentence_score(weights: dict[str, float], text: str, start: int, end: int) -> float:
    """bm25 of one sentence (length in characters against Lucene's pivot), times Lucene's
    position norm 1 + 1 / ln(pivot + start)."""
    counts: dict[str, int] = {}
    for word in WORD.findall(text[start:end].lower()):
        term = stem(word)
        if term in weights and word not in STOPWORDS:
            counts[term] = counts.get(term, 0) + 1
    if not counts:
        return 0.0
    norm = K1 * (1 - B + B * (end - start) / PIVOT_CHARS)
    # summed in one order, so sentences alike in every respect score exactly alike
    total = sum(sorted(weights[t] * n * (K1 + 1) / (n + norm) for t, n in counts.items()))
    return total * (1 + 1 / math.log(PIVOT_CHARS + start))


def best_sentences(
    query: str, texts: list[str], idf: IdfFn, encoder: Encoder
) -> list[tuple[int, int]]:
    """For each text, the (start, end) span of its best sentence. `idf` weighs the query's
    words; `encoder` orders sentences that tie."""
    weights = term_weights(query, idf)
    out: list[tuple[int, int]] = []
    undecided: list[tuple[int, list[tuple[int, int]]]] = []
    for row, text in enumerate(texts):
        spans = sentence_spans(text)
        if len(spans) <= 1:
            out.append(spans[0] if spans else (0, len(text)))
            continue
        overlap = [sentence_score(weights, text, s, e) for s, e in spans]
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
        vecs = encoder.encode_few(sentences)
        qvec = encoder.encode_query(query)
        sims = vecs @ qvec
        offset = 0
        for row, tied in undecided:
            part = sims[offset : offset + len(tied)]
            out[row] = tied[int(np.argmax(part))]
            offset += len(tied)
    return out
