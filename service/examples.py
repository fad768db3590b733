"""Example questions for an empty search page, drawn from the indexed articles: the people
and places most articles mention, as "what did X say" questions."""

from __future__ import annotations

import re
from collections import Counter

from service.store import Store

_NAME = re.compile(r"\b([A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2})\b")
_NOT_A_NAME_START = {
    "The",
    "In",
    "On",
    "At",
    "But",
    "And",
    "For",
    "This",
    "That",
    "When",
    "After",
    "Since",
    "While",
    "Secretary",
    "President",
    "Prime",
    "Minister",
    "Chairman",
    "General",
    "Deputy",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Read",
    "Follow",
}
SAMPLE = 300  # most recent articles looked at


def example_questions(store: Store, limit: int = 4) -> list[str]:
    rows = store.recent_texts(SAMPLE)
    counts: Counter[str] = Counter()
    for text in rows:
        names = {m for m in _NAME.findall(text) if m.split()[0] not in _NOT_A_NAME_START}
        counts.update(names)
    people = [name for name, n in counts.most_common() if n >= 2 or len(rows) < 2]
    return [f"what did {name} say" for name in people[:limit]]
