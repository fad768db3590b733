from __future__ import annotations

from service import Article
from service.chunking import chunk, sentence_spans


def test_offsets_point_into_the_article(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        passages = chunk(article)
        assert [p.paragraph for p in passages] == list(range(1, len(passages) + 1))
        for p in passages:
            assert article.text[p.start : p.end] == p.text


def test_long_paragraphs_split_at_sentences() -> None:
    sentence = "Blinken spoke with Abbas about the violence in Gaza today. "
    article = Article(doc_id="long", text=(sentence * 60).strip())
    passages = chunk(article, max_words=100)
    assert len(passages) > 1
    assert all(len(p.text.split()) <= 100 for p in passages)
    assert all(p.text.startswith("Blinken") and p.text.endswith("today.") for p in passages)


def test_sentence_spans_keep_abbreviations() -> None:
    text = 'Antony J. Blinken spoke with U.S. officials. "We are focused," he said. Then he left.'
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans[0] == "Antony J. Blinken spoke with U.S. officials."
    assert len(spans) == 3
