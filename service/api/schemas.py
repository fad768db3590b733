"""Pydantic models: the HTTP contract (and the OpenAPI schema) of the newsearch API."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from service.search import HALF_LIFE_DAYS, MAX_DEPTH, MAX_K, MAX_NAME_CHARS, Mode, Sort


def _json_number(value: object) -> object:
    # pydantic would read true as 1 and "5" as 5; the schema says a number, so only a number passes
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON number")
    return value


Number = BeforeValidator(_json_number)
Bucket = Literal["day", "month", "year"]
Offset = Annotated[
    int,
    Field(ge=0, le=MAX_DEPTH - 1, description=f"results to skip (pages go {MAX_DEPTH} deep)"),
    Number,
]
Recency = Annotated[
    float,
    Field(
        ge=HALF_LIFE_DAYS[0],
        le=HALF_LIFE_DAYS[1],
        description="half-life in days of a boost for newer articles",
    ),
    Number,
]

# The schema states every rule the server enforces, so a schema-valid request is accepted.
NOT_BLANK = r"[^\s\x00-\x1f\x7f-\x9f]"  # Python's strip() also removes \x1c-\x1f
DOC_ID_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
DocId = Annotated[str, Field(min_length=1, max_length=512, pattern=DOC_ID_PATTERN)]
Query = Annotated[str, Field(min_length=1, pattern=NOT_BLANK, description="the question")]
K = Annotated[int, Field(ge=1, le=MAX_K, description="number of results"), Number]
Label = Annotated[str, Field(max_length=512)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS, description="a name: its words match")]


def _iso_text(value: object) -> object:
    # pydantic would read the number 0 (or "0.0") as 1970-01-01; a date is written YYYY-MM-DD
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}(?:$|[T ])", value):
        raise ValueError("must be an ISO date (YYYY-MM-DD) or timestamp")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_text)]
IsoDateTime = Annotated[dt.date | dt.datetime, BeforeValidator(_iso_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchBody(Strict):
    query: Query = Field(examples=["what did Blinken tell Abbas"])
    k: K = 10
    mode: Mode = "hybrid"
    outlet: Label | None = Field(None, description="only this outlet (or source file)")
    source: Label | None = Field(None, description="alias of outlet")
    date_from: IsoDate | None = Field(None, description="ISO date, inclusive")
    date_to: IsoDate | None = Field(None, description="ISO date, inclusive")
    doc_id: DocId | None = None
    speaker: Name | None = Field(None, description="only passages quoting this speaker")
    person: Name | None = Field(None, description="only passages naming this person")
    org: Name | None = Field(None, description="only passages naming this organisation")
    place: Name | None = Field(None, description="only passages naming this place")
    story: Label | None = Field(None, description="only articles of this story (GET /stories)")
    language: Label | None = Field(
        None, description="only articles written in this language (ISO 639: en, ru, pt-BR)"
    )
    group: StrictBool = Field(True, description="fold near-duplicates into also_reported_by")
    highlight: StrictBool = True
    offset: Offset = 0
    sort: Sort = Field("relevance", description="relevance, newest or oldest first")
    recency: Recency | None = None
    facets: StrictBool = Field(False, description="count outlets and dates among the matches")
    date_bucket: Bucket = Field("month", description="the date facet's bucket")


class Span(BaseModel):
    start: int
    end: int


class AlsoReportedOut(BaseModel):
    doc_id: str
    source: str
    title: str
    paragraph: int
    score: float


class HitOut(BaseModel):
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
    highlight: Span | None = None
    matches: list[Span] = []
    also_reported_by: list[AlsoReportedOut] = []
    quotes: list[QuoteSpanOut] = []
    story_id: str | None = None
    story_outlets: int = 0
    language: str | None = None  # ISO 639 code of its article's language, None: not known


class QuoteSpanOut(BaseModel):
    """A quote in a result's passage: offsets into the result's text."""

    start: int
    end: int
    speaker: str | None
    cue: str | None


class FacetCountOut(BaseModel):
    value: str
    count: int


class FacetsOut(BaseModel):
    articles: int
    outlets: list[FacetCountOut]
    dates: list[FacetCountOut]
    bucket: Bucket
    undated: int
    speakers: list[FacetCountOut] = []
    people: list[FacetCountOut] = []
    orgs: list[FacetCountOut] = []
    places: list[FacetCountOut] = []
    languages: list[FacetCountOut] = []


class SearchOut(BaseModel):
    query: str
    mode: Mode
    results: list[HitOut]
    offset: int = 0
    next_offset: int | None = None
    facets: FacetsOut | None = None
    notes: list[str] = []
    took_ms: float


class ArticleReplace(Strict):
    """PUT body: the article fields; the id comes from the path."""

    text: str = Field(
        min_length=1,
        pattern=NOT_BLANK,
        description="article text; paragraphs separated by newlines",
    )
    title: Label | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None
    date: IsoDateTime | None = Field(None, description="ISO date or timestamp")
    outlet: Label | None = None

    def fields(self, doc_id: str) -> dict[str, object]:
        """The JSONL article fields (dates as ISO strings)."""
        data = self.model_dump(exclude_none=True)
        if self.date is not None:
            data["date"] = self.date.isoformat()
        return data | {"id": doc_id}


class ArticleIn(ArticleReplace):
    id: DocId = Field(description="stable document id", examples=["wire-2021-05-12-001"])


class WrittenDoc(BaseModel):
    doc_id: str
    status: Literal["added", "updated", "unchanged"]
    passages: int


class WriteOut(BaseModel):
    documents: list[WrittenDoc]
    took_ms: float
    warnings: list[str] = Field(
        default_factory=list,
        description="what the write noticed, as `newsearch index` prints it: an id sent twice "
        "(the last copy kept), articles in a language the index's model does not read, …",
    )


class DeleteOut(BaseModel):
    doc_id: str
    deleted_passages: int


class PassageOut(BaseModel):
    paragraph: int
    start: int
    end: int
    text: str


class DocumentBase(BaseModel):
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source: str
    added_at: str
    language: str | None = None  # ISO 639 code, None: not known


class DocumentQuoteOut(BaseModel):
    """A quote of the article: offsets into its text (the speaker's mention too)."""

    start: int
    end: int
    text: str
    kind: str
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    role: str | None


class DocumentOut(DocumentBase):
    text: str
    passages: list[PassageOut]
    quotes: list[DocumentQuoteOut] = []


class QuoteSourceOut(BaseModel):
    doc_id: str
    source: str
    title: str
    date: str | None


class QuoteOut(BaseModel):
    text: str
    speaker: str | None
    role: str | None
    cue: str | None
    kind: str
    doc_id: str
    source: str
    title: str
    date: str | None
    url: str | None
    start: int
    end: int
    also_reported_by: list[QuoteSourceOut] = []


class QuotesOut(BaseModel):
    speaker: str
    query: str | None
    quotes: list[QuoteOut]


class DocumentSummary(DocumentBase):
    passages: int


class DocumentPage(BaseModel):
    documents: list[DocumentSummary]
    total: int
    offset: int
    limit: int


class StatsOut(BaseModel):
    documents: int
    passages: int
    model: str
    dim: int
    index_dir: str
    index_size_bytes: int
    generation: int
    vector_search: str  # "exact", or "ivfN" (approximate, N lists) on large indexes
    languages: dict[str, int] = {}  # ISO 639 code -> articles, the most first
    second_model: str | None = None  # a second encoder's dense list, fused with the first
    uptime_s: float


class HealthOut(BaseModel):
    status: Literal["ok", "starting", "damaged"]
    message: str | None = None


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class OutletCount(BaseModel):
    name: str
    documents: int


class LanguageCount(BaseModel):
    language: str  # ISO 639 code
    documents: int


class IndexFacetsOut(BaseModel):
    documents: int
    passages: int
    outlets: list[OutletCount]
    languages: list[LanguageCount] = []
    examples: list[str]


class SnapshotOut(BaseModel):
    path: str
    documents: int
    passages: int
    generation: int


class StoryOut(BaseModel):
    story_id: str
    articles: int
    outlets: list[str]
    first_date: str | None
    last_date: str | None
    headline: str
    doc_ids: list[str]


class StoriesOut(BaseModel):
    stories: list[StoryOut]


class TimelineQuoteOut(QuoteSpanOut):
    first: bool
    first_source: str


class TimelineHitOut(HitOut):
    quotes: list[TimelineQuoteOut] = []  # type: ignore[assignment]


class TimelineOut(BaseModel):
    query: str
    story_id: str | None
    headline: str
    outlets: list[str]
    entries: list[TimelineHitOut]
