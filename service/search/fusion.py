"""How the dense and keyword lists become one ranking: z-scores, convex fusion, and the blend of
each passage's dense score with its article's lead. Tuned on SciFact only (docs/search.md)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

DENSE_WEIGHT = 0.6  # convex fusion: weight of the standardised dense score
# Passage-plus-document scoring: a passage's dense score leans this far toward its article's
# first passage (title and lead), for the LEAD_DEPTH best candidates; deeper ones could gain a
# rank or two at most, not worth a lead lookup each
LEAD_WEIGHT = 0.35
LEAD_DEPTH = 50
# With a second encoder's dense list (service.ensemble): the keyword list's weight, and the
# second list's share of the dense weight; the best of bench/fuse_encoders.py's grid on SciFact
# (all-MiniLM-L6-v2 with multilingual-e5-small), the other sets only reported
ENSEMBLE_KEYWORD_WEIGHT = 0.5
SECOND_SHARE = 0.5


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
    dense: dict[int, float],
    keyword: dict[int, float],
    dense_weight: float = DENSE_WEIGHT,
    unspoken: frozenset[int] = frozenset(),
) -> list[tuple[int, float]]:
    """Standardise each retriever's scores over the union of candidates (each has scored every
    candidate; a keyword non-match scores 0) and add them with weights. Tuned on SciFact:
    z-scores beat min-max and reciprocal rank fusion (docs/search.md). `unspoken`: candidates
    in a language other than the question's, whose words the question cannot share: the
    keyword list says nothing of them, so the dense score stands for both."""
    d, kw = z_scores(dense), z_scores(keyword)
    fused = {
        i: dense_weight * d.get(i, 0.0)
        + (1 - dense_weight) * (d.get(i, 0.0) if i in unspoken else kw.get(i, 0.0))
        for i in d.keys() | kw.keys()
    }
    return best_first(fused.items())


def ensemble_fusion(
    dense: dict[int, float],
    second: dict[int, float],
    keyword: dict[int, float],
    keyword_weight: float = ENSEMBLE_KEYWORD_WEIGHT,
    unspoken: frozenset[int] = frozenset(),
) -> list[tuple[int, float]]:
    """convex_fusion with two dense lists: their z-scores blended (SECOND_SHARE to the
    second) stand for the dense side; `unspoken` as in convex_fusion."""
    d, s, kw = z_scores(dense), z_scores(second), z_scores(keyword)
    fused = {}
    for i in d.keys() | s.keys() | kw.keys():
        both = (1 - SECOND_SHARE) * d.get(i, 0.0) + SECOND_SHARE * s.get(i, 0.0)
        said = both if i in unspoken else kw.get(i, 0.0)
        fused[i] = (1 - keyword_weight) * both + keyword_weight * said
    return best_first(fused.items())


def dense_scale(dense: dict[int, float], dense_weight: float = DENSE_WEIGHT) -> float:
    """What one point of dense score is worth in fused units: the weight over the dense
    scores' spread (0 when they do not spread)."""
    spread = float(np.std(np.fromiter(dense.values(), dtype=np.float64))) if dense else 0.0
    return dense_weight / spread if spread else 0.0


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
