"""Query analysis: how text is cut into words, which words a keyword query ignores, FTS5's
tokenizer spec, and the FTS5 query built from a question. Keyword search, the highlight and
grouping all read words through here, so they agree on what a word is."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

# SQLite's tokenizer for the passages' FTS5 table (service.store creates it with this spec, and
# service.keywords tokenises query words with the same one)
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 64


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    text = resources.files("service").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


STOPWORDS = _stopwords()


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, in order."""
    return WORD.findall(text.lower())


def query_words(text: str) -> list[str]:
    """The words a keyword query looks for: content words (all words if there are none),
    lower-cased, each once, at most MAX_QUERY_WORDS."""
    found = words(text)
    content = [t for t in found if t not in STOPWORDS] or found
    return list(dict.fromkeys(content))[:MAX_QUERY_WORDS]


def fts_query(text: str) -> str | None:
    """An FTS5 expression OR-ing the query's words, each quoted (no operator injection)."""
    found = query_words(text)
    return " OR ".join(f'"{t}"' for t in found) if found else None
