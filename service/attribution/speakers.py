"""Who speaks: a cue verb's subject, resolved to a name where the article allows (a pronoun or
"the secretary" to the person last named, "who" to the name it follows), and a person's title
kept apart as their role. Shared by the rules over cues (service.attribution.extract) and over
quotations no cue claimed (service.attribution.quotations)."""

from __future__ import annotations

from collections.abc import Callable
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
from service.attribution.names import Entry, Names

Token = Any  # spacy.tokens.Token, typed loosely: spaCy ships no stubs
ENTITY_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
SUBJECTS = {"nsubj", "nsubjpass"}
RELATIVE = {"who", "which", "that"}


@dataclass
class Found:
    start: int
    end: int
    cue: tuple[int, int, str] | None
    source: tuple[int, int] | None
    entry: Entry | None
    mention: str | None


def is_cue(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX") or tok.dep_ in ("amod", "compound"):
        return False
    if tok.lemma_.casefold() in SPEECH_VERBS or tok.lemma_.casefold() in QUOTE_VERBS:
        return True
    lemma = tok.lemma_.casefold()
    if not any((lemma, c.lower_) in PHRASAL for c in tok.children if c.dep_ == "prt"):
        return False
    # "went on to say": the cue is the saying, drawn with what leads to it
    return not any(c.dep_ in ("xcomp", "advcl") and c.i > tok.i and is_cue(c) for c in tok.children)


def subject_of(verb: Token, quoted: Callable[[Token], bool] | None = None) -> Token | None:
    """The verb's own subject, or the subject of the verb it hangs from ("..., adding that").
    Of two, the one not `quoted`: the parser may take a noun of the quotation before the verb
    for a second subject ("“…, the foundation, …,” said a person close to the Clintons").
    A cue the parser hung inside what another cue reports speaks for that cue's subject ("Byrne
    wrote the agents knew …, saying “…”": Byrne's)."""
    tok = verb
    if tok.dep_ in ("advcl", "conj") and tok.head.dep_ == "ccomp" and is_cue(tok.head.head):
        tok = tok.head.head
    for _ in range(4):
        subjects = [c for c in tok.children if c.dep_ in SUBJECTS]
        unquoted = [c for c in subjects if quoted is None or not quoted(c)]
        subject = (unquoted or subjects or [None])[0]
        if subject is not None:
            return None if subject.dep_ == "nsubjpass" and tok.i == verb.i else subject
        if tok.dep_ not in ("xcomp", "advcl", "conj", "pcomp", "prep") or tok.head.i == tok.i:
            return None
        tok = tok.head
    return None


def speaker_of(
    text: str, base: int, head: Token, src: tuple[int, int], names: Names
) -> tuple[Entry | None, str | None]:
    mention = text[src[0] : src[1]]
    if head.lower_ in RELATIVE and head.head.dep_ == "relcl":
        head = head.head.head  # "Tad Devine, who ran the campaign, said": whom it stands for
    for ent in head.doc.ents:
        kind = ENTITY_KINDS.get(ent.label_)
        if kind and ent.start <= head.i < ent.end:
            return names.add(ent.text, kind, base + ent.start_char, None), mention
    for ent in head.doc.ents:  # "a spokesman, Ned Price,": the person named in the phrase
        kind = ENTITY_KINDS.get(ent.label_)
        inside = src[0] <= base + ent.start_char < src[1]
        # not one reached through "of", "to" or "'s": "a person close to the Clintons"
        if kind == "person" and inside and not _governed(ent.root, head):
            return names.add(ent.text, kind, base + ent.start_char, None), mention
    word = head.lower_
    at = base + head.idx
    if word in PRONOUNS_PERSON or word in PRONOUNS_GROUP:
        return names.resolve_pronoun(word, at), mention
    if word in ROLE_WORDS and any(c.dep_ == "det" and c.lower_ == "the" for c in head.children):
        return names.resolve_role(word, at), mention
    return None, mention


def _governed(tok: Token, head: Token) -> bool:
    """Whether a preposition or a possessive stands between a word and the head above it."""
    while tok.i != head.i and tok.head.i != tok.i:
        if tok.dep_ in ("pobj", "poss"):
            return True
        tok = tok.head
    return False


def role_of(ent: Any) -> str | None:
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
