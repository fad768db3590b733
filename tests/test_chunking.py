from __future__ import annotations

from service import Article
from service.chunking import (
    MAX_ARTICLE_PASSAGES,
    MAX_PASSAGE_CHARS,
    MAX_PASSAGE_WORDS,
    chunk,
    sentence_spans,
)
from service.pipeline import prepare_articles


def test_offsets_point_into_the_article(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        passages = chunk(article)
        assert [p.paragraph for p in passages] == list(range(1, len(passages) + 1))
        for p in passages:
            assert article.text[p.start : p.end] == p.text


def test_long_paragraphs_split_at_sentences() -> None:
    text = " ".join(f"Blinken spoke with Abbas about the violence on day {n}." for n in range(60))
    passages = chunk(Article(doc_id="long", text=text), max_words=100)
    assert len(passages) > 1
    assert all(len(p.text.split()) <= 100 for p in passages)
    assert all(p.text.startswith("Blinken") and p.text.endswith(".") for p in passages)


def test_sentence_spans_keep_abbreviations() -> None:
    text = 'Antony J. Blinken spoke with U.S. officials. "We are focused," he said. Then he left.'
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans[0] == "Antony J. Blinken spoke with U.S. officials."
    assert len(spans) == 3


def test_sentences_start_with_the_capitals_of_every_script() -> None:
    text = (
        "Блинкен поговорил с Аббасом. Он выразил соболезнования. "
        "Ο Μπλίνκεν μίλησε με τον Αμπάς. Έτσι είπε. "
        "L'accord a été signé. État et société l'ont salué. "
        "布林肯与阿巴斯通话。他表示哀悼！"
    )
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == [
        "Блинкен поговорил с Аббасом.",
        "Он выразил соболезнования.",
        "Ο Μπλίνκεν μίλησε με τον Αμπάς.",
        "Έτσι είπε.",
        "L'accord a été signé.",
        "État et société l'ont salué.",
        "布林肯与阿巴斯通话。",
        "他表示哀悼！",
    ]
    assert len(sentence_spans("Prices rose, etc. and fell again.")) == 1


def test_no_passage_outgrows_the_caps_whatever_the_punctuation() -> None:
    no_stops = " ".join(f"word{n}" for n in range(5000))  # no sentence ends at all
    one_token = "".join(f"{n:04d}" for n in range(1750))  # 7,000 characters, no space
    long_words = " ".join(f"https://example.org/{n}/" + "a" * 80 for n in range(60))  # long words
    article = Article(doc_id="caps", text="\n\n".join([no_stops, one_token, long_words]))
    passages = chunk(article)
    assert max(len(p.text) for p in passages) <= MAX_PASSAGE_CHARS
    assert max(len(p.text.split()) for p in passages) <= MAX_PASSAGE_WORDS
    for p in passages:
        assert article.text[p.start : p.end] == p.text
    covered = "".join(p.text for p in passages).replace(" ", "")
    assert covered == article.text.replace(" ", "").replace("\n", "")  # nothing lost


def test_an_article_of_more_passages_than_the_cap_is_cut_with_a_notice() -> None:
    text = "\n\n".join(f"Paragraph {n} of a site dump." for n in range(MAX_ARTICLE_PASSAGES + 50))
    prepared = prepare_articles([Article(doc_id="dump", text=text)], lambda ids: {}, 180)
    ((_, _, passages),) = prepared.todo
    assert len(passages) == MAX_ARTICLE_PASSAGES
    (notice,) = prepared.notices
    assert f"{MAX_ARTICLE_PASSAGES + 50:,} passages" in notice


def test_a_subhead_joins_its_paragraph_and_a_repeat_is_one_passage() -> None:
    text = "\n\n".join(
        [
            "Blinken spoke with Abbas on Sunday.",
            "Meal 1",  # a subhead: joins what it introduces
            "Eggs and toast with coffee for the minister.",
            "He declined.",  # a short sentence is a paragraph of its own
            "Blinken spoke with Abbas on Sunday.",  # repeated on the page: stored once
            "Hady Amr arrived in Tel Aviv.",
            "Comments",  # at the end: joins the paragraph before
        ]
    )
    article = Article(doc_id="page", text=text)
    passages = chunk(article)
    assert [p.text for p in passages] == [
        "Blinken spoke with Abbas on Sunday.",
        "Meal 1\n\nEggs and toast with coffee for the minister.",
        "He declined.",
        "Hady Amr arrived in Tel Aviv.\n\nComments",
    ]
    assert [p.paragraph for p in passages] == [1, 2, 3, 4]
    assert all(article.text[p.start : p.end] == p.text for p in passages)
