"""spaCy's attribute ruler and rule lemmatizer with the same results for less: the ruler's
single-token patterns on a word's tag and lower-case form become one dictionary lookup a token
instead of a matcher run over every pattern, and lemmas are found only for verbs, the only
words the rules read lemmas of. A pipeline without both components (or with a lemmatizer in
another mode) runs them as it is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.attrs import LEMMA, LOWER, POS, TAG
from spacy.matcher import Matcher
from spacy.parts_of_speech import AUX, VERB
from spacy.tokens._retokenize import set_token_attrs

Key = tuple[int, int]  # the hashes of a tag and a lower-case form; 0: any
REPLACES = ("attribute_ruler", "lemmatizer")
_LEMMATISED = (VERB, AUX)


class QuickAttributes:
    replaces = REPLACES

    def __init__(self, nlp: Any) -> None:
        ruler = nlp.get_pipe("attribute_ruler")
        self._attrs: list[dict[Any, Any]] = ruler.attrs  # normalised, by rule number
        self._indices: list[int] = ruler.indices
        self._lemmatizer = nlp.get_pipe("lemmatizer")
        self._simple: dict[Key, list[int]] = {}
        strings = nlp.vocab.strings
        self._rest = Matcher(nlp.vocab)
        for number, rule in enumerate(ruler.patterns):
            for pattern in rule["patterns"]:
                keys = _simple_keys(pattern)
                if keys is None:
                    self._rest.add(str(number), [pattern])
                for tag, lower in keys or ():
                    key = (strings.add(tag) if tag else 0, strings.add(lower) if lower else 0)
                    self._simple.setdefault(key, []).append(number)

    @staticmethod
    def of(nlp: Any) -> QuickAttributes | None:
        """None where the pipeline's components are not the pair this stands in for."""
        names = list(nlp.pipe_names)
        if not all(name in names for name in REPLACES):
            return None
        if getattr(nlp.get_pipe("lemmatizer"), "mode", None) != "rule":
            return None
        at = names.index(REPLACES[0])
        if names[at : at + 2] != list(REPLACES) or set(names[at + 2 :]) - {"ner"}:
            return None  # a component after them might read what they set
        return QuickAttributes(nlp)

    def __call__(self, doc: Any) -> Any:
        for number, start, end in sorted(self._matches(doc)):
            index = self._indices[number]
            set_token_attrs(doc[start + index if index >= 0 else end + index], self._attrs[number])
        lemmatise = self._lemmatizer.lemmatize
        pos_lemma = doc.to_array([POS, LEMMA]).tolist()
        for i, (pos, lemma) in enumerate(pos_lemma):
            if pos in _LEMMATISED and lemma == 0:
                doc[i].lemma_ = lemmatise(doc[i])[0]
        return doc

    def _matches(self, doc: Any) -> Iterable[tuple[int, int, int]]:
        simple = self._simple
        for i, (tag, lower) in enumerate(doc.to_array([TAG, LOWER]).tolist()):
            for key in ((tag, 0), (0, lower), (tag, lower)):
                for number in simple.get(key, ()):
                    yield number, i, i + 1
        strings = doc.vocab.strings
        for match_id, start, end in self._rest(doc, allow_missing=True):
            yield int(strings[match_id]), start, end


def _simple_keys(pattern: list[dict[str, Any]]) -> list[tuple[str | None, str | None]] | None:
    """The (tag, form) pairs a one-token pattern on TAG and LOWER alone matches, each a plain
    string or an IN list; None for any other pattern."""
    if len(pattern) != 1 or not pattern[0] or set(pattern[0]) - {"TAG", "LOWER"}:
        return None
    choices: dict[str, list[str | None]] = {}
    for attr in ("TAG", "LOWER"):
        value = pattern[0].get(attr)
        if value is None or isinstance(value, str):
            choices[attr] = [value]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            choices[attr] = list(value["IN"])
        else:
            return None
    return [(tag, lower) for tag in choices["TAG"] for lower in choices["LOWER"]]
