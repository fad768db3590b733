"""Where things are in an article, from its parse: a speaker's mention, a cue as annotators
draw it, a run of tokens as character offsets, and the tests on quotation spans the rules use."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

Token = Any  # spacy.tokens.Token
TRIM = set(" ,.;:-–—()[]\n")
# prepositions annotators draw into the cue, by the verb's lemma: "asked about", "called on"
_TOPIC_PREPS = {"say": set(), "call": {"for", "on"}, "warn": {"of", "about"}}
_OTHER_TOPIC_PREPS = {"about", "for"}
_CLAUSE_ADVERBS = {"when", "as", "while", "where", "how", "why"}
# "said in a statement" is drawn whole, "said in an interview" mostly not
_STATEMENTS = {"statement", "release", "tweet", "post", "email", "letter", "part"}
_WHEN = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_WHEN |= {"recently", "repeatedly"}
_GO_ON = {"go", "continue", "proceed"}  # "went on to say": drawn whole


def mention_span(base: int, subject: Token) -> tuple[int, int]:
    """Where the speaker is named: the subject's phrase, less a dateline before it
    ("CLEVELAND, July 19 (UPI) — Mr. X"). A relative clause stays: cutting it ("Friedman, who
    is white, said") lost more annotated source words than it saved on PolNeAR train."""
    tokens = list(subject.subtree)
    dash = [t.i for t in tokens if t.text in ("—", "--") and t.i < subject.i]
    if dash:
        tokens = [t for t in tokens if t.i > dash[-1]] or [subject]
    return span(base, tokens)


def cue_span(base: int, verb: Token) -> tuple[int, int, str]:
    """The cue as annotators draw it: the verb with its auxiliaries, negation and particle,
    an adverb just before it ("also said", "later told"), and what qualifies it just after:
    the day ("said Tuesday"), "in a statement", a preposition whose object is the topic
    ("asked about", "called for"). Where annotators differ ("said of", "said in an
    interview"), the way PolNeAR train draws it more often wins."""
    near = ("aux", "auxpass", "neg", "prt")
    parts = [verb] + [c for c in verb.children if c.dep_ in near and abs(c.i - verb.i) <= 2]
    head = verb.head
    if verb.dep_ in ("xcomp", "advcl") and head.lemma_ in _GO_ON and 0 < verb.i - head.i <= 3:
        parts += [head] + [c for c in head.children if c.dep_ in near and c.i < verb.i]
    lo = min(t.i for t in parts)
    hi = max(t.i for t in parts)
    doc = verb.doc
    before = doc[lo - 1] if lo > 0 else None
    adverb = before is not None and before.dep_ == "advmod" and before.head.i == verb.i
    if adverb and before.lower_ not in _CLAUSE_ADVERBS:  # type: ignore[union-attr]
        lo -= 1
    after = doc[hi + 1] if hi + 1 < len(doc) else None
    preps = _TOPIC_PREPS.get(verb.lemma_.casefold(), _OTHER_TOPIC_PREPS)
    if after is not None and after.head.i == verb.i:
        day = after.lower_ in _WHEN and after.dep_ in ("npadvmod", "advmod")
        put_it = verb.lemma_ == "put" and after.lower_ == "it"  # "as Milbank put it"
        back = after.lower_ == "back" and after.dep_ in ("advmod", "prt")  # "shot back"
        if day or put_it or back or (after.dep_ == "prep" and after.lower_ in preps):
            hi = after.i
        elif after.dep_ == "prep" and after.lower_ == "in":
            obj = [t for t in after.subtree if t.i > after.i]
            if obj and obj[-1].lower_ in _STATEMENTS and len(obj) <= 3:
                hi = obj[-1].i
    start, end = base + doc[lo].idx, base + token_end(doc[hi])
    return start, end, doc[lo : hi + 1].text


def span(base: int, tokens: Iterable[Token]) -> tuple[int, int]:
    toks = list(tokens)
    lo = min(toks, key=lambda t: t.i)
    hi = max(toks, key=lambda t: t.i)
    return base + lo.idx, base + token_end(hi)


def token_end(tok: Token) -> int:
    return int(tok.idx + len(tok.text))


def trim(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and text[lo] in TRIM:
        lo += 1
    while hi > lo and text[hi - 1] in TRIM:
        hi -= 1
    return lo, hi


def holds(a: int, b: int, span: tuple[int, int]) -> bool:
    return a <= span[0] and span[1] <= b


def inside_any(marks: list[tuple[int, int]]) -> Any:
    """A test of whether an offset lies inside one of the quotation spans (past its opening
    mark, before its closing one), by bisection: it runs for every token of an article."""
    ordered = sorted(marks)
    starts = [a for a, _ in ordered]
    reach = list(accumulate((b for _, b in ordered), max))  # the furthest end so far

    def check(at: int) -> bool:
        before = bisect_left(starts, at)  # the spans opening before `at`
        return before > 0 and at < reach[before - 1] - 1

    return check


def outside_quotes(
    text: str, src: tuple[int, int], marks: list[tuple[int, int]]
) -> tuple[int, int]:
    """A speaker's phrase less a quotation the parser folded into its front: a misparse hangs
    `hunky-dory,” Gene Sperling` together."""
    lo, hi = src
    for a, b in marks:
        if a < lo < b <= hi:
            lo = trim(text, b, hi)[0]
    return lo, hi


def appositive(gap: Any) -> bool:
    """Whether the tokens between a name and its verb set off a description: ", a top outside
    Clinton adviser,"."""
    return 2 < len(gap) <= 20 and gap[0].text == "," and gap[-1].text == ","


def closes_quote(base: int, tokens: Any, marks: list[tuple[int, int]]) -> bool:
    """Whether a quotation ends on one of the tokens: the name or verb stands right after it."""
    ends = {b for _, b in marks}
    return any(base + token_end(t) in ends for t in tokens)
