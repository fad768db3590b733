"""Drops the lines of a page that are not news (captions, "Read: ...", "Subscribe ...") by the
rules kept as data in rules.toml."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from service.records import Article


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    example: str


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    raw = tomllib.loads(resources.files("service.ingest").joinpath("rules.toml").read_text("utf-8"))
    return tuple(
        Rule(name=r["name"], pattern=re.compile(r["pattern"]), example=r["example"])
        for r in raw["drop"]
    )


def matching_rule(line: str) -> Rule | None:
    """The first rule that says `line` is not news, or None if it is news."""
    stripped = line.strip()
    for rule in load_rules():
        if rule.pattern.fullmatch(stripped):
            return rule
    return None


# C0 and C1 controls (a terminal reads ESC, CSI and OSC from them), DEL, zero-width space, BOM
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
# whole terminal sequences, for one-line fields (a title, an outlet): CSI (ESC [ or U+009B)
# with its parameters and final byte, OSC (ESC ] or U+009D) up to its BEL or ST, and ESC with
# one more character
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]{0,512}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[@-Z\\-_]"
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_WORD = re.compile(r"[^\W_]")


def normalise_line(line: str) -> str:
    """NFC, no control characters, single spaces."""
    line = without_controls(unicodedata.normalize("NFC", line))
    return _SPACES.sub(" ", line).strip()


def clean_field(value: str) -> str:
    """A one-line field (title, outlet, url, date) as stored: normalise_line, and terminal
    sequences removed whole, so "\\x1b[2JEvil" is "Evil", not "[2JEvil"."""
    return normalise_line(without_sequences(value))


def without_controls(text: str) -> str:
    """`text` with the control characters gone (line breaks and tabs kept). What is left of a
    terminal sequence without its ESC ("[31m") is plain text: article text keeps it rather
    than risk taking words with it."""
    return _CONTROL.sub("", text)


def without_sequences(text: str) -> str:
    """`text` with whole terminal sequences, then any other control character, gone."""
    return without_controls(_SEQUENCE.sub("", text))


def clean_article(article: Article) -> Article:
    """An article as it is stored: its fields one clean line each, its text free of control
    characters, whichever reader (or library caller) made it."""
    return replace(
        article,
        text=without_controls(unicodedata.normalize("NFC", article.text)),
        title=clean_field(article.title),
        date=clean_field(article.date) or None if article.date else None,
        outlet=clean_field(article.outlet) or None if article.outlet else None,
        url=clean_field(article.url) or None if article.url else None,
    )


def drop_noise(paragraphs: list[str]) -> list[str]:
    """Paragraphs that are news, in order. A short line right before a photo caption that repeats
    it ("Joe Biden" above "Joe BidenReuters") is the caption's alt text and goes too, and so
    does a paragraph with no letter or digit ("-", "___"). A repeated paragraph stays in the
    text (articles repeat on purpose: an interview's question, a meal plan's line); it is
    made a passage once (service.chunking)."""
    kept: list[str] = []
    for para in paragraphs:
        if not _WORD.search(para):
            continue
        rule = matching_rule(para)
        if rule is None:
            kept.append(para)
            continue
        if rule.name == "photo-caption" and kept and _is_caption_lead(kept[-1], para):
            kept.pop()
    return kept


def _is_caption_lead(previous: str, caption: str) -> bool:
    return len(previous.split()) <= 12 and caption.startswith(previous) and previous != caption
