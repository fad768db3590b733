"""Which language an article is written in: py3langid (langid.py's naive Bayes over byte
n-grams, 97 languages, BSD-3-Clause, numpy only) over its title and the start of its text,
and the one rule for what a language filter's value means."""

from __future__ import annotations

import re
import threading
from typing import Any

from service.errors import InputError

SAMPLE_CHARS = 4000  # an article's opening says its language; a long one costs no more
MIN_LETTERS = 40  # fewer letters than this (a caption, a table of scores) is a guess
MIN_CONFIDENCE = 0.6  # the detector's probability for its answer, below which it says none
_CODE = re.compile(r"[a-z]{2,3}")


_IDENTIFIER: list[Any] = []  # the model, loaded once a process: every detector shares it
_LOADING = threading.Lock()


class LanguageDetector:
    """Loads the model on first use (about half a second, once a process), then tells an
    article's language as an ISO 639 code ("en", "ru", "pt"), or None where the text is too
    short or mixed to say."""

    def load(self) -> Any:
        with _LOADING:
            if not _IDENTIFIER:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _IDENTIFIER.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
            return _IDENTIFIER[0]

    def detect(self, title: str, text: str) -> str | None:
        sample = f"{title}\n{text[:SAMPLE_CHARS]}"
        if sum(c.isalpha() for c in sample) < MIN_LETTERS:
            return None
        return self._confident(sample)

    def detect_question(self, question: str) -> str | None:
        """A question's language, where the detector is as sure as it must be of an article's
        (no floor on letters: a short question mostly leaves it unsure, and then it is None)."""
        return self._confident(question)

    def _confident(self, text: str) -> str | None:
        code, confidence = self.load().classify(text)
        return str(code) if confidence >= MIN_CONFIDENCE and _CODE.fullmatch(code) else None


def language_code(value: str) -> str:
    """A language filter's value as stored: the ISO 639 code, lower case, with any region
    dropped ("pt-BR" and "PT_br" are "pt")."""
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    if not _CODE.fullmatch(code):
        raise InputError(
            f"language must be an ISO 639 code such as 'en', 'ru' or 'pt-BR', got {value!r}"
        )
    return code
