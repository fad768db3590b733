"""Pages of results that never show a result twice or skip one, however deep a reader goes.

A ranking is computed in tiers: the first 10 answers from the candidates a plain search takes,
the next 90 from a larger grouping pool, the rest (to 1,000) from deeper candidate lists; past
the first page a tier groups a lean pool first and the full one only when the lean one folds
into too few answers.
Each tier is a deterministic function of the question and the index, and a later tier only
adds what the earlier ones did not show: the results are one list, and a page is a slice of
it. A date order sorts the 100 best answers by date, then the next 900."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from service.search.request import MAX_DEPTH

GROUP_POOL_FACTOR, GROUP_POOL_EXTRA = 4, 20  # passages grouped for n answers: 4n + 20
LEAN_POOL_FACTOR = 2  # a deeper tier's first try: 2n + 20
RELEVANCE_TIERS = (10, 100, MAX_DEPTH)
DATE_TIERS = (100, MAX_DEPTH)
SHALLOW = 100  # tiers up to this many answers share the plain search's candidates


@dataclass(slots=True)  # hundreds a search: slots make them cheaper to build
class Group:
    """One answer: its leading passage, the passages of other articles it folded in, its
    score and its article's date."""

    leader: int
    score: float
    folded: list[int] = field(default_factory=list)
    date: str | None = None
    folded_scores: dict[int, float] = field(default_factory=dict)


def tiers_for(sort: str, wanted: int) -> list[int]:
    """The tiers (answers each ends at) a request for the first `wanted` answers needs."""
    tiers = DATE_TIERS if sort in ("newest", "oldest") else RELEVANCE_TIERS
    needed = []
    for tier in tiers:
        needed.append(tier)
        if tier >= wanted:
            break
    return needed


def pool_for(answers: int, grouped: bool) -> int:
    """Passages grouped to find `answers` distinct answers."""
    return answers * GROUP_POOL_FACTOR + GROUP_POOL_EXTRA if grouped else answers


def lean_pool_for(answers: int, grouped: bool) -> int:
    """Passages a tier past the first page groups first (enough where few passages fold):
    half the full pool's passages for each answer. The first page always gets the full one,
    so its answers have every other outlet's copy the candidates hold."""
    if not grouped or answers <= RELEVANCE_TIERS[0]:
        return pool_for(answers, grouped)
    return answers * LEAN_POOL_FACTOR + GROUP_POOL_EXTRA


def assemble(tiers: Sequence[tuple[int, list[Group]]]) -> list[Group]:
    """The one list: each tier's groups, in its order, up to its end, without what an earlier
    tier already showed (as leader or as folded in)."""
    out: list[Group] = []
    shown: set[int] = set()
    for end, groups in tiers:
        for group in groups:
            if len(out) >= end:
                break
            if group.leader in shown:
                continue
            folded = [f for f in group.folded if f not in shown]
            out.append(Group(group.leader, group.score, folded, group.date, group.folded_scores))
            shown.add(group.leader)
            shown.update(folded)
    return out


def ordered(groups: list[Group], sort: str, recency: float | None, newest: str | None) -> None:
    """Orders a tier's groups in place: by score (less ln 2 per half-life of age behind the
    newest article, with `recency`), or by date with undated answers last either way; ties
    keep the relevance order."""
    if recency and newest:
        ages = [_age_days(g.date, newest) for g in groups]
        oldest = max((a for a in ages if a is not None), default=0.0)
        for group, age in zip(groups, ages, strict=True):
            # e^score x 2^(-age / half-life): the fused score is a log-scale quantity
            group.score -= math.log(2) * (oldest if age is None else age) / recency
        groups.sort(key=lambda g: -g.score)
    if sort in ("newest", "oldest"):
        dated = [g for g in groups if g.date]
        dated.sort(key=lambda g: g.date or "", reverse=sort == "newest")
        groups[:] = dated + [g for g in groups if not g.date]


def _age_days(day: str | None, newest: str) -> float | None:
    if not day:
        return None
    try:
        return float((date.fromisoformat(newest[:10]) - date.fromisoformat(day[:10])).days)
    except ValueError:
        return None


def page_of(
    all_groups: list[Group], offset: int, k: int, exhausted: Callable[[], bool]
) -> tuple[list[Group], int | None]:
    """The page, and where the next one starts (None when no result is left or the depth
    limit is reached). `exhausted`: whether the last tier ran out of candidates."""
    page = all_groups[offset : offset + k]
    end = offset + len(page)
    more = len(all_groups) > end or (len(page) == k and not exhausted())
    return page, end if more and end < MAX_DEPTH else None
