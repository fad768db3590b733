"""Where the question's words stand in a result's text: the spans a page or a terminal marks,
found with the highlight's stem rule (a word matches when its first six letters do, so
"condolences" marks "condolence"), question words dropped, and each quoted phrase whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.analysis import STOPWORDS, WORD, words
from service.search.highlight import stem


@dataclass(frozen=True)
class Marks:
    """What a search marks: its content words' stems and its phrases (one pattern)."""

    stems: frozenset[str]
    phrases: re.Pattern[str] | None


def matcher(question: str, phrases: tuple[str, ...] = ()) -> Marks | None:
    """The marks of a question and its quoted phrases; None when it has nothing to mark.
    Words are tested against a set, not compiled into a pattern: a pattern a question costs
    more to compile than marking a whole page costs."""
    stems = frozenset(stem(w) for w in words(question) if w not in STOPWORDS)
    parts = [r"\s+".join(re.escape(w) for w in p.split()) for p in phrases if p.split()]
    pattern = (
        re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE) if parts else None
    )
    return Marks(stems, pattern) if stems or pattern else None


def match_spans(marks: Marks | None, text: str) -> list[dict[str, int]]:
    """Each match as {"start", "end"} offsets into `text`, in order, none overlapping: the
    phrases whole, then every other word of the question."""
    if marks is None:
        return []
    taken = [m.span() for m in marks.phrases.finditer(text)] if marks.phrases else []
    spans = list(taken)
    if marks.stems:
        inside = iter(taken)
        current = next(inside, None)
        for found in WORD.finditer(text):
            while current is not None and current[1] <= found.start():
                current = next(inside, None)
            if current is not None and current[0] <= found.start():
                continue  # a word of a marked phrase
            word = found.group().lower()
            if stem(word) in marks.stems and word not in STOPWORDS:
                spans.append(found.span())
    return [{"start": a, "end": b} for a, b in sorted(spans)]
