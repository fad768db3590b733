"""What attribution finds in an article: quotes with their cue and speaker, and the people,
organisations and places it names. Offsets are characters into the article's text."""

from __future__ import annotations

from dataclasses import dataclass, field

QuoteKind = str  # "direct" (all in quotation marks), "mixed" (partly) or "indirect"


@dataclass(frozen=True)
class Quote:
    start: int  # what was said
    end: int
    kind: QuoteKind
    speaker: str | None  # the resolved name where the text allows, else the mention as written
    speaker_start: int | None = None  # the mention of the speaker ("he", "the secretary")
    speaker_end: int | None = None
    cue: str | None = None  # "said", "told", "according to"; None for a quote that goes on
    cue_start: int | None = None
    cue_end: int | None = None
    role: str | None = None  # "Secretary of State", kept apart from the name


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    kind: str  # "person", "org" or "place"
    name: str  # the one spelling used for this entity within the article


@dataclass
class Analysis:
    quotes: list[Quote] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)


def name_key(name: str) -> str:
    """How names compare across articles: case and spacing folded."""
    return " ".join(name.casefold().split())
