"""spaCy's attribute ruler and rule lemmatizer with the same results for less: the ruler's
one-word patterns (plain values, IN and NOT_IN lists on a word's form, dependency, tag and
whether it is space) are looked up by one of their values and their other tests checked,
instead of a matcher run over every pattern for every token; only patterns of several words
or regular expressions go to a matcher. Lemmas are found only for verbs, the only words the
rules read lemmas of. A pipeline without both components (or with a lemmatizer in another
mode) runs them as it is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, POS, TAG
from spacy.matcher import Matcher
from spacy.parts_of_speech import AUX, VERB
from spacy.tokens._retokenize import set_token_attrs

REPLACES = ("attribute_ruler", "lemmatizer")
_LEMMATISED = (VERB, AUX)
# what the one-word tests read of a token; a pattern is looked up by the first it names a
# value (or IN list) of, the most selective first
_COLUMNS = (LOWER, DEP, TAG, IS_SPACE)
_NAMES = ("LOWER", "DEP", "TAG", "IS_SPACE")
Test = tuple[int, bool, frozenset[int]]  # a column, whether its value must be in the set or not


class QuickAttributes:
    replaces = REPLACES

    def __init__(self, nlp: Any) -> None:
        ruler = nlp.get_pipe("attribute_ruler")
        self._attrs: list[dict[Any, Any]] = ruler.attrs  # normalised, by rule number
        self._indices: list[int] = ruler.indices
        self._lemmatizer = nlp.get_pipe("lemmatizer")
        self._one_word: dict[tuple[int, int], list[tuple[int, list[Test]]]] = {}
        self._rest = Matcher(nlp.vocab)
        for number, rule in enumerate(ruler.patterns):
            for pattern in rule["patterns"]:
                read = _one_word(pattern, nlp.vocab.strings)
                if read is None:
                    self._rest.add(str(number), [pattern])
                    continue
                column, values, tests = read
                for value in values:
                    self._one_word.setdefault((column, value), []).append((number, tests))

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
        one_word = self._one_word
        for i, row in enumerate(doc.to_array(list(_COLUMNS)).tolist()):
            for column, value in enumerate(row):
                for number, tests in one_word.get((column, value), ()):
                    if all((row[c] in values) == wanted for c, wanted, values in tests):
                        yield number, i, i + 1
        strings = doc.vocab.strings
        for match_id, start, end in self._rest(doc, allow_missing=True):
            yield int(strings[match_id]), start, end


def _one_word(
    pattern: list[dict[str, Any]], strings: Any
) -> tuple[int, list[int], list[Test]] | None:
    """A one-word pattern of plain values, IN and NOT_IN lists on the columns read, as the
    column it is looked up by, the values looked up and its other tests; None for any other
    pattern (the matcher takes it)."""
    if len(pattern) != 1 or not pattern[0] or set(pattern[0]) - set(_NAMES):
        return None
    tests: list[Test] = []
    for attr, value in pattern[0].items():
        column = _NAMES.index(attr)
        if isinstance(value, str | bool):
            tests.append((column, True, frozenset({_hash(value, strings)})))
        elif isinstance(value, dict) and len(value) == 1 and set(value) <= {"IN", "NOT_IN"}:
            op, listed = next(iter(value.items()))
            if not all(isinstance(v, str | bool) for v in listed):
                return None
            tests.append((column, op == "IN", frozenset(_hash(v, strings) for v in listed)))
        else:
            return None
    positive = [t for t in tests if t[1]]
    if not positive:
        return None
    lookup = min(positive, key=lambda t: t[0])
    return lookup[0], sorted(lookup[2]), [t for t in tests if t is not lookup]


def _hash(value: str | bool, strings: Any) -> int:
    """The value as `Doc.to_array` gives it: a string's hash (0 for none), a flag as 0 or 1."""
    return int(value) if isinstance(value, bool) else int(strings.add(value)) if value else 0
