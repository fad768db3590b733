"""Plain data records passed between the layers: Article, Passage, Hit, SearchResponse, and the
one rule for what a result names as its source."""

from __future__ import annotations

import unicodedata
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
    # why a page read is not one article (a front page, an index), None for an article:
    # such pages are skipped with a warning unless the caller keeps them (never stored)
    non_article: str | None = None


@dataclass(frozen=True)
class Passage:
    """A paragraph of an article; start/end are character offsets into Article.text."""

    doc_id: str
    paragraph: int  # 1-based position in the article
    start: int
    end: int
    text: str


_TLDS = {"com", "net", "org", "info", "news", "co", "uk", "au", "br", "de", "fr", "it", "ru", "in",
         "ca", "ie", "nz", "jp", "kr", "es", "nl"}  # fmt: skip


def outlet_key(name: str | None) -> str:
    """What two spellings of one outlet share, so a filter finds both: "The Hill", "TheHill"
    and "thehill.com" are "hill"; "Express.co.uk" is "express". Letters and digits only,
    case and accents folded, a leading "the" and a trailing domain ending dropped."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).casefold().strip()
    if " " not in text:
        parts = text.split(".")
        while len(parts) > 1 and parts[-1] in _TLDS:
            parts.pop()
        text = ".".join(parts)
    key = "".join(c for c in text if c.isalnum())
    return key[3:] if key.startswith("the") and len(key) >= 6 else key


def source_of(outlet: str | None, source_path: str | None, doc_id: str) -> str:
    """What a result names as where it came from: the outlet when known, else the file it was
    read from, else its id."""
    return outlet or source_path or doc_id


@dataclass(frozen=True)
class AlsoReported:
    """The same passage in another article, folded into a result."""

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
    highlight: dict[str, int] | None = None  # the best-answering sentence, offsets into text
    matches: list[dict[str, int]] = field(default_factory=list)  # the query's words in text
    also_reported_by: list[AlsoReported] = field(default_factory=list)
    # the quotes the passage holds: {start, end, speaker, cue}, offsets into text
    quotes: list[dict[str, Any]] = field(default_factory=list)
    story_id: str | None = None  # the story its article belongs to (service.stories)
    story_outlets: int = 0  # how many outlets report that story
    language: str | None = None  # its article's, an ISO 639 code (service.language)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hit:
        """The inverse of to_dict (a reply of the HTTP API)."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["also_reported_by"] = [AlsoReported(**a) for a in data.get("also_reported_by") or []]
        return cls(**fields)


@dataclass(frozen=True)
class FacetCount:
    value: str  # an outlet, a date bucket ("2021", "2021-05", "2021-05-12"), a name, a language
    count: int  # articles among the matches


@dataclass
class Facets:
    """What the matches of a search are made of: their articles counted by outlet and by date
    (undated ones are counted apart), among the `articles` the search's candidates hold."""

    articles: int
    outlets: list[FacetCount]
    dates: list[FacetCount]
    bucket: str  # day | month | year
    undated: int = 0
    # who the matches quote and name: articles among the matches per name
    speakers: list[FacetCount] = field(default_factory=list)
    people: list[FacetCount] = field(default_factory=list)
    orgs: list[FacetCount] = field(default_factory=list)
    places: list[FacetCount] = field(default_factory=list)
    languages: list[FacetCount] = field(default_factory=list)  # ISO 639 codes

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facets:
        names = {k: [FacetCount(**f) for f in data.get(k) or []] for k in NAME_FACETS}
        return cls(
            articles=data["articles"],
            outlets=[FacetCount(**f) for f in data["outlets"]],
            dates=[FacetCount(**f) for f in data["dates"]],
            bucket=data["bucket"],
            undated=data.get("undated", 0),
            languages=[FacetCount(**f) for f in data.get("languages") or []],
            **names,
        )


# each name facet and the entity kind it counts (service.store.attributions)
NAME_FACETS = {"speakers": "speaker", "people": "person", "orgs": "org", "places": "place"}


@dataclass
class SearchResponse:
    """What a search returns: the results best first (from `offset`), where the next page
    starts (None: this is the last), the facets if asked, notes for the person asking (an
    unknown outlet, say), and how long it took."""

    query: str
    mode: str
    results: list[Hit]
    took_ms: float = 0.0
    offset: int = 0
    next_offset: int | None = None
    facets: Facets | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "mode": self.mode,
            "results": [hit.to_dict() for hit in self.results],
            "offset": self.offset,
            "next_offset": self.next_offset,
            "facets": asdict(self.facets) if self.facets else None,
            "notes": list(self.notes),
            "took_ms": self.took_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchResponse:
        """The inverse of to_dict (a reply of the HTTP API)."""
        facets = data.get("facets")
        return cls(
            query=data["query"],
            mode=data["mode"],
            results=[Hit.from_dict(hit) for hit in data["results"]],
            took_ms=float(data.get("took_ms", 0.0)),
            offset=int(data.get("offset", 0)),
            next_offset=data.get("next_offset"),
            facets=Facets.from_dict(facets) if facets else None,
            notes=list(data.get("notes") or []),
        )


@dataclass(frozen=True)
class WrittenDocument:
    """What a write did to one article: "added", "updated" or "unchanged", and its passages."""

    doc_id: str
    status: str
    passages: int


@dataclass(frozen=True)
class Written:
    """What a write through the API did: each article's outcome, and what it noticed."""

    documents: list[WrittenDocument]
    warnings: list[str]

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Written:
        return Written(
            documents=[WrittenDocument(**doc) for doc in data["documents"]],
            warnings=list(data.get("warnings", [])),
        )


@dataclass(frozen=True)
class Stats:
    """An index's counts, model, size on disk, write generation, vector search kind and the
    articles' languages (ISO 639 code -> articles, the most first)."""

    documents: int
    passages: int
    model: str
    dim: int
    index_dir: str
    size_bytes: int
    generation: int
    vector_search: str  # "exact" or "ivfN"
    languages: dict[str, int] = field(default_factory=dict)
    second_model: str | None = None  # a second encoder's dense list (service.ensemble)
