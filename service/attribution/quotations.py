"""Quotations no cue claimed, read from what stands around them: "Name:" or a clause ending on
a colon before it; "X <verb>", "<verb> X" or a dash and a name after it; "X <verb>," just
before it; else the speaker of the quotation before it goes on, or a long one is kept with no
speaker known."""

from __future__ import annotations

import re
from typing import Any

from service.attribution.cues import is_cue_form
from service.attribution.names import Entry, Names
from service.attribution.spans import cue_span, mention_span, span, trim
from service.attribution.speakers import SUBJECTS, Found, is_cue, speaker_of, subject_of

Token = Any  # spacy.tokens.Token
WINDOW = 10  # tokens after a quotation its "X retaliated" may take
_NAMING = {"DET", "ADJ", "PROPN", "NOUN", "PRON", "NUM", "PART"}  # a speaker's phrase
_NOT_SPEAKERS = {"it", "this", "that", "there", "which", "what"}
MIN_QUOTE_WORDS = 4  # a shorter quotation with no cue is a phrase held at arm's length
# what the words around a quotation tell of it: (cue, speaker's span, their entry, mention)
_Claim = tuple[tuple[int, int, str] | None, tuple[int, int], Entry | None, str]


def with_marks(
    text: str,
    found: list[Found],
    marks: list[tuple[int, int]],
    names: Names,
    tokens: dict[int, tuple[int, Token]],
) -> list[Found]:
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
            out.append(Found(a, b, *colon))
            continue
        after = (
            _verb_after(text, b, tokens, names)
            or _verb_before(text, a, tokens, names)
            or _dash_after(text, b, names)
        )
        if after is not None:
            out.append(Found(a, b, *after))
            continue
        if len(text[a:b].split()) < MIN_QUOTE_WORDS:
            continue
        # the last quotation attributed before it, past any reported speech in between
        before = [f for f in out if f.end <= a and a - f.end < 600 and _quoted(text, f, marks)]
        prev = max(before, key=lambda f: f.end, default=None)
        if prev is not None:
            out.append(Found(a, b, None, prev.source, prev.entry, prev.mention))
        else:
            out.append(Found(a, b, None, None, None, None))
    return out


def _mark_before(
    text: str, at: int, mark: str, tokens: dict[int, tuple[int, Token]]
) -> tuple[int, Token] | None:
    """The parsed `mark` (":" or ",") a quotation opens right after, with its paragraph's
    offset, where a word stands before it."""
    c = len(text[:at].rstrip()) - 1
    if c < 0 or text[c] != mark or c not in tokens or tokens[c][1].i == 0:
        return None
    return tokens[c]


def _colon_before(
    text: str, at: int, tokens: dict[int, tuple[int, Token]], names: Names
) -> _Claim | None:
    """A quotation introduced by a colon: the clause before it names the speaker, as the
    subject of its verb ("Cruz continued:") or as the whole of it ("Trump: ‘...’")."""
    before = _mark_before(text, at, ":", tokens)
    if before is None:
        return None
    base, colon = before
    tok = colon.doc[colon.i - 1]
    while tok.head.i < colon.i and tok.head.i != tok.i:
        if tok.head.sent != colon.sent:
            break
        tok = tok.head
    named = _person_ending(colon.doc[colon.i - 1])
    if named is not None and not is_cue(tok):
        # "…doesn't surprise Republican pollster Daron Shaw: “…”": the name is the speaker
        src = span(base, named)
        entry, mention = speaker_of(text, base, named.root, src, names)
        return (base + colon.idx, base + colon.idx + 1, ":"), src, entry, mention or ""
    if tok.pos_ in ("VERB", "AUX"):
        subject = subject_of(tok)
        if subject is None:
            return None
        src = span(base, subject.subtree)
        entry, mention = speaker_of(text, base, subject, src, names)
        return cue_span(base, tok), src, entry, mention or ""
    if tok.pos_ not in ("PROPN", "NOUN"):
        return None
    left = [t for t in tok.subtree if t.i < colon.i]
    src = trim(text, *span(base, left))
    if src[1] - src[0] > 80:
        return None
    entry, mention = speaker_of(text, base, tok, src, names)
    return (base + colon.idx, base + colon.idx + 1, ":"), src, entry, mention or ""


def _verb_before(
    text: str, a: int, tokens: dict[int, tuple[int, Token]], names: Names
) -> _Claim | None:
    """A quotation that opens right after "X <verb>," ("Hillary shot back, “I suppose …”"):
    any verb there is its cue, outside the list of verbs of saying."""
    before = _mark_before(text, a, ",", tokens)
    if before is None:
        return None
    base, comma = before
    verb = comma.doc[comma.i - 1]
    if verb.dep_ in ("prt", "advmod") and verb.head.i < verb.i:  # "shot back", "cut in"
        verb = verb.head
    if verb.pos_ != "VERB":
        return None
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return None
    src = mention_span(base, subject)
    entry, mention = speaker_of(text, base, subject, src, names)
    return cue_span(base, verb), src, entry, mention or ""


def _person_ending(tok: Token) -> Any:
    """The person's name that ends on this token, if one does."""
    ent = next((e for e in tok.doc.ents if e.end - 1 == tok.i), None)
    return ent if ent is not None and ent.label_ == "PERSON" else None


