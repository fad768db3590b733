"""Plain data records passed between the layers: Article, Passage, Hit, SearchResponse."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One cleaned news article, ready to be split into passages."""

    doc_id: str
    text: str
    title: str = ""
    date: str | None = None  # ISO 8601 (YYYY-MM-DD or a full timestamp)
    outlet: str | None = None
    url: str | None = None
    source_path: str | None = (
        None  # where it was read from, for people; never re-read by the server
    )


@dataclass(frozen=True)
class Passage:
    """A paragraph of an article; start/end are character offsets into Article.text."""

    doc_id: str
    paragraph: int  # 1-based position in the article
    start: int
    end: int
    text: str

    @property
    def passage_id(self) -> str:
        return f"{self.doc_id}#{self.paragraph}"


@dataclass(frozen=True)
class AlsoReported:
    doc_id: str
    source: str
    title: str
    paragraph: int
    score: float


@dataclass
class Hit:
    """One ranked search result. The JSON shape of `ask --json` and the HTTP API."""

    rank: int
    score: float
    text: str
    doc_id: str
    source: str
    title: str
    date: str | None
    paragraph: int
    start: int
    end: int
    url: str | None = None
    highlight: dict[str, int] | None = None
    also_reported_by: list[AlsoReported] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResponse:
    query: str
    mode: str
    results: list[Hit]
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "mode": self.mode,
            "results": [hit.to_dict() for hit in self.results],
            "took_ms": round(self.took_ms, 2),
        }
