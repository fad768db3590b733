"""Who said what (service.attribution) with the real bundled spaCy pipeline, on the seeds;
the quotation-mark scanner alone; the PolNeAR scorer on a slice where the data is present."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from service.attribution import Analyser
from service.attribution.marks import quote_spans

ROOT = Path(__file__).resolve().parents[1]
POLNEAR = ROOT.parent / "shared" / "data" / "polnear"


@pytest.fixture(scope="module")
def analyser() -> Analyser:
    return Analyser()


def quoted(text: str) -> list[str]:
    return [text[a:b] for a, b in quote_spans(text)]


def test_a_quote_over_paragraphs_is_one_span() -> None:
    text = "He said: “We will go on.\n“And we will win,” he added.\nNext."
    assert quoted(text) == ["“We will go on.\n“And we will win,”"]


def test_apostrophes_and_inch_marks_open_no_quote() -> None:
    text = 'The ’90s screen was 12" wide, and Clinton’s aide said ‘no comment’ twice.'
    assert quoted(text) == ["‘no comment’"]


def test_an_unclosed_quote_ends_with_its_paragraph() -> None:
    assert quoted("“Never closed\nNext paragraph.") == ["“Never closed"]


def speakers(analyser: Analyser, name: str) -> dict[str, str | None]:
    text = next((ROOT / "seeds").glob(f"{name}_*.txt")).read_text(encoding="utf-8")
    return {text[q.start : q.start + 30]: q.speaker for q in analyser.analyse(text).quotes}


@pytest.mark.parametrize(
    ("seed", "opening", "speaker"),
    [
        ("000", "“My expectation and hope this w", "Joe Biden"),  # "he said": the one just quoted
        ("001", "“I had a conversation for a whi", "Biden"),
        ("001", "“My expectation and hope is tha", "Biden"),
        ("001", "“The two leaders agreed to main", "the readout"),
        ("002", '"Secretary Austin conveyed the ', "John Kirby"),
        ("002", '"expressed his concerns regardi', "Ned Price"),
        ("002", '"emphasized the need for Israel', "Price"),
        ("002", '"My expectation and hope is thi', "Joe Biden"),
        ("004", '"He will urge, on my behalf and', "Antony Blinken"),
        ("004", "\"He also conveyed the US' enco", "the readout"),  # "it added" after it
        ("004", '"My expectation and hope is tha', "Joe Biden"),
    ],
)
def test_seed_quotes_have_their_speakers(
    analyser: Analyser, seed: str, opening: str, speaker: str
) -> None:
    found = speakers(analyser, seed)
    assert found.get(opening[:30]) == speaker, found


def test_titles_are_kept_apart_from_names(analyser: Analyser) -> None:
    text = "Secretary of State Antony Blinken said on Wednesday that talks would go on."
    (quote,) = analyser.analyse(text).quotes
    assert (quote.speaker, quote.role, quote.cue) == (
        "Antony Blinken",
        "Secretary of State",
        "said",
    )
    assert text[quote.start : quote.end] == "that talks would go on"


def test_pronouns_resolve_to_the_person_named(analyser: Analyser) -> None:
    text = "Ned Price spoke to reporters.\n“We are working on it,” he said."
    (quote,) = analyser.analyse(text).quotes
    assert quote.speaker == "Ned Price"
    assert text[quote.speaker_start : quote.speaker_end] == "he"  # type: ignore[misc]


@pytest.mark.skipif(not POLNEAR.exists(), reason="no ../shared/data/polnear here")
def test_the_polnear_scorer_runs_on_a_slice() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "attribution.py"), "--split", "dev", "--limit", "3"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "speech     content ov" in out and "speaker right" in out


def test_paragraphs_left_unparsed_are_read_safely(analyser) -> None:  # type: ignore[no-untyped-def]
    # names with no cue, quotation or title beside them: entities only, no parse (a walk of
    # an unparsed tree once crashed the process)
    text = "\n".join(
        ["Jane Smith visited Paris on Monday with Tom Brown.", "Tom Brown met Acme Corp in Lyon."]
        * 20
        + ["Jane Smith said the trip went well."]
    )
    analysis = analyser.analyse(text)
    assert {"Jane Smith", "Tom Brown"} <= {e.name for e in analysis.entities}
    assert [q.speaker for q in analysis.quotes] == ["Jane Smith"]


def test_doubled_apostrophes_are_quotation_marks(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Aides said he believed in airing differences. ''This was not the basis of our "
        "policy,'' Mr. Rhodes said. ''It was to be energetic.'' He didn't say more."
    )
    assert quoted(text) == [
        "''This was not the basis of our policy,''",
        "''It was to be energetic.''",
    ]
    found = [(q.kind, q.speaker) for q in analyser.analyse(text).quotes if q.kind == "direct"]
    assert found == [("direct", "Rhodes"), ("direct", "Rhodes")]


def test_a_curly_quote_closed_by_a_straight_one_is_still_a_quote(analyser) -> None:  # type: ignore[no-untyped-def]
    text = '“We’re going to build a wall," he said. "It will be built."'
    assert quoted(text) == ['“We’re going to build a wall,"', '"It will be built."']


def test_a_name_with_an_appositive_after_the_quote_speaks(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“It is not the position that everything is hunky-dory,” Gene Sperling, a top "
        "outside Clinton adviser, said at a recent event."
    )
    (quote,) = analyser.analyse(text).quotes
    assert quote.speaker == "Gene Sperling"
    assert (
        text[quote.start : quote.end] == "“It is not the position that everything is hunky-dory,”"
    )
    assert text[quote.speaker_start : quote.speaker_end].startswith("Gene Sperling")  # type: ignore[misc]


def test_a_cue_set_inside_its_sentence_reports_the_sentence(analyser) -> None:  # type: ignore[no-untyped-def]
    text = "The bigger risk, Admiral Harris said, is a clash caused by paramilitary forces."
    (quote,) = analyser.analyse(text).quotes
    assert (quote.speaker, quote.cue) == ("Harris", "said")
    assert text[quote.start : quote.end].endswith("caused by paramilitary forces")


def test_who_speaks_for_the_name_it_follows(analyser) -> None:  # type: ignore[no-untyped-def]
    text = "Revenues were up, said Tom Ekovich, who noted that rounds had risen by a tenth."
    speakers_found = {q.cue: q.speaker for q in analyser.analyse(text).quotes}
    assert speakers_found.get("noted") == "Tom Ekovich", speakers_found


def test_a_letter_asking_is_not_asked_by_its_addressee(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Biden also wrote a letter to Palestinian Authority chairman Mahmoud Abbas asking him "
        "to end the current escalation with Israel."
    )
    assert all(q.speaker != "Mahmoud Abbas" for q in analyser.analyse(text).quotes)


def test_she_skips_a_man_named_last(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Hillary Clinton spoke first, and Tom Ebeling answered her questions.\n"
        "“Emails have been wonderful, although that can be a curse,” she admitted."
    )
    (quote,) = [q for q in analyser.analyse(text).quotes if q.kind == "direct"]
    assert quote.speaker == "Hillary Clinton"


def test_a_name_tagged_as_a_verb_still_speaks_after_its_quote(analyser) -> None:  # type: ignore[no-untyped-def]
    text = '"Jeb wants to be a tough guy tonight," Trump shot back.'
    (quote,) = analyser.analyse(text).quotes
    assert (quote.speaker, quote.cue) == ("Trump", "shot back")


def test_went_on_to_say_is_one_cue(analyser) -> None:  # type: ignore[no-untyped-def]
    text = "Kasich went on to say that the plan was bad for Ohio."
    assert [q.cue for q in analyser.analyse(text).quotes] == ["went on to say"]


def readings(analyser: Analyser, text: str) -> list[tuple[str, str | None, str | None]]:
    return [(text[q.start : q.end], q.speaker, q.cue) for q in analyser.analyse(text).quotes]


def test_a_speaker_after_said_is_read_whatever_the_parse(analyser) -> None:  # type: ignore[no-untyped-def]
    # the parser took a word of the quote for a second subject, or the name for an object
    first = (
        "“The drop we are seeing now is directly attributable to the emails, the foundation, "
        "all the old trust stuff,” said a person close to the Clintons."
    )
    assert readings(analyser, first)[0][1:] == ("a person close to the Clintons", "said")
    second = (
        "“Republicans are so frustrated with the decision that they are now unloading on her "
        'right before the conventions," said Oversight ranking Democrat Elijah Cummings (D-Md.).'
    )
    (quote,) = analyser.analyse(second).quotes
    assert "Elijah Cummings" in second[quote.speaker_start : quote.speaker_end]  # type: ignore[misc]


def test_a_name_and_any_verb_after_a_quote_speak(analyser) -> None:  # type: ignore[no-untyped-def]
    cases = {
        '"Look at the statement Mr. Trump put out after the shootings," Conway notes.': (
            "Conway",
            "notes",
        ),
        "“If she wants to be the next president, she should come to Louisiana,” the editorial "
        "read.": ("the editorial", "read"),
    }
    for text, want in cases.items():
        assert readings(analyser, text)[0][1:] == want, text


def test_a_dash_and_a_name_under_a_quote_speak(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Sanders voted for the act.\n\n"
        '"I will look into it. I don\'t know the status, but I will look into it."\n\n'
        "- Hillary Clinton.\n\nClinton has been looking into it a long time."
    )
    (quote,) = analyser.analyse(text).quotes
    assert (quote.speaker, quote.cue) == ("Hillary Clinton", "-")


def test_a_headline_quote_after_a_name_and_colon(analyser) -> None:  # type: ignore[no-untyped-def]
    text = "Reid: 'Never, ever, ever underestimate Trump.'\n\nHarry Reid has some advice."
    (quote,) = analyser.analyse(text).quotes
    assert (text[quote.start : quote.end], quote.cue) == (
        "'Never, ever, ever underestimate Trump.'",
        ":",
    )
    assert "Reid" in (quote.speaker or "")


def test_a_name_just_before_a_colon_speaks_not_the_clause(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The timing of Sanders’ surge doesn’t surprise Republican pollster Daron Shaw: "
        "“Historically, lesser-known candidates beating establishment candidates have seen "
        "the biggest boost.”"
    )
    assert readings(analyser, text)[-1][1] == "Daron Shaw"


def test_a_quote_inside_another_content_keeps_its_own_cue(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        'He said, "Donald Trump will build the wall" - at which point the crowd chanted '
        '"Build the wall!" - "and restore law and order."'
    )
    owners = {q: (s, c) for q, s, c in readings(analyser, text)}
    chant = [(s, c) for q, (s, c) in owners.items() if "Build the wall!" in q]
    assert chant[0] == ("the crowd", "chanted"), owners


def test_a_verb_before_a_comma_and_quote_is_its_cue(analyser) -> None:  # type: ignore[no-untyped-def]
    text = (
        "After Jerry Brown criticized Bill Clinton, Hillary shot back, “I suppose I could have "
        "stayed home and baked cookies and had teas.”"
    )
    assert readings(analyser, text)[-1][1:] == ("Hillary", "shot back")


def test_what_is_announced_and_asked_about_is_content(analyser) -> None:  # type: ignore[no-untyped-def]
    text = "Gov. Jerry Brown announced the deal with state lawmakers on Monday."
    (quote,) = analyser.analyse(text).quotes
    assert (quote.cue, quote.speaker, text[quote.start : quote.end]) == (
        "announced",
        "Jerry Brown",
        "the deal",
    )
    asked = "Asked about his taxes after the debate, Trump would not answer."
    found = [(q.cue, asked[q.start : q.end], q.speaker) for q in analyser.analyse(asked).quotes]
    assert ("Asked about", "his taxes", None) in found, found


def test_quick_attributes_match_spacys_ruler_and_lemmatizer(analyser: Analyser) -> None:
    """The stand-in gives every token of the seeds (and of 60 PolNeAR train articles, where
    present) the part of speech, tag, dependency and morphology spaCy's attribute ruler gives
    it, and every verb spaCy's lemma."""
    from service.attribution.attributes import QuickAttributes
    from service.attribution.extract import split_paragraphs

    nlp = analyser.nlp()
    quick = QuickAttributes.of(nlp)
    assert quick is not None
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    paths += sorted((POLNEAR / "train" / "text").glob("*.txt"))[:60]
    paragraphs = [
        p for path in paths for _, p in split_paragraphs(path.read_text(encoding="utf-8"))
    ]
    paragraphs.append("“We're goin' home and we'll see 'em,” he said, “gonna be fine.”")
    with nlp.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        docs = list(nlp.pipe(paragraphs))
    spacys = [nlp.get_pipe("lemmatizer")(nlp.get_pipe("attribute_ruler")(d.copy())) for d in docs]
    checked = verbs = 0
    for ours, theirs in zip((quick(d) for d in docs), spacys, strict=True):
        for a, b in zip(ours, theirs, strict=True):
            assert (a.pos_, a.tag_, a.dep_, str(a.morph)) == (b.pos_, b.tag_, b.dep_, str(b.morph))
            if a.pos_ in ("VERB", "AUX"):
                assert a.lemma_ == b.lemma_, a.text
                verbs += 1
            checked += 1
    assert checked > 2000 and verbs > 250, (checked, verbs)


