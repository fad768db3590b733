"""What a search asks for: the question, how many results, the retrieval mode and the filters,
checked once here for the library, the CLI and the HTTP API alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from service.errors import InputError
from service.validate import check_doc_id, check_text, normalise_date

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[Mode, ...] = get_args(Mode)
DEFAULT_MODE: Mode = "hybrid"
MAX_K = 100  # results a search returns at most


@dataclass(frozen=True)
class Filters:
    """Restrictions applied inside a search: an outlet (matched against the outlet, the source
    file or the article id), a date range (inclusive), one article."""

    outlet: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    doc_id: str | None = None

    def active(self) -> bool:
        return any((self.outlet, self.date_from, self.date_to, self.doc_id))

    def validated(self) -> Filters:
        for name in ("outlet", "date_from", "date_to", "doc_id"):
            value = getattr(self, name)
            if value is not None:
                check_text(value, name)
        return Filters(
            outlet=self.outlet.strip() or None if self.outlet else None,
            date_from=normalise_date(self.date_from) if self.date_from else None,
            date_to=normalise_date(self.date_to) if self.date_to else None,
            doc_id=check_doc_id(self.doc_id) if self.doc_id else None,
        )


@dataclass(frozen=True)
class SearchRequest:
    query: str
    k: int = 10
    mode: str = DEFAULT_MODE
    filters: Filters = field(default_factory=Filters)
    group: bool = True
    highlight: bool = True

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
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_K:
            raise InputError(f"k must be between 1 and {MAX_K}, got {self.k!r}")
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        filters = self.filters.validated()
        return SearchRequest(query, self.k, self.mode, filters, self.group, self.highlight)
