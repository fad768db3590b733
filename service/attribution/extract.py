"""Quotes and their speakers from an article's parse, by rules over spaCy's dependencies and
entities: a verb of saying (service.attribution.cues) gives the cue, its subject the speaker
and its complement, or the quotation next to it, what was said; "according to X" likewise;
a quote with no cue of its own continues the speaker before it. Quotations no cue claimed are
read by service.attribution.quotations; speakers resolve to names through
service.attribution.speakers and names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from service.attribution.cues import OBJECT_SAID, QUOTE_VERBS
from service.attribution.marks import paragraphs, quote_spans
from service.attribution.names import Entry, Names
from service.attribution.quotations import with_marks
from service.attribution.records import Analysis, Entity, Quote
from service.attribution.spans import (
    appositive,
    closes_quote,
    cue_span,
    holds,
    inside_any,
    mention_span,
    outside_quotes,
    span,
    token_end,
    trim,
)
from service.attribution.speakers import (
    ENTITY_KINDS,
    Found,
    is_cue,
    role_of,
    speaker_of,
    subject_of,
)

Token = Any  # spacy.tokens.Token, typed loosely: spaCy ships no stubs
Doc = Any
_COMPLEMENTS = ("ccomp", "parataxis", "xcomp")  # what was said, hanging from its verb
_NOT_XCOMP = {"continue", "go"}  # "continue to back Clinton" reports nothing said
_UNSPOKEN = {"ask"}  # "Asked about …": a question put by no one named


def analyse_docs(text: str, docs: Iterable[tuple[int, Doc]]) -> Analysis:
    """The article's quotes and entities; `docs` are its paragraphs' parses with the offset
    each paragraph starts at in `text`."""
    names = Names()
    marks = quote_spans(text)
    found: list[Found] = []
    entities: list[tuple[int, int, str, Entry]] = []
    tokens: dict[int, tuple[int, Token]] = {}  # parsed tokens by where they start
    for base, doc in docs:
        parsed = doc.has_annotation("DEP")
        if parsed:  # a colon's clause, or the verb after a quote, is read from the tree
            tokens.update((base + t.idx, (base, t)) for t in doc)
        for ent in doc.ents:
            kind = ENTITY_KINDS.get(ent.label_)
            if kind is None:
                continue
            start = base + ent.start_char
            # a paragraph left unparsed (no cue, quote or title in it) has no tree to read a
            # role from: walking one would read unset heads
            role = role_of(ent) if kind == "person" and parsed else None
            entry = names.add(ent.text, kind, start, role)
            if entry is not None:
                entities.append((start, base + ent.end_char, kind, entry))
        if not parsed:
            continue  # no cue and no quotation in it (service.attribution.Analyser)
        for sent in doc.sents:
            found += _sentence(text, base, sent, marks, names)
    found = with_marks(text, _nested(text, found, marks), marks, names, tokens)
    # of two readings of one content, the one whose cue stands nearer comes first
    order = sorted(found, key=lambda f: (f.start, _gap(f.cue, f.start, f.end) if f.cue else 1e9))
    quotes = [_quote(text, f, marks) for f in order]
    return Analysis(
        quotes=quotes,
        entities=[Entity(s, e, kind, entry.name) for s, e, kind, entry in entities],
    )


def _nested(text: str, found: list[Found], marks: list[tuple[int, int]]) -> list[Found]:
    """A quotation inside a longer content whose own cue stands nearer to it belongs to that
    cue ("He said, “…” - at which point the crowd chanted “Build the wall!”"): the longer
    content stops before it, or starts after it."""
    out = []
    for f in found:
        if f.cue is None:
            out.append(f)
            continue
        lo, hi = f.start, f.end
        for a, b in marks:
            if not (lo <= a and b <= hi) or (lo, hi) == trim(text, a, b):
                continue
            mine = _gap(f.cue, a, b)
            if any(
                g is not f
                and g.cue
                and g.start <= a + 1
                and b - 1 <= g.end
                and _gap(g.cue, a, b) < mine
                for g in found
            ):
                if a >= f.cue[1]:
                    hi = min(hi, a)
                elif b <= f.cue[0]:
                    lo = max(lo, b)
        lo, hi = trim(text, lo, hi)
        if hi - lo >= 2:
            out.append(Found(lo, hi, f.cue, f.source, f.entry, f.mention))
    return out


def _gap(cue: tuple[int, int, str], a: int, b: int) -> int:
    return max(a - cue[1], cue[0] - b, 0)


def split_paragraphs(text: str) -> list[tuple[int, str]]:
    return [(start, text[start:end]) for start, end in paragraphs(text)]


def _sentence(
    text: str, base: int, sent: Any, marks: list[tuple[int, int]], names: Names
) -> Iterator[Found]:
    inside = inside_any(marks)
    for tok in sent:
        at = base + tok.idx
        if inside(at):
            continue
        if tok.lower_ == "according" and tok.dep_ == "prep":
            yield from _according(text, base, sent, tok, names)
        elif is_cue(tok):
            got = _speech(text, base, sent, tok, marks, names)
            if got is not None:
                yield got


def _speech(
    text: str, base: int, sent: Any, verb: Token, marks: list[tuple[int, int]], names: Names
) -> Found | None:
    inside = inside_any(marks)
    if (
        verb.tag_ == "VBN"
        and verb.dep_ == "advcl"
        and not any(c.dep_ == "nsubj" for c in verb.children)
    ):
        # "Asked about his taxes, Trump …": the subject of the clause answers, nobody named asks
        return _unspoken(text, base, verb, marks)
    subject = subject_of(verb, lambda t: inside(base + t.idx))
    # none (the parser hung the name elsewhere), or words of the quote: the name beside it
    if subject is None or inside(base + subject.idx):
        subject = _named_near(base, verb, marks)
        if subject is None:
            return _unspoken(text, base, verb, marks)
    only_quotes = verb.lemma_.casefold() in QUOTE_VERBS
    complements = _COMPLEMENTS[:2] if verb.lemma_ in _NOT_XCOMP else _COMPLEMENTS
    said = [] if only_quotes else [c for c in verb.children if c.dep_ in complements]
    if not said and verb.lemma_.casefold() in OBJECT_SAID:  # "announced a deal", "said so"
        said = [c for c in verb.children if c.dep_ == "dobj" or c.lower_ in ("so", "no")]
    s_lo, s_hi = base + sent.start_char, base + sent.end_char
    src = outside_quotes(text, mention_span(base, subject), marks)
    pieces = [span(base, c.subtree) for c in said]
    in_sentence = [(a, b) for a, b in marks if a < s_hi and b > s_lo and not holds(a, b, src)]
    if not pieces and not in_sentence and not only_quotes and verb.dep_ == "parataxis":
        pieces = [span(base, verb.head.subtree)]  # "The risk, he said, is a clash": around it
    cue_at = base + verb.idx
    quoted = [(a, b) for a, b in in_sentence if not a <= cue_at < b]
    if not pieces and not quoted:
        quoted = _next_to(text, s_lo, s_hi, marks)
        if not quoted:
            return None
    spans = pieces + quoted
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    for a, b in marks:  # a quotation the content reaches into is the content's whole
        if a < hi and b > lo:
            lo, hi = min(lo, a), max(hi, b)
    for a, b in marks:  # "“…,” Gene Sperling, an adviser, said": the quotation ends it
        if lo <= a and b <= src[0] < hi and not text[b : src[0]].strip(" ,"):
            hi = b
    if src[0] < hi and src[1] > lo and not (src[1] <= lo or src[0] >= hi):
        if lo < src[0] < hi and src[1] >= hi:
            hi = src[0]
        elif lo < src[1] < hi and src[0] <= lo:
            lo = src[1]
    cue = cue_span(base, verb)
    lo, hi = trim(text, lo, hi)
    if hi <= lo:
        return None
    entry, mention = speaker_of(text, base, subject, src, names)
    if entry is not None:
        names.spoke(entry, src[0])
    elif mention and subject.pos_ in ("NOUN", "PROPN"):
        names.said_by(mention, src[0])
    return Found(lo, hi, cue, src, entry, mention)


def _unspoken(text: str, base: int, verb: Token, marks: list[tuple[int, int]]) -> Found | None:
    """A question put by no one named: "Asked about his taxes, …", "Sanders was asked
    whether …": its cue and content alone."""
    if verb.lemma_.casefold() not in _UNSPOKEN or verb.tag_ != "VBN":
        return None
    said = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp", "dobj", "nsubjpass")]
    said += [
        g
        for c in verb.children
        if c.dep_ == "prep" and c.lower_ == "about"
        for g in c.children
        if g.dep_ == "pobj"
    ]
    if not said:
        return None
    lo, hi = trim(text, *span(base, [t for c in said for t in c.subtree]))
    inside = inside_any(marks)
    if hi <= lo or inside(lo):
        return None
    return Found(lo, hi, cue_span(base, verb), None, None, None)


