"""The small query language people type into news search, parsed once here:

    "exact phrase"      the passage must hold the phrase (FTS5's phrase match, then an exact,
                        case-insensitive check of the passage text)
    -word, -"phrase"    the passage must not hold it
    A OR B              between phrases: either will do (between plain words, words are
                        alternatives already)
    outlet:NAME         only this outlet (or source file); outlet:"Times of Israel" for spaces
    after:YYYY-MM-DD    dated on or after that day
    before:YYYY-MM-DD   dated before that day

Everything else is the question, as before: a plain question parses to itself, with nothing
required and nothing excluded. A malformed query (an unclosed quote, an empty operator, a bad
date, nothing left to look for) raises InputError saying what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from service.errors import InputError
from service.validate import normalise_date, shift_day

OPERATORS = ("outlet", "after", "before")
_QUOTES = {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'}
_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<key>[a-z]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))', re.IGNORECASE
)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the question for the model and the keyword ranking (phrases unquoted)
    required: tuple[tuple[str, ...], ...] = ()  # every group must be met by one of its phrases
    excluded: tuple[str, ...] = ()  # words and phrases a passage must not hold
    outlet: str | None = None
    date_from: str | None = None
    date_to: str | None = None  # inclusive (before:D is the day before D)
    phrases: tuple[str, ...] = field(default=())  # every phrase asked for, for marking

    @property
    def plain(self) -> bool:
        """A question with no operator at all (it searches as it always did)."""
        return not (self.required or self.excluded or self.outlet or self.date_from or self.date_to)


def parse_query(query: str) -> ParsedQuery:
    text = "".join(_QUOTES.get(c, c) for c in query)
    if text.count('"') % 2:
        raise InputError('the query has an unclosed quote ("); close it or remove it')
    words: list[str] = []
    phrases: list[str] = []
    groups: list[list[str]] = []
    excluded: list[str] = []
    found: dict[str, str] = {}
    after_phrase = joining = False  # OR joins a phrase to the phrase before it
    for match in _TOKEN.finditer(text):
        negative, key = bool(match.group("neg")), (match.group("key") or "").lower()
        phrase, word = match.group("phrase"), match.group("word")
        if key and key not in OPERATORS:  # "note:" or "http://...": plain text
            key, phrase, word = "", None, match.group(0).lstrip("-")
        if word and word.endswith(":") and word[:-1].lower() in OPERATORS:
            raise InputError(
                f"{word[:-1].lower()}: needs a value, e.g. {_EXAMPLES[word[:-1].lower()]}"
            )
        value = phrase if phrase is not None else word or ""
        if key:
            if negative:
                raise InputError(f"-{key}: is not supported; use {key}: to restrict instead")
            if not value.strip():
                raise InputError(f"{key}: needs a value, e.g. {_EXAMPLES[key]}")
            if key in found:
                raise InputError(f"{key}: is given twice; give it once")
            found[key] = value.strip()
        elif word == "OR" and not negative:
            joining = after_phrase
            continue
        elif phrase is not None and not phrase.split():
            raise InputError('the query has an empty phrase ""')
        elif negative:
            excluded.append(" ".join(value.split()))
        elif phrase is not None:
            phrase = " ".join(phrase.split())
            phrases.append(phrase)
            words.append(phrase)
            if joining:
                groups[-1].append(phrase)
            else:
                groups.append([phrase])
            after_phrase, joining = True, False
            continue
        else:
            words.append(value)
        after_phrase = joining = False
    if not words:
        if found or excluded:
            raise InputError("the query has nothing to look for: give a word or a phrase too")
        words = query.split()  # "OR" alone is a word
    plain = not (found or excluded or phrases)
    before = _day(found["before"], "before") if "before" in found else None
    return ParsedQuery(
        text=query.strip() if plain else " ".join(words),
        required=tuple(tuple(g) for g in groups),
        excluded=tuple(excluded),
        outlet=found.get("outlet"),
        date_from=_day(found["after"], "after") if "after" in found else None,
        date_to=shift_day(date.fromisoformat(before), -1) if before else None,
        phrases=tuple(phrases),
    )


_EXAMPLES = {"outlet": "outlet:reuters", "after": "after:2021-05-01", "before": "before:2021-06-01"}


def _day(value: str, key: str) -> str:
    try:
        day = normalise_date(value)
    except InputError:
        raise InputError(f"{key}:{value} is not a date like {_EXAMPLES[key]}") from None
    return day[:10]
