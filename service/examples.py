"""Example questions for an empty search page, drawn from the indexed articles: the people the
articles quote most ("what did Antony Blinken say", for a name seen saying or telling
something, so places are left out), and the newest headlines."""

from __future__ import annotations

import re
from collections import Counter

from service.store import Store

# a run of two to five capitalised words; leading titles are dropped below
_NAME = re.compile(r"\b([A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,4})\b")
_SPEECH = r"(?:said|says|told|tells|added|stressed|wrote|warned|urged)"
_TITLES = {
    "President", "Prime", "Minister", "Secretary", "State", "Chairman", "General", "Deputy",
    "Defense", "Foreign", "Press", "Spokesman", "Spokeswoman", "Spokesperson", "Senator",
    "Sen", "Rep", "Gov", "Governor", "Mayor", "Chief", "Leader", "King", "Queen", "Prince",
    "Mr", "Mrs", "Ms", "Dr", "Israeli", "Palestinian", "American", "British", "Vice", "Former",
    "National", "Security", "Adviser", "Advisor", "Authority", "The", "In", "On", "At", "But",
    "And", "For", "This", "That", "When", "After", "Since", "While", "Read", "Follow", "US",
}  # fmt: skip
_BODIES = {"House", "Department", "Ministry", "Office", "Council", "Agency", "Command", "Army"}
SAMPLE = 300  # most recent articles looked at
MIN_HEADLINE_WORDS = 4


def _people(texts: list[str]) -> Counter[str]:
    """Names seen speaking ("Blinken said", "said Antony Blinken", "Price told"), counted once
    an article."""
    counts: Counter[str] = Counter()
    for text in texts:
        speakers: set[str] = set()
        for match in _NAME.finditer(text):
            words = match.group(1).replace("-", " ").split()
            while words and words[0] in _TITLES:
                words.pop(0)
            if len(words) < 2 or words[-1] in _TITLES:
                continue
            name = " ".join(words[-3:])
            after = text[match.end() : match.end() + 60]
            before = text[max(0, match.start() - 20) : match.start()]
            if re.match(rf"\s*(?:,[^,.]{{1,50}},\s*)?{_SPEECH}\b", after) or re.search(
                rf"\b{_SPEECH}\s*$", before
            ):
                speakers.add(name)
        counts.update(speakers)
    return counts


def example_questions(store: Store, limit: int = 4) -> list[str]:
    rows = store.recent_articles(SAMPLE)
    people = _people([text for _, text in rows])
    asked = [_question(name) for name, _ in people.most_common(max(1, limit // 2))]
    headlines = [
        " ".join(title.split()[:10])
        for title, _ in rows
        if title and len(title.split()) >= MIN_HEADLINE_WORDS
    ]
    for headline in dict.fromkeys(headlines):
        if len(asked) >= limit:
            break
        asked.append(headline)
    for name, _ in people.most_common()[len(asked) :]:
        if len(asked) >= limit:
            break
        question = _question(name)
        if question not in asked:
            asked.append(question)
    return asked[:limit]


def _question(name: str) -> str:
    body = name.split()[-1] in _BODIES  # "the White House", "the State Department"
    return f"what did {'the ' if body else ''}{name} say"
