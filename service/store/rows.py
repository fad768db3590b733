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
    language: str | None = None  # ISO 639 code (service.language), None: not known

    @property
    def source(self) -> str:
        return source_of(self.outlet, self.source_path, self.doc_id)


@dataclass(frozen=True)
class StoredQuote:
    """A quote (service.attribution.Quote) as stored, with its text and its article's fields;
    offsets are into the article's text."""

    id: int
    doc_id: str
    start: int
    end: int
    kind: str
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    role: str | None
    text: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source_path: str | None

    @property
    def source(self) -> str:
        return source_of(self.outlet, self.source_path, self.doc_id)

    def in_article(self) -> dict[str, object]:
        """The JSON shape of a quote listed with its article (show --json, GET /documents)."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "speaker": self.speaker,
            "speaker_start": self.speaker_start,
            "speaker_end": self.speaker_end,
            "cue": self.cue,
            "role": self.role,
        }


class DocumentFilter(Protocol):
    """The restrictions a search may carry (service.search.Filters is one): an outlet (matched
    against the outlet, the source file or the id), a date range, one article, and passages
    that quote a speaker or name a person, organisation or place; a story; a language."""

    @property
    def outlet(self) -> str | None: ...
    @property
    def date_from(self) -> str | None: ...
    @property
    def date_to(self) -> str | None: ...
    @property
    def doc_id(self) -> str | None: ...
    @property
    def speaker(self) -> str | None: ...
    @property
    def person(self) -> str | None: ...
    @property
    def org(self) -> str | None: ...
    @property
    def place(self) -> str | None: ...
    @property
    def story(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...

    def active(self) -> bool: ...