def test_a_pipeline_without_the_pair_runs_whole() -> None:
    import spacy

    from service.attribution.attributes import QuickAttributes

    assert QuickAttributes.of(spacy.blank("en")) is None
    nlp = spacy.blank("en")
    nlp.add_pipe("attribute_ruler")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    assert QuickAttributes.of(nlp) is None


def test_the_blas_thread_limit_is_lifted_after_an_analysis(analyser: Analyser) -> None:
    import threadpoolctl

    before = [(i["filepath"], i["num_threads"]) for i in threadpoolctl.threadpool_info()]
    analyser.analyse("“We will talk,” Blinken said.")
    after = [(i["filepath"], i["num_threads"]) for i in threadpoolctl.threadpool_info()]
    assert after == before


def test_a_cue_hung_inside_a_report_speaks_for_the_reporter(analyser: Analyser) -> None:
    text = (
        "Byrne also wrote the agents knew to brace for the eruptions, saying, “They didn’t "
        "happen every day, but behind closed doors we learned about them fast.”"
    )
    quote = next(q for q in analyser.analyse(text).quotes if q.kind == "direct")
    assert (quote.speaker, quote.cue) == ("Byrne", "saying")


def test_a_relative_clause_after_a_quote_names_no_speaker(analyser: Analyser) -> None:
    text = (
        "“Bernie is in good shape going forward no matter who wins New York,” said Tad Devine, "
        "a senior adviser on the Sanders campaign. “We could win enough delegates in "
        "Pennsylvania and Indiana to catch up further to her, and we have good opportunities "
        "all the way through California,” which votes June 7."
    )
    second = text.index("“We could")
    quote = next(q for q in analyser.analyse(text).quotes if q.start == second)
    assert quote.speaker == "Tad Devine"


def test_the_inside_a_quotation_test_matches_the_plain_scan() -> None:
    import random

    from service.attribution.spans import inside_any

    rng = random.Random(1)
    for _ in range(500):
        marks = [(a, a + rng.randint(1, 30)) for a in rng.sample(range(80), rng.randint(0, 6))]
        inside = inside_any(marks)
        for at in range(120):
            assert inside(at) == any(a < at < b - 1 for a, b in marks), (marks, at)