def _named_near(base: int, verb: Token, marks: list[tuple[int, int]]) -> Token | None:
    """The person or organisation named between a quotation's end and its cue, or just after
    the cue ("…,'' Mr. Trump said" / "…,'' said Mr. Trump"), outside every quotation."""
    inside = inside_any(marks)
    doc = verb.doc
    for ent in doc.ents:
        if ENTITY_KINDS.get(ent.label_) not in ("person", "org") or inside(base + ent.start_char):
            continue
        if 0 < ent.start - verb.i <= 2:
            return ent.root
        if 0 <= verb.i - ent.end <= 1:
            # "a letter to Abbas asking him": the letter asks, not the name beside it
            if verb.dep_ != "acl" or verb.head.i in range(ent.start, ent.end):
                return ent.root
        elif appositive(doc[ent.end : verb.i]) and closes_quote(
            base, doc[max(ent.start - 2, 0) : ent.start], marks
        ):
            return ent.root
    return None


def _next_to(
    text: str, s_lo: int, s_hi: int, marks: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The quotation a cue with nothing to report in its own sentence belongs to: the one
    just before it (the parser often ends a sentence at `,”`), or the one after a colon."""
    before = [(a, b) for a, b in marks if b <= s_lo and not text[b:s_lo].strip()]
    if before and text[before[-1][1] - 2 : before[-1][1] - 1] in (",", "?", "!", "—", "-"):
        return before[-1:]
    if text[s_lo:s_hi].rstrip()[-1:] in (":", ","):
        after = [(a, b) for a, b in marks if s_hi <= a and not text[s_hi:a].strip()]
        return after[:1]
    return []


def _according(text: str, base: int, sent: Any, tok: Token, names: Names) -> Iterator[Found]:
    to = next((c for c in tok.children if c.lower_ == "to"), None)
    obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    if obj is None:
        return
    lo_tok = min(t.i for t in tok.subtree)
    hi_tok = max(t.i for t in tok.subtree)
    s_lo, s_hi = base + sent.start_char, base + sent.end_char
    a_lo, a_hi = base + tok.doc[lo_tok].idx, base + token_end(tok.doc[hi_tok])
    before, after = trim(text, s_lo, a_lo), trim(text, a_hi, s_hi)
    lo, hi = before if before[1] - before[0] >= after[1] - after[0] else after
    if hi <= lo:
        return
    src = span(base, obj.subtree)
    entry, mention = speaker_of(text, base, obj, src, names)
    cue = (base + tok.idx, base + token_end(to), text[base + tok.idx : base + token_end(to)])
    yield Found(lo, hi, cue, src, entry, mention)


def _quote(text: str, f: Found, marks: list[tuple[int, int]]) -> Quote:
    direct = any(a <= f.start and f.end <= b + 1 for a, b in marks)
    mixed = not direct and any(a < f.end and b > f.start for a, b in marks)
    speaker = f.entry.name if f.entry is not None else f.mention
    return Quote(
        start=f.start,
        end=f.end,
        kind="direct" if direct or text[f.start] in '“"«„' else "mixed" if mixed else "indirect",
        speaker=speaker,
        speaker_start=f.source[0] if f.source else None,
        speaker_end=f.source[1] if f.source else None,
        cue=f.cue[2] if f.cue else None,
        cue_start=f.cue[0] if f.cue else None,
        cue_end=f.cue[1] if f.cue else None,
        role=f.entry.role if f.entry is not None else None,
    )