def _verb_after(
    text: str, b: int, tokens: dict[int, tuple[int, Token]], names: Names
) -> _Claim | None:
    """A quotation that ends on a comma, ? or ! and is followed by "X <verb>" or "<verb> X"
    ("“France will always be France,” an angry Hollande retaliated", "…,” said a person close
    to the Clintons"): any verb there is its cue, outside the list of verbs of saying."""
    inner = b - 2 if text[b - 2 : b] == "''" else b - 1
    while inner > 0 and text[inner - 1] in "’'\"":  # a quote inside it ends with it: ?’”
        inner -= 1
    if text[inner - 1 : inner] not in (",", "?", "!", "—"):
        return None
    j = b
    while j < len(text) and text[j] == " ":
        j += 1
    if j not in tokens:
        return None
    base, first = tokens[j]
    found = _subject_verb_after(base, first) or _said_after(first) or _named_then_verb(first)
    if found is None:
        return None
    verb, mention, head = found
    src = trim(text, *span(base, mention))
    if src[1] <= src[0]:
        return None
    entry, said_by = speaker_of(text, base, head, src, names)
    return cue_span(base, verb), src, entry, said_by or ""


def _dash_after(text: str, b: int, names: Names) -> _Claim | None:
    """A quotation followed by a dash and a name, on its line or the next, as fact checks and
    quoted tweets set them out: "“…”\n\n- Bernie Sanders." / "“…” — Donald J. Trump (@…)"."""
    j = b
    while j < len(text) and text[j].isspace():
        j += 1
    dash = re.match(r"(?:--|[-–—])", text[j : j + 2])
    if dash is None or text[b:j].count("\n") > 2:
        return None
    lo = j + dash.end()
    m = _DASHED_NAME.match(text, lo)
    if m is None:
        return None
    src = trim(text, m.start(1), m.end(1))
    name = text[src[0] : src[1]]
    entry = names.add(name, "person", src[0])
    if entry is not None:
        names.spoke(entry, src[0])
    return (j, lo, text[j:lo]), src, entry, name


# a name after the dash: capitalised words to the line's end, a comma or a bracket
_DASHED_NAME = re.compile(r" ?((?:[A-Z][\w.'’-]*\.?)(?: [A-Z][\w.'’-]*){0,5})\s*(?:[.,(\n]|$)")


_Reading = tuple[Token, list[Token], Token]  # (cue, the speaker's tokens, their head)


def _subject_verb_after(base: int, first: Token) -> _Reading | None:
    sent = first.sent
    for tok in first.doc[first.i : min(first.i + WINDOW, sent.end)]:
        if tok.pos_ != "VERB" or tok.dep_ in SUBJECTS:  # "Trump" tagged a verb, as a subject
            continue
        subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
        if subject is None or not first.i <= subject.i < first.i + WINDOW:
            return None
        if subject.lower_ in _NOT_SPEAKERS:  # "…,'' which votes June 7": the quote's own clause
            return None
        return tok, list(subject.subtree), subject
    return None


def _said_after(first: Token) -> _Reading | None:
    """ "…,” said Oversight ranking Democrat Elijah Cummings (D-Md.)": the verb first, then
    the speaker, to the sentence's end (the parser often takes the name for an object)."""
    if first.pos_ != "VERB" and not is_cue_form(first.text):
        return None
    doc = first.doc
    end = first.i + 1
    while end < len(doc) and not doc[end].is_sent_start and not doc[end].is_quote:
        end += 1
    mention = [t for t in doc[first.i + 1 : end] if not t.is_punct or t.i < end - 1]
    if not mention or mention[0].pos_ not in _NAMING or mention[0].lower_ in _NOT_SPEAKERS:
        return None
    return first, mention, _phrase_head(mention)


def _named_then_verb(first: Token) -> _Reading | None:
    """ "…,” Conway notes" / "…,” the editorial read" / "…,” Trump barked": a short naming
    phrase, then a verb (or a form of a verb of saying, however tagged), the parse aside."""
    doc = first.doc
    for tok in doc[first.i : min(first.i + WINDOW, len(doc))]:
        if tok.i > first.i and (tok.pos_ == "VERB" or is_cue_form(tok.text)):
            mention = list(doc[first.i : tok.i])
            if mention[0].lower_ in _NOT_SPEAKERS:
                return None
            return tok, mention, _phrase_head(mention)
        naming = tok.pos_ in _NAMING or tok.is_title or tok.text in ("-", ".")  # vice-, Mr.
        if not naming or tok.is_sent_end:
            return None
    return None


def _phrase_head(tokens: list[Token]) -> Token:
    """The token of a phrase whose head lies outside it, or its last noun."""
    inside = {t.i for t in tokens}
    roots = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
    nouns = [t for t in tokens if t.pos_ in ("PROPN", "NOUN", "PRON")]
    return (roots if len(roots) == 1 else nouns[-1:] or tokens[-1:])[0]


def _quoted(text: str, f: Found, marks: list[tuple[int, int]]) -> bool:
    return any(a < f.end and b > f.start for a, b in marks)
