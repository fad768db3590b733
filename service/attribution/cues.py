"""The words that introduce reported speech: verbs of saying (by lemma), "according to", and
the titles that name a person's role rather than the person. One list, used by the extractor
and by the benchmark's choice of which annotated attributions count as speech."""

from __future__ import annotations


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

# verbs that report speech only beside a quotation: "called it “a disgrace”", "the sign read"
QUOTE_VERBS = _words(
    """
    call label read thank denounce blast praise echo quote dub brand term mouth
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
