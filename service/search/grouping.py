"""Folds near-duplicate passages (the same quote or wire copy in several outlets) into the
highest-ranked one, so k results are k distinct answers."""

from __future__ import annotations

import functools
import math

import numpy as np

from service.analysis import words as _words

SHINGLE = 3  # words per shingle
MIN_CONTAINMENT = 0.5  # share of the shorter passage's shingles found in the other
MIN_COSINE = 0.80  # and the embeddings must agree: the same words in another sense don't fold
CORROBORATION = 0.15  # weight of the log2(1 + other articles) bonus


@functools.lru_cache(maxsize=8192)  # the same passages come back query after query
def shingles(text: str, size: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    words = _words(text.replace("’", "'"))
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    # windows of `size` words; zip stops at the shortest, the last full window
    return frozenset(zip(*(words[i:] for i in range(size)), strict=False))


def containment(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def group_near_duplicates(
    ranked: list[tuple[int, str, np.ndarray]],
) -> list[tuple[int, list[int]]]:
    """`ranked`: (id, text, vector) best first. Returns every (leader id, folded ids), in
    leader order; a passage joins the first leader it nearly duplicates. The cosine test runs
    first, for all pairs in one product, so shingles are compared only for the few candidates
    it lets through."""
    if not ranked:
        return []
    vectors = np.stack([vec for _, _, vec in ranked])
    close_to = (vectors @ vectors.T >= MIN_COSINE).tolist()
    groups: list[tuple[int, list[int]]] = []
    leaders: list[int] = []  # row in `ranked` of each group's leader
    for row, (pid, text, _) in enumerate(ranked):
        near = close_to[row]
        # shingles only where the cosine test passed: most passages never need theirs
        for slot, leader in enumerate(leaders):
            if (
                near[leader]
                and containment(shingles(text), shingles(ranked[leader][1])) >= MIN_CONTAINMENT
            ):
                groups[slot][1].append(pid)
                break
        else:
            groups.append((pid, []))
            leaders.append(row)
    return groups


def corroborated(score: float, outlets: int, weight: float = CORROBORATION) -> float:
    """A passage that several other articles carry word for word is more likely the salient
    statement: its score grows with log2(1 + other articles). Scale-free, so it suits cosine,
    bm25 and fused scores alike; negative scores are left alone."""
    return score * (1 + weight * math.log2(1 + outlets)) if score > 0 else score
