"""What a search asks for: the question, how many results from where, the retrieval mode, the
order, the filters and the facets, checked once here for the library, the CLI and the HTTP API
alike."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from service.errors import InputError
from service.language import language_code
from service.validate import check_doc_id, check_text, normalise_date

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[Mode, ...] = get_args(Mode)
DEFAULT_MODE: Mode = "hybrid"
Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = get_args(Sort)
Bucket = Literal["day", "month", "year"]
BUCKETS: tuple[Bucket, ...] = get_args(Bucket)
MAX_K = 100  # results one page holds at most
MAX_DEPTH = 1000  # how deep pages go: offset + k at most
# a recency half-life in days; a tiny one would push scores to -inf (and NaN at age 0)
HALF_LIFE_DAYS = (0.01, 100_000.0)


@dataclass(frozen=True)
class Filters:
    """Restrictions applied inside a search: an outlet (matched against the outlet, the source
    file or the article id), a date range (inclusive), one article; passages holding a quote
    of a speaker, or naming a person, organisation or place (a name matches by its words:
    "Blinken" finds "Antony Blinken"); the articles of one story; the articles written in one
    language (an ISO 639 code: "en", "ru"; a region is dropped: "pt-BR" is "pt")."""

    outlet: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    doc_id: str | None = None
    speaker: str | None = None
    person: str | None = None
    org: str | None = None
    place: str | None = None
    story: str | None = None
    language: str | None = None

    def active(self) -> bool:
        return any(getattr(self, name) for name in FILTER_FIELDS)

    def validated(self) -> Filters:
        for name in FILTER_FIELDS:
            value = getattr(self, name)
            if value is not None:
                check_text(value, name)
        names = {n: check_name(getattr(self, n), n) for n in NAME_FILTERS}
        return Filters(
            outlet=self.outlet.strip() or None if self.outlet else None,
            date_from=normalise_date(self.date_from) if self.date_from else None,
            date_to=normalise_date(self.date_to) if self.date_to else None,
            doc_id=check_doc_id(self.doc_id) if self.doc_id else None,
            story=self.story.strip() or None if self.story else None,
            language=language_code(self.language) if self.language else None,
            **names,
        )

    def narrowed(self, outlet: str | None, date_from: str | None, date_to: str | None) -> Filters:
        """These filters and a query's own operators together (both must hold)."""
        if outlet and self.outlet and outlet.casefold() != self.outlet.casefold():
            raise InputError(
                f"the query says outlet:{outlet} and the filter says {self.outlet!r}: keep one"
            )
        starts = [d for d in (self.date_from, date_from) if d]
        ends = [d for d in (self.date_to, date_to) if d]
        return replace(
            self,
            outlet=self.outlet or outlet,
            date_from=max(starts) if starts else None,
            date_to=min(ends) if ends else None,
        )


@dataclass(frozen=True)
class SearchRequest:
    query: str
    k: int = 10
    mode: str = DEFAULT_MODE
    filters: Filters = field(default_factory=Filters)
    group: bool = True
    highlight: bool = True
    offset: int = 0  # results skipped: pages are slices of one stable list
    sort: str = "relevance"  # relevance | newest | oldest
    recency: float | None = None  # half-life in days of a boost for newer articles
    facets: bool = False  # count outlets and dates among the matches too
    date_bucket: str = "month"  # day | month | year, for the date facet

    def validated(self, max_query_chars: int) -> SearchRequest:
        """Checks every field a client controls; raises InputError naming the bad value."""
        query = self.query.strip() if isinstance(self.query, str) else ""
        if not query:
            raise InputError("query is empty — ask a question, e.g. 'what did Blinken tell Abbas'")
        if len(query) > max_query_chars:
            raise InputError(
                f"query is {len(query):,} characters, over the {max_query_chars:,} limit"
            )
        check_text(query, "query")
        if not _whole(self.k) or not 1 <= self.k <= MAX_K:
            raise InputError(f"k must be between 1 and {MAX_K}, got {self.k!r}")
        if not _whole(self.offset) or not 0 <= self.offset < MAX_DEPTH:
            raise InputError(
                f"offset must be between 0 and {MAX_DEPTH - 1} (pages go {MAX_DEPTH} results "
                f"deep), got {self.offset!r}"
            )
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.sort not in SORTS:
            raise InputError(f"sort must be one of {', '.join(SORTS)}, got {self.sort!r}")
        if self.date_bucket not in BUCKETS:
            raise InputError(
                f"date_bucket must be one of {', '.join(BUCKETS)}, got {self.date_bucket!r}"
            )
        if self.recency is not None and (
            isinstance(self.recency, bool)
            or not isinstance(self.recency, int | float)
            or not HALF_LIFE_DAYS[0] <= self.recency <= HALF_LIFE_DAYS[1]
        ):
            low, high = HALF_LIFE_DAYS
            raise InputError(
                f"recency is a half-life in days, {low:g} to {high:g}, got {self.recency!r}"
            )
        return replace(self, query=query, filters=self.filters.validated())


NAME_FILTERS = ("speaker", "person", "org", "place")
FILTER_FIELDS = ("outlet", "date_from", "date_to", "doc_id", *NAME_FILTERS, "story", "language")
MAX_NAME_CHARS = 200


def check_name(value: str | None, field: str) -> str | None:
    """A name filter's value with its spaces folded (None: no filter)."""
    if value is None or not value.strip():
        return None
    name = " ".join(value.split())
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"{field} is {len(name):,} characters, over {MAX_NAME_CHARS}")
    return name


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
