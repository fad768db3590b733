"""Facet counts for a search: the articles among its candidates counted by outlet, by date
bucket, by language and by the speakers, people, organisations and places their passages name,
from the candidate list the search already holds (one lookup of their articles' fields, not a
second search)."""

from __future__ import annotations

from collections import Counter

from service.records import NAME_FACETS, FacetCount, Facets
from service.store import Store

BUCKET_CHARS = {"year": 4, "month": 7, "day": 10}  # a bucket is the date's ISO prefix
MAX_VALUES = 50  # outlets and date buckets listed at most (the most articles first)


def count_facets(store: Store, passage_ids: list[int], bucket: str) -> Facets:
    articles = store.article_fields(passage_ids)
    outlets = Counter(source for _, source, _, _ in articles)
    size = BUCKET_CHARS[bucket]
    dates = Counter(day[:size] for _, _, day, _ in articles if day)
    undated = sum(1 for _, _, day, _ in articles if not day)
    languages = Counter(language for _, _, _, language in articles if language)
    named = store.entity_counts(passage_ids)
    names = {
        facet: [FacetCount(v, n) for v, n in _top(Counter(dict(named.get(kind, []))))]
        for facet, kind in NAME_FACETS.items()
    }
    return Facets(
        articles=len(articles),
        outlets=[FacetCount(v, n) for v, n in _top(outlets)],
        # dates in order of the calendar (a histogram), the busiest MAX_VALUES of them
        dates=sorted((FacetCount(v, n) for v, n in _top(dates)), key=lambda f: f.value),
        bucket=bucket,
        undated=undated,
        languages=[FacetCount(v, n) for v, n in _top(languages)],
        **names,
    )


def _top(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_VALUES]
