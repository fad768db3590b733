"""Folds near-duplicate passages (the same quote or wire copy in several outlets) into the
highest-ranked one, so k results are k distinct answers."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

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
    ids: Sequence[int],
    vectors: np.ndarray,
    texts: Callable[[list[int]], Mapping[int, str]],
) -> list[tuple[int, list[int]]]:
    """`ids` best first, `vectors` their embeddings (one row each). Returns every (leader id,
    folded ids), in leader order; a passage joins the first leader it nearly duplicates.
    The cosine test runs first, for all pairs in one product; only a passage close to an
    earlier one needs the shingle test, and `texts` is asked for those passages' texts alone
    (most passages of a result list never need theirs)."""
    if not len(ids):
        return []
    close = np.tril(vectors @ vectors.T >= MIN_COSINE, -1)  # row: a passage, cols: earlier ones
    doubtful = np.flatnonzero(close.any(axis=1))
    leader_of = list(range(len(ids)))  # row -> row of its group's leader (itself: a leader)
    if len(doubtful):
        involved = close[doubtful].any(axis=0)
        involved[doubtful] = True
        text = texts([ids[r] for r in np.flatnonzero(involved).tolist()])
        for row in doubtful.tolist():
            mine = shingles(text.get(ids[row], ""))
            for earlier in np.flatnonzero(close[row]).tolist():  # in leader order
                if leader_of[earlier] == earlier and (
                    containment(mine, shingles(text.get(ids[earlier], ""))) >= MIN_CONTAINMENT
                ):
                    leader_of[row] = earlier
                    break
    folded: dict[int, list[int]] = {}
    for row, leader in enumerate(leader_of):
        if leader == row:
            folded[row] = []
        else:
            folded[leader].append(ids[row])
    return [(ids[row], members) for row, members in folded.items()]


def corroborated(score: float, outlets: int, weight: float = CORROBORATION) -> float:
    """A passage that several other articles carry word for word is more likely the salient
    statement: its score grows with log2(1 + other articles). Scale-free, so it suits cosine,
    bm25 and fused scores alike; negative scores are left alone."""
    return score * (1 + weight * math.log2(1 + outlets)) if score > 0 else score
