"""What a query's phrases and exclusions let through: FTS5 finds the passages that hold each
phrase (its tokens in order, stems and diacritics folded) or an excluded word, and an exact
check of the text, case and spacing aside, keeps only the passages that really hold the
phrase."""

from __future__ import annotations

import re
from functools import reduce

import numpy as np

from service.search.query import ParsedQuery
from service.search.retrieval import Restriction
from service.store import Store

_SPACE = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def restriction_for(store: Store, parsed: ParsedQuery) -> Restriction:
    if parsed.plain:
        return Restriction()
    allowed = None
    if parsed.required:
        # each group: one of its phrases; the groups together: all of them
        sets = [store.match_ids(" OR ".join(_fts_phrase(p) for p in g)) for g in parsed.required]
        allowed = reduce(np.intersect1d, sets)
    excluded: frozenset[int] = frozenset()
    if parsed.excluded:
        found = store.match_ids(" OR ".join(_fts_phrase(x) for x in parsed.excluded))
        excluded = frozenset(found.tolist())
    return Restriction(allowed, excluded)


def phrase_check(parsed: ParsedQuery, text: str) -> bool:
    """Whether `text` holds one phrase of every required group, as written, whole words
    (case, spacing and curly quotes aside: "Iron Dome" is not in "iron domes")."""
    plain = _plain(text)
    return all(any(_whole(p).search(plain) for p in group) for group in parsed.required)


def _plain(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_APOSTROPHES)).casefold()


def _whole(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(_plain(phrase)) + r"(?!\w)")


def _fts_phrase(phrase: str) -> str:
    """An FTS5 phrase string: in double quotes, a double quote inside doubled."""
    return '"' + phrase.replace('"', '""') + '"'
