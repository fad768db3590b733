"""Drops the lines of a page that are not news (captions, "Read: ...", "Subscribe ...") by the
rules kept as data in rules.toml."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")


def normalise_line(line: str) -> str:
    """NFC, no control characters, single spaces."""
    line = unicodedata.normalize("NFC", line)
    line = _CONTROL.sub("", line)
    return _SPACES.sub(" ", line).strip()


def drop_noise(paragraphs: list[str]) -> list[str]:
    """Paragraphs that are news, in order. A short line right before a photo caption that repeats
    it ("Joe Biden" above "Joe BidenReuters") is the caption's alt text and goes too."""
    kept: list[str] = []
    for para in paragraphs:
        rule = matching_rule(para)
        if rule is None:
            kept.append(para)
            continue
        if rule.name == "photo-caption" and kept and _is_caption_lead(kept[-1], para):
            kept.pop()
    return kept


def _is_caption_lead(previous: str, caption: str) -> bool:
    return len(previous.split()) <= 12 and caption.startswith(previous) and previous != caption
