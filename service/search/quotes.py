"""A speaker's quotes, newest first, the same quote carried by several outlets folded into one
with "also reported by" as passages are."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from service.errors import InputError
from service.search.request import MAX_K, Filters, SearchRequest, check_name
from service.search.searcher import Searcher
from service.store import StoredQuote

SAME_QUOTE = 0.7  # share of words two quotes have in common to be one quote carried twice
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class QuoteSource:
    """Another article carrying the same quote."""

    doc_id: str
    source: str
    title: str
    date: str | None


@dataclass
class QuoteResult:
    """One quote of a speaker, the JSON shape of `newsearch quotes --json` and GET /quotes;
    start/end are offsets into the article's text (GET /documents/{id})."""

    text: str
    speaker: str | None
    role: str | None
    cue: str | None
    kind: str  # direct, mixed or indirect
    doc_id: str
    source: str
    title: str
    date: str | None
    url: str | None
    start: int
    end: int
    also_reported_by: list[QuoteSource] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuoteResult:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["also_reported_by"] = [QuoteSource(**a) for a in data.get("also_reported_by", [])]
        return cls(**fields)


def speaker_quotes(
    searcher: Searcher, speaker: str, question: str | None = None, k: int = 20
) -> list[QuoteResult]:
    """The speaker's quotes (a name matches by its words: "Blinken" is "Antony Blinken"),
    newest first; with a question, those in the MAX_K passages that answer it best."""
    name = check_name(speaker, "speaker")
    if name is None:
        raise InputError("speaker is empty — name who said it, e.g. Blinken")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InputError(f"k must be between 1 and {MAX_K}, got {k!r}")
    within = None
    if question is not None and question.strip():
        req = SearchRequest(question, filters=Filters(speaker=name))
        req = req.validated(searcher.settings.max_query_chars)
        within = [i for i, _ in searcher.ranked(req.query, req.mode, req.filters, MAX_K)]
    # each quote may be carried by several outlets: read enough to fill k after folding
    quotes = searcher.store.speaker_quotes(name, k * 5, within)
    return fold_quotes(quotes)[:k]


def fold_quotes(quotes: list[StoredQuote]) -> list[QuoteResult]:
    """One result a quote, in the order given; the same words in another article fold into
    the first as "also reported by"."""
    out = []
    for leader, folded in fold(quotes):
        result = _result(leader)
        for q in folded:
            if all(a.doc_id != q.doc_id for a in result.also_reported_by):
                result.also_reported_by.append(QuoteSource(q.doc_id, q.source, q.title, q.date))
        out.append(result)
    return out


def fold(quotes: list[StoredQuote]) -> list[tuple[StoredQuote, list[StoredQuote]]]:
    """(the first quote of its words, the same words in other articles after it)."""
    out: list[tuple[set[str], StoredQuote, list[StoredQuote]]] = []
    for q in quotes:
        words = set(_WORD.findall(q.text.casefold()))
        for seen, leader, folded in out:
            if leader.doc_id != q.doc_id and _same(words, seen):
                folded.append(q)
                break
        else:
            out.append((words, q, []))
    return [(leader, folded) for _, leader, folded in out]


def _same(a: set[str], b: set[str]) -> bool:
    if min(len(a), len(b)) < 4:  # "a disgrace" is not every quote that holds those words
        return a == b
    return len(a & b) / min(len(a), len(b)) >= SAME_QUOTE


def _result(q: StoredQuote) -> QuoteResult:
    return QuoteResult(
        text=q.text,
        speaker=q.speaker,
        role=q.role,
        cue=q.cue,
        kind=q.kind,
        doc_id=q.doc_id,
        source=q.source,
        title=q.title,
        date=q.date,
        url=q.url,
        start=q.start,
        end=q.end,
    )
