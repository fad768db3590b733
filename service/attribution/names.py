"""One name per person or organisation within an article: "Blinken", "Antony Blinken" and
"Secretary Blinken" are the same entry, and titles stay apart as the person's role. Pronouns
and role nouns ("he", "the secretary") resolve to the last compatible person named."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.attribution.cues import PRONOUNS_GROUP, PRONOUNS_PERSON, ROLE_WORDS


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


SPEAKER_REACH = 500  # characters back a pronoun looks for the person last quoted
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_TITLES = _words(
    """
    mr mr. mrs mrs. ms ms. dr dr. sen sen. rep rep. gov gov. gen gen. lt. col. sgt.
    president secretary minister senator governor mayor prime deputy vice general judge
    ambassador king queen prince sheikh representative speaker chairman former state of
    foreign defense defence press chief spokesman spokeswoman
    """
)


# a first name or a title that tells "he" from "she": a pronoun skips the person it cannot be
_MALE = _words(
    """
    mr mr. sir king prince lord father brother john james robert michael william david richard
    joseph thomas charles christopher daniel matthew anthony antony donald mark paul steven
    steve andrew kenneth joshua kevin brian george edward ronald timothy jason jeffrey ryan
    jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin ben samuel
    frank gregory raymond alexander patrick jack dennis jerry tyler aaron jose henry adam
    douglas nathan peter zachary kyle walter harold jeremy ethan carl keith roger gerald
    christian terry sean arthur austin noah lawrence jesse joe bryan billy jordan albert dylan
    bruce willie gabriel alan juan logan wayne ralph roy eugene randy vincent russell louis
    philip bobby johnny bradley barack bernie bill ted marco jeb chris mike mitch newt rand
    lindsey jim tim tom dick bob rick reince hank al ned jake lloyd benny bibi mahmoud
    vladimir xi emmanuel boris recep ali mohammed muhammad ahmed omar hassan abdullah
    """
)
_FEMALE = _words(
    """
    mrs mrs. ms ms. miss madam lady queen mother sister mary patricia jennifer linda
    elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra ashley
    kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca
    sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen
    samantha katherine christine debra rachel carolyn janet catherine maria heather diane
    ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan
    andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn
    janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly
    isabella theresa diana natalie brittany charlotte marie kayla alexis lori hillary carly
    dianne kamala huma hope kellyanne condoleezza madeleine nikki
    elise debbie tulsi jill melania ivanka chelsea eva claire tammy maxine kirsten
    """
)


@dataclass
class Entry:
    name: str
    kind: str  # person, org, place
    role: str | None = None
    gender: str | None = None  # "m" or "f" where a first name or title tells
    seen: list[int] = field(default_factory=list)  # where it is named, in any order
    words: list[str] = field(default_factory=list)


def clean_name(text: str, kind: str) -> str:
    words = [w for w in text.replace("\n", " ").split() if not w.startswith("@")]  # handles
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1])
    if kind == "person":
        while len(words) > 1 and words[0].casefold() in _TITLES:
            words.pop(0)
    elif words and words[0].casefold() == "the":
        words.pop(0)
    return " ".join(w for w in words if w).strip(" ,.;:-–—\"“”'’")


class Names:
    """The entities of one article as it is read, in order."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.speakers: list[tuple[int, Entry]] = []  # (where, who) of each person quoted
        self.sources: list[tuple[int, Entry]] = []  # and of each organisation or document

    def add(self, text: str, kind: str, at: int, role: str | None = None) -> Entry | None:
        name = clean_name(text, kind)
        if not name or not any(c.isalpha() for c in name):
            return None
        entry = self._find(name, kind)
        if entry is None:
            entry = Entry(name, kind, words=name.casefold().split())
            self.entries.append(entry)
        if kind == "person" and entry.gender is None:
            entry.gender = _gender(text)
        elif len(name.split()) > len(entry.name.split()) and kind == "person":
            entry.name, entry.words = name, name.casefold().split()  # the fuller form
        if role and not entry.role:
            entry.role = role
        entry.seen.append(at)
        return entry

    def _find(self, name: str, kind: str) -> Entry | None:
        words = name.casefold().split()
        for entry in reversed(self.entries):
            if entry.kind != kind:
                continue
            if entry.words == words:
                return entry
            if kind == "person" and _same_person(entry.words, words):
                return entry
        return None

    def last_person(
        self, before: int, role_word: str | None = None, gender: str | None = None
    ) -> Entry | None:
        candidates = [
            e
            for e in self.entries
            if e.kind == "person" and _last(e, before) >= 0 and e.gender in (None, gender)
        ]
        if role_word:
            candidates = [e for e in candidates if e.role and role_word in e.role.casefold()]
        return max(candidates, key=lambda e: _last(e, before), default=None)

    def last_org(self, before: int) -> Entry | None:
        candidates = [e for e in self.entries if e.kind == "org" and _last(e, before) >= 0]
        return max(candidates, key=lambda e: _last(e, before), default=None)

    def spoke(self, entry: Entry, at: int) -> None:
        if entry.kind == "person":
            self.speakers.append((at, entry))
        elif entry.kind == "org":
            self.sources.append((at, entry))

    def said_by(self, mention: str, at: int) -> None:
        """A speaker that is neither a person nor a named organisation ("the readout", "the
        statement"): what a later "it said" may stand for."""
        self.sources.append((at, Entry(mention, "org")))

    def resolve_pronoun(self, word: str, at: int) -> Entry | None:
        word = word.casefold()
        if word in PRONOUNS_PERSON:
            gender = "m" if word in ("he", "him") else "f"
            recent = [
                (w, e)
                for w, e in self.speakers
                if at - SPEAKER_REACH <= w < at and e.gender in (None, gender)
            ]
            if recent:  # "he said" goes on with whoever was just quoted
                return max(recent, key=lambda we: we[0])[1]
            return self.last_person(at, gender=gender)
        if word in PRONOUNS_GROUP and word == "it":
            recent = [(w, e) for w, e in self.sources if at - SPEAKER_REACH <= w < at]
            if recent:  # "…," said the readout. "…," it added.
                return max(recent, key=lambda we: we[0])[1]
            return self.last_org(at)
        return None

    def resolve_role(self, head: str, at: int) -> Entry | None:
        head = head.casefold()
        if head in ROLE_WORDS:
            return self.last_person(at, head)
        return None


def _gender(text: str) -> str | None:
    """The gender a name's title or first name tells, if it is one of the common ones."""
    for word in text.casefold().split()[:6]:
        if word in _MALE:
            return "m"
        if word in _FEMALE:
            return "f"
        if word.rstrip(".") not in _TITLES:
            return None  # past the titles: only the first name tells
    return None


def _last(entry: Entry, before: int) -> int:
    """Where the entry was last named before `before` (-1: not yet)."""
    return max((at for at in entry.seen if at < before), default=-1)


def _same_person(known: list[str], new: list[str]) -> bool:
    """One is the other's surname ("Blinken" / "Antony Blinken") or they share first and last."""
    if len(new) == 1:
        return known[-1] == new[0]
    if len(known) == 1:
        return new[-1] == known[0]
    return known[-1] == new[-1] and known[0] == new[0]
