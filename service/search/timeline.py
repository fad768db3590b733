"""A story's timeline: the passages of one story that answer a question, oldest first, each
quote marked with the outlet that reported it first (the same words in an earlier article of
the story: service.search.quotes.fold)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.errors import NotFound
from service.records import Hit
from service.search.quotes import fold
from service.search.request import Filters, SearchRequest
from service.search.searcher import Searcher
from service.store import StoredQuote


@dataclass
class Timeline:
    """The JSON shape of `newsearch timeline --json` and GET /timeline: the story, and its
    passages that answer the question by date (undated last); in each passage's quotes,
    `first_source` is the outlet that reported that quote first (`first`: this one)."""

    query: str
    story_id: str | None
    headline: str
    outlets: list[str]
    entries: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "story_id": self.story_id,
            "headline": self.headline,
            "outlets": self.outlets,
            "entries": [hit.to_dict() for hit in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        return cls(
            query=data["query"],
            story_id=data["story_id"],
            headline=data["headline"],
            outlets=list(data["outlets"]),
            entries=[Hit.from_dict(h) for h in data["entries"]],
        )


def story_timeline(
    searcher: Searcher, question: str, story_id: str | None = None, k: int = 20
) -> Timeline:
    """The `k` passages of the story that best answer the question, in date order. Without
    `story_id`, the story of the question's best answer."""
    if story_id is None:
        best = searcher.search(SearchRequest(question, k=1, highlight=False)).results
        if not best:
            return Timeline(question.strip(), None, "", [])
        story_id = best[0].story_id
    if not story_id:
        return Timeline(question.strip(), None, "", [])
    story = next(iter(searcher.store.list_stories(None, 1, story=story_id)), None)
    if story is None:
        raise NotFound(f"no story {story_id!r} in the index")
    # each outlet's report at its own date, not folded into another's
    request = SearchRequest(question, k=k, filters=Filters(story=story_id), group=False)
    hits = searcher.search(request).results
    hits.sort(key=lambda h: (h.date is None, h.date or "", h.rank))
    firsts = _first_reports(searcher, story_id)
    for hit in hits:
        for quote in hit.quotes:
            lo, hi = hit.start + quote["start"], hit.start + quote["end"]
            first = next(
                (src for q, src in firsts.get(hit.doc_id, []) if q.start < hi and q.end > lo), ""
            )
            quote["first"] = not first
            quote["first_source"] = first or hit.source
    return Timeline(request.query.strip(), story_id, story.headline, story.outlets, hits)


def _first_reports(searcher: Searcher, story_id: str) -> dict[str, list[tuple[StoredQuote, str]]]:
    """Article id -> its quotes, each with the source that carried those words first."""
    found: dict[str, list[tuple[StoredQuote, str]]] = {}
    for leader, folded in fold(searcher.store.story_quotes(story_id)):
        for q in (leader, *folded):
            found.setdefault(q.doc_id, []).append((q, leader.source if q is not leader else ""))
    return found
