"""What the store returns (a passage with its article's fields, an article row) and what it
takes to restrict a search (any object with the filter fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.records import source_of


@dataclass(frozen=True)
class StoredPassage:
    id: int
    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source_path: str | None

    @property
    def source(self) -> str:
        return source_of(self.outlet, self.source_path, self.doc_id)


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source_path: str | None
    text: str
    content_hash: str
    added_at: str
    passages: int

    @property
    def source(self) -> str:
        return source_of(self.outlet, self.source_path, self.doc_id)


class DocumentFilter(Protocol):
    """The restrictions a search may carry (service.search.Filters is one): an outlet (matched
    against the outlet, the source file or the id), a date range, one article."""

    @property
    def outlet(self) -> str | None: ...
    @property
    def date_from(self) -> str | None: ...
    @property
    def date_to(self) -> str | None: ...
    @property
    def doc_id(self) -> str | None: ...

    def active(self) -> bool: ...
