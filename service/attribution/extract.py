"""Quotes and their speakers from an article's parse, by rules over spaCy's dependencies and
entities: a verb of saying (service.attribution.cues) gives the cue, its subject the speaker
and its complement, or the quotation next to it, what was said; "according to X" likewise;
a quote with no cue of its own continues the speaker before it. Speakers resolve to names
through service.attribution.names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from service.attribution.cues import (
    PHRASAL,
    PRONOUNS_GROUP,
    PRONOUNS_PERSON,
    QUOTE_VERBS,
    ROLE_WORDS,
    SPEECH_VERBS,
)
from service.attribution.marks import paragraphs, quote_spans
from service.attribution.names import Entry, Names
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

Token = Any  # spacy.tokens.Token, typed loosely: spaCy ships no stubs
Doc = Any
ENTITY_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
_SUBJECTS = {"nsubj", "nsubjpass"}
_COMPLEMENTS = ("ccomp", "parataxis", "xcomp")  # what was said, hanging from its verb
_NOT_XCOMP = {"continue", "go"}  # "continue to back Clinton" reports nothing said
_RELATIVE = {"who", "which", "that"}
WINDOW = 6  # tokens after a quotation its "X retaliated" may take
MIN_QUOTE_WORDS = 4  # a shorter quotation with no cue is a phrase held at arm's length


@dataclass
class _Found:
    start: int
    end: int
    cue: tuple[int, int, str] | None
    source: tuple[int, int] | None
    entry: Entry | None
    mention: str | None


def analyse_docs(text: str, docs: Iterable[tuple[int, Doc]]) -> Analysis:
    """The article's quotes and entities; `docs` are its paragraphs' parses with the offset
    each paragraph starts at in `text`."""
    names = Names()
    marks = quote_spans(text)
    found: list[_Found] = []
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
            role = _role(ent) if kind == "person" and parsed else None
            entry = names.add(ent.text, kind, start, role)
            if entry is not None:
                entities.append((start, base + ent.end_char, kind, entry))
        if not parsed:
            continue  # no cue and no quotation in it (service.attribution.Analyser)
        for sent in doc.sents:
            found += _sentence(text, base, sent, marks, names)
    found = _with_marks(text, found, marks, names, tokens)
    quotes = [_quote(text, f, marks) for f in sorted(found, key=lambda f: f.start)]
    return Analysis(
        quotes=quotes,
        entities=[Entity(s, e, kind, entry.name) for s, e, kind, entry in entities],
    )


def split_paragraphs(text: str) -> list[tuple[int, str]]:
    return [(start, text[start:end]) for start, end in paragraphs(text)]


def _sentence(
    text: str, base: int, sent: Any, marks: list[tuple[int, int]], names: Names
) -> Iterator[_Found]:
    inside = inside_any(marks)
    for tok in sent:
        at = base + tok.idx
        if inside(at):
            continue
        if tok.lower_ == "according" and tok.dep_ == "prep":
            yield from _according(text, base, sent, tok, names)
        elif _is_cue(tok):
            got = _speech(text, base, sent, tok, marks, names)
            if got is not None:
                yield got


def _is_cue(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX") or tok.dep_ in ("amod", "compound"):
        return False
    if tok.lemma_.casefold() in SPEECH_VERBS or tok.lemma_.casefold() in QUOTE_VERBS:
        return True
    lemma = tok.lemma_.casefold()
    if not any((lemma, c.lower_) in PHRASAL for c in tok.children if c.dep_ == "prt"):
        return False
    # "went on to say": the cue is the saying, drawn with what leads to it
    return not any(
        c.dep_ in ("xcomp", "advcl") and c.i > tok.i and _is_cue(c) for c in tok.children
    )


def _speech(
    text: str, base: int, sent: Any, verb: Token, marks: list[tuple[int, int]], names: Names
) -> _Found | None:
    subject = _subject(verb)
    # none (the parser hung the name elsewhere), or words of the quote: the name beside it
    if subject is None or inside_any(marks)(base + subject.idx):
        subject = _named_near(base, verb, marks)
        if subject is None:
            return None
    only_quotes = verb.lemma_.casefold() in QUOTE_VERBS
    complements = _COMPLEMENTS[:2] if verb.lemma_ in _NOT_XCOMP else _COMPLEMENTS
    said = [] if only_quotes else [c for c in verb.children if c.dep_ in complements]
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
    entry, mention = _speaker(text, base, subject, src, names)
    if entry is not None:
        names.spoke(entry, src[0])
    elif mention and subject.pos_ in ("NOUN", "PROPN"):
        names.said_by(mention, src[0])
    return _Found(lo, hi, cue, src, entry, mention)


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
    if text[s_lo:s_hi].rstrip().endswith(":") or text[s_lo:s_hi].rstrip().endswith(","):
        after = [(a, b) for a, b in marks if s_hi <= a and not text[s_hi:a].strip()]
        return after[:1]
    return []


def _according(text: str, base: int, sent: Any, tok: Token, names: Names) -> Iterator[_Found]:
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
    entry, mention = _speaker(text, base, obj, src, names)
    cue = (base + tok.idx, base + token_end(to), text[base + tok.idx : base + token_end(to)])
    yield _Found(lo, hi, cue, src, entry, mention)


def _with_marks(
    text: str,
    found: list[_Found],
    marks: list[tuple[int, int]],
    names: Names,
    tokens: dict[int, tuple[int, Token]],
) -> list[_Found]:
    """Quotations no cue claimed: one after "Name:" or "Name then said:" is theirs; one that
    follows an attributed quote goes on with its speaker; a long one alone is kept with no
    speaker known."""
    claimed = [(f.start, f.end) for f in found]
    out = list(found)
    for a, b in marks:
        if any(lo <= a and b <= hi or (a < hi and b > lo) for lo, hi in claimed):
            continue
        colon = _colon_before(text, a, tokens, names)
        if colon is not None:
            out.append(_Found(a, b, *colon))
            continue
        after = _verb_after(text, b, tokens, names)
        if after is not None:
            out.append(_Found(a, b, *after))
            continue
        if len(text[a:b].split()) < MIN_QUOTE_WORDS:
            continue
        before = [f for f in out if f.end <= a and a - f.end < 600]
        prev = max(before, key=lambda f: f.end, default=None)
        if prev is not None and _quoted(text, prev, marks):
            out.append(_Found(a, b, None, prev.source, prev.entry, prev.mention))
        else:
            out.append(_Found(a, b, None, None, None, None))
    return out


def _colon_before(
    text: str, at: int, tokens: dict[int, tuple[int, Token]], names: Names
) -> tuple[tuple[int, int, str] | None, tuple[int, int], Entry | None, str] | None:
    """A quotation introduced by a colon: the clause before it names the speaker, as the
    subject of its verb ("Cruz continued:") or as the whole of it ("Trump: ‘...’")."""
    c = len(text[:at].rstrip()) - 1
    if c < 0 or text[c] != ":" or c not in tokens:
        return None
    base, colon = tokens[c]
    if colon.i == 0:
        return None
    tok = colon.doc[colon.i - 1]
    while tok.head.i < colon.i and tok.head.i != tok.i:
        if tok.head.sent != colon.sent:
            break
        tok = tok.head
    if tok.pos_ in ("VERB", "AUX"):
        subject = _subject(tok)
        if subject is None:
            return None
        src = span(base, subject.subtree)
        entry, mention = _speaker(text, base, subject, src, names)
        return cue_span(base, tok), src, entry, mention or ""
    if tok.pos_ not in ("PROPN", "NOUN"):
        return None
    left = [t for t in tok.subtree if t.i < colon.i]
    src = trim(text, *span(base, left))
    if src[1] - src[0] > 80:
        return None
    entry, mention = _speaker(text, base, tok, src, names)
    return (base + colon.idx, base + colon.idx + 1, ":"), src, entry, mention or ""


def _verb_after(
    text: str, b: int, tokens: dict[int, tuple[int, Token]], names: Names
) -> tuple[tuple[int, int, str], tuple[int, int], Entry | None, str] | None:
    """A quotation that ends on a comma, ? or ! and is followed by "X <verb>" or "<verb> X"
    ("“France will always be France,” an angry Hollande retaliated"): any verb there is its
    cue, outside the list of verbs of saying."""
    inner = b - 2 if text[b - 2 : b] == "''" else b - 1
    if text[inner - 1 : inner] not in (",", "?", "!", "—"):
        return None
    j = b
    while j < len(text) and text[j] == " ":
        j += 1
    if j not in tokens:
        return None
    base, first = tokens[j]
    sent = first.sent
    for tok in first.doc[first.i : min(first.i + WINDOW, sent.end)]:
        if tok.pos_ != "VERB" or tok.dep_ in _SUBJECTS:  # "Trump" tagged a verb, as a subject
            continue
        subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
        if subject is None or not first.i <= subject.i < first.i + WINDOW:
            return None
        src = span(base, subject.subtree)
        entry, mention = _speaker(text, base, subject, src, names)
        return cue_span(base, tok), src, entry, mention or ""
    return None


def _quoted(text: str, f: _Found, marks: list[tuple[int, int]]) -> bool:
    return any(a < f.end and b > f.start for a, b in marks)


def _quote(text: str, f: _Found, marks: list[tuple[int, int]]) -> Quote:
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


def _subject(verb: Token) -> Token | None:
    """The verb's own subject, or the subject of the verb it hangs from ("..., adding that")."""
    tok = verb
    for _ in range(4):
        subject = next((c for c in tok.children if c.dep_ in _SUBJECTS), None)
        if subject is not None:
            return None if subject.dep_ == "nsubjpass" and tok.i == verb.i else subject
        if tok.dep_ not in ("xcomp", "advcl", "conj", "pcomp", "prep") or tok.head.i == tok.i:
            return None
        tok = tok.head
    return None


