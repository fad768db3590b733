"""The words that introduce reported speech: verbs of saying (by lemma), "according to", and
the titles that name a person's role rather than the person. One list, used by the extractor
and by the benchmark's choice of which annotated attributions count as speech."""

from __future__ import annotations

import re


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# verbs whose subject is the speaker and whose complement (or nearby quote) is what was said
SPEECH_VERBS = _words(
    """
    say tell add state note write report announce explain claim insist argue stress warn ask
    reply respond tweet declare suggest acknowledge admit confirm deny recall reveal predict
    promise vow pledge urge maintain contend assert emphasize emphasise observe remark
    comment complain concede agree caution indicate mention testify joke quip boast conclude
    continue describe allege charge counter retort recount explain estimate propose demand
    order advise inform assure remind disclose signal post answer recommend yell shout chant
    exclaim confess interject scream whisper mutter interrupt plead chime lament
    """
)

# verbs of saying whose object is what was said ("announced a deal", "denied the claim"),
# unlike "told reporters" or "asked him"
OBJECT_SAID = _words(
    """
    say announce describe report propose reveal deny promise pledge claim confirm predict
    recommend demand disclose acknowledge admit mention explain state note recall
    """
)

# verbs that report speech only beside a quotation: "called it “a disgrace”", "the sign read"
QUOTE_VERBS = _words(
    """
    call label read thank denounce blast praise echo quote dub brand term mouth put
    """
)

# a particle that makes a phrasal verb of saying: "pointed out", "spoke out"
PHRASAL = {("point", "out"), ("speak", "out"), ("go", "on")}

# titles before a name, or nouns that stand for a person already named ("the secretary")
ROLE_WORDS = _words(
    """
    president secretary minister spokesman spokeswoman spokesperson senator sen. rep.
    representative governor gov. mayor chairman chairwoman chair director chief leader
    ambassador envoy adviser advisor official officer general gen. prime deputy vice
    assistant press attorney judge justice speaker king queen prince sheikh mr. mrs. ms. dr.
    candidate nominee commissioner counsel coordinator head manager founder ceo
    """
)

PRONOUNS_PERSON = frozenset({"he", "she", "him", "her"})
PRONOUNS_GROUP = frozenset({"it", "they", "them"})


# forms of those verbs that regular endings do not give
_IRREGULAR = _words("said told wrote written spoke spoken went gone pled sought read")


def _forms(verb: str) -> set[str]:
    """A verb's regular forms, generously: an extra word only costs a parse."""
    stem = verb[:-1] if verb.endswith("e") else verb
    forms = {verb, verb + "s", verb + "es", verb + "ed", verb + "d", stem + "ing", stem + "ed"}
    forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}  # quipped, admitting
    if verb.endswith("y"):
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    return forms


# a cheap test on raw text for any form of a cue: a paragraph without one (and without a
# quotation mark) holds no attribution, so it needs entities but no parse
_CUE_FORMS = frozenset(
    {"according"}
    | _IRREGULAR
    | {f for v in SPEECH_VERBS | QUOTE_VERBS | {v for v, _ in PHRASAL} for f in _forms(v)}
)
_WORD = re.compile(r"[a-z]+")
_MARKS = re.compile("[\"“”„«»‘’]|: '")


def is_cue_form(word: str) -> bool:
    """Whether a word may be a form of a verb of saying, whatever the tagger made of it
    ("the editorial read", "Conway notes" are often tagged as nouns)."""
    return word.casefold() in _CUE_FORMS


def may_attribute(text: str) -> bool:
    """Whether a paragraph may hold a quote or reported speech (a quotation mark or a word
    that could be a cue): errs towards yes."""
    if _MARKS.search(text) is not None:
        return True
    return not _CUE_FORMS.isdisjoint(_WORD.findall(text.casefold()))


def may_name_role(text: str) -> bool:
    """Whether a paragraph may give someone a title ("Secretary of State Antony Blinken"),
    which needs the parse to take apart."""
    words = [w.casefold().strip(",;:()") for w in text.split()]
    return any(w in ROLE_WORDS or w.rstrip(".") in ROLE_WORDS for w in words)
