"""Folds near-duplicate passages (the same quote or wire copy in several outlets) into the
highest-ranked one, so k results are k distinct answers."""

from __future__ import annotations

import functools
import math
import re

import numpy as np

SHINGLE = 3  # words per shingle
MIN_CONTAINMENT = 0.5  # share of the shorter passage's shingles found in the other
MIN_COSINE = 0.80  # and the embeddings must agree: the same words in another sense don't fold
CORROBORATION = 0.15  # weight of the log2(1 + other articles) bonus
_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=8192)  # the same passages come back query after query
def shingles(text: str, size: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    words = _WORD.findall(text.lower().replace("’", "'"))
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def containment(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def is_near_duplicate(
    a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]], va: np.ndarray, vb: np.ndarray
) -> bool:
    return containment(a, b) >= MIN_CONTAINMENT and float(np.dot(va, vb)) >= MIN_COSINE


def group_near_duplicates(
    ranked: list[tuple[int, str, np.ndarray]],
) -> list[tuple[int, list[int]]]:
    """`ranked`: (id, text, vector) best first. Returns every (leader id, folded ids), in
    leader order; a passage joins the first leader it nearly duplicates. The cosine test runs
    first, vectorised, so shingles are compared only for the few candidates it lets through."""
    groups: list[tuple[int, list[int]]] = []
    leader_texts: list[str] = []
    leader_vectors = np.zeros((len(ranked), ranked[0][2].shape[0] if ranked else 1), np.float32)
    for pid, text, vec in ranked:
        n = len(groups)
        close: list[int] = np.flatnonzero(leader_vectors[:n] @ vec >= MIN_COSINE).tolist()
        # shingles only where the cosine test passed: most passages never need theirs
        for slot in close:
            if containment(shingles(text), shingles(leader_texts[slot])) >= MIN_CONTAINMENT:
                groups[slot][1].append(pid)
                break
        else:
            groups.append((pid, []))
            leader_texts.append(text)
            leader_vectors[n] = vec
    return groups


def corroborated(score: float, outlets: int, weight: float = CORROBORATION) -> float:
    """A passage that several other articles carry word for word is more likely the salient
    statement: its score grows with log2(1 + other articles). Scale-free, so it suits cosine,
    bm25 and fused scores alike; negative scores are left alone."""
    return score * (1 + weight * math.log2(1 + outlets)) if score > 0 else score