def _speaker(
    text: str, base: int, head: Token, src: tuple[int, int], names: Names
) -> tuple[Entry | None, str | None]:
    mention = text[src[0] : src[1]]
    if head.lower_ in _RELATIVE and head.head.dep_ == "relcl":
        head = head.head.head  # "Tad Devine, who ran the campaign, said": whom it stands for
    for ent in head.doc.ents:
        kind = ENTITY_KINDS.get(ent.label_)
        if kind and ent.start <= head.i < ent.end:
            return names.add(ent.text, kind, base + ent.start_char, None), mention
    for ent in head.doc.ents:  # "a spokesman for the State Department": the named part
        kind = ENTITY_KINDS.get(ent.label_)
        if kind == "person" and src[0] <= base + ent.start_char < src[1]:
            return names.add(ent.text, kind, base + ent.start_char, None), mention
    word = head.lower_
    at = base + head.idx
    if word in PRONOUNS_PERSON or word in PRONOUNS_GROUP:
        return names.resolve_pronoun(word, at), mention
    if word in ROLE_WORDS and any(c.dep_ == "det" and c.lower_ == "the" for c in head.children):
        return names.resolve_role(word, at), mention
    return None, mention


def _role(ent: Any) -> str | None:
    """The title written before a name in its noun phrase: "Secretary of State" of "Secretary
    of State Antony Blinken"; or its appositive: "the State Department spokesman"."""
    root = ent.root
    first = min((t.i for t in root.subtree), default=ent.start)
    before = [
        t for t in ent.doc[first : ent.start] if t.dep_ not in ("det", "poss", "punct", "case")
    ]
    words = [t.text for t in before if t.ent_type_ in ("", "NORP", "ORG", "GPE") or t.is_title]
    if words and any(w.casefold() in ROLE_WORDS for w in words):
        return " ".join(words)
    for child in root.children:
        if child.dep_ == "appos":
            phrase = [t for t in child.subtree if t.dep_ not in ("det", "punct", "poss")]
            if any(t.lower_ in ROLE_WORDS for t in phrase) and len(phrase) <= 8:
                return " ".join(t.text for t in phrase)
    return None
