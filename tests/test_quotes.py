"""Who said what in the index: `newsearch index` stores each article's quotes and entities
(spaCy's bundled English pipeline, as a user runs it), search filters by speaker, person,
organisation and place, results carry their quotes, `quotes` lists a speaker's quotes across
outlets, `show --json` lists an article's, facets count names; older articles are analysed
later without re-embedding, and a delete takes their quotes with it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from service import Filters, NewsIndex, SearchRequest, Settings
from service.attribution import DEFAULT_PIPELINE
from service.errors import InputError
from tests.conftest import FAKE_MODEL, NLP_OFF, SEEDS

pytest.importorskip("spacy")
ABBAS = "what did Blinken tell Abbas"


@pytest.fixture(scope="module")
def quoted(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    settings = Settings(index_dir=tmp_path_factory.mktemp("q") / "idx", model=FAKE_MODEL)
    index = NewsIndex.open(settings, writable=True, create=True)
    index.index_files([SEEDS], SEEDS.parent)
    yield index
    index.close()


def test_results_carry_their_quotes_and_filter_by_speaker(quoted: NewsIndex) -> None:
    plain = quoted.search(SearchRequest(ABBAS, k=10))
    by_blinken = quoted.search(SearchRequest(ABBAS, k=10, filters=Filters(speaker="Blinken")))
    assert by_blinken.results and len(by_blinken.results) < len(plain.results)
    for hit in by_blinken.results:
        speakers = [q["speaker"] for q in hit.quotes]
        assert any("Blinken" in (s or "") for s in speakers), (hit.text, speakers)
        for q in hit.quotes:
            assert 0 <= q["start"] < q["end"] <= len(hit.text)
    top = by_blinken.results[0].text
    assert "Abbas" in top and "Blinken" in top


@pytest.mark.parametrize(
    ("field", "name", "word"),
    [("person", "Netanyahu", "Netanyahu"), ("place", "Gaza", "Gaza"), ("speaker", "Kirby", "")],
)
def test_name_filters_hold_inside_the_search(
    quoted: NewsIndex, field: str, name: str, word: str
) -> None:
    response = quoted.search(SearchRequest("violence", k=20, filters=Filters(**{field: name})))
    assert response.results
    for hit in response.results:
        assert word in hit.text
    nobody = quoted.search(SearchRequest("violence", filters=Filters(**{field: "Nobody Atall"})))
    assert nobody.results == []


def test_a_speakers_quotes_fold_across_outlets(quoted: NewsIndex) -> None:
    quotes = quoted.quotes("Biden", k=20)
    assert quotes and all("Biden" in (q.speaker or "") for q in quotes)
    carried = [q for q in quotes if q.also_reported_by]
    assert carried, "the seeds carry Biden's remarks in several outlets"
    for q in carried:
        assert all(a.doc_id != q.doc_id for a in q.also_reported_by)
    about = quoted.quotes("Biden", "ceasefire hope conclusion", k=3)
    assert about and len(about) <= 3
    with pytest.raises(InputError):
        quoted.quotes("  ")


def test_article_quotes_have_offsets_into_its_text(quoted: NewsIndex) -> None:
    row, _ = quoted.document("seeds/002_55488569d2b2b954.txt")
    quotes = quoted.document_quotes(row.doc_id)
    assert len(quotes) >= 5
    for q in quotes:
        assert row.text[q.start : q.end] == q.text
        if q.speaker_start is not None and q.speaker_end is not None:
            assert row.text[q.speaker_start : q.speaker_end]


def test_facets_count_speakers_and_names(quoted: NewsIndex) -> None:
    facets = quoted.search(SearchRequest(ABBAS, facets=True)).facets
    assert facets is not None
    assert any("Blinken" in f.value for f in facets.speakers)
    assert any("Abbas" in f.value for f in facets.people)
    assert all(f.count <= facets.articles for f in facets.people + facets.places)


def test_cli_quotes_show_and_speaker_filter(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSEARCH_NLP", DEFAULT_PIPELINE)
    idx = str(tmp_path / "idx")
    assert cli("index", "seeds", "--index-dir", idx).code == 0
    out = cli("ask", ABBAS, "--speaker", "Blinken", "-k", "2", "--index-dir", idx).out
    assert "quoting" in out and "Blinken" in out
    listed = cli("quotes", "Blinken", "--json", "--index-dir", idx)
    data = json.loads(listed.out)
    assert data["speaker"] == "Blinken" and data["quotes"]
    assert all("Blinken" in q["speaker"] for q in data["quotes"])
    text = cli("quotes", "Blinken", "-k", "2", "--index-dir", idx).out
    assert text.startswith("1. ") and "— " in text
    shown = json.loads(cli("show", data["quotes"][0]["doc_id"], "--json", "--index-dir", idx).out)
    assert shown["quotes"] and {"speaker", "cue", "speaker_start"} <= set(shown["quotes"][0])
    bad = cli("quotes", "", "--index-dir", idx)
    assert bad.code != 0 and "speaker is empty" in bad.err


def test_older_articles_are_analysed_later_without_re_embedding(
    cli, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    idx = str(tmp_path / "idx")
    assert cli("index", "seeds", "--index-dir", idx).code == 0  # the quick tests' NLP is off
    db = tmp_path / "idx" / "newsearch.db"
    assert _count(db, "quotes") == 0
    monkeypatch.setenv("NEWSEARCH_NLP", DEFAULT_PIPELINE)
    again = cli("index", "seeds", "--index-dir", idx)
    assert "nothing to embed" in again.out
    assert "quotes and entities of 5 article(s)" in again.out
    assert _count(db, "quotes") > 20 and _count(db, "analysed") == 5
    assert "quotes and entities" not in cli("index", "seeds", "--index-dir", idx).out


def test_a_delete_takes_the_articles_quotes_and_entities(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.index_files([SEEDS], SEEDS.parent)
        doc = "seeds/002_55488569d2b2b954.txt"
        assert index.document_quotes(doc)
        index.delete(doc)
        assert index.document_quotes(doc) == []
    db = tmp_path / "idx" / "newsearch.db"
    for table in ("quotes", "entities", "analysed"):
        assert _count(db, table, "WHERE doc_id = 'seeds/002_55488569d2b2b954.txt'") == 0
    assert _count(db, "quotes") > 0


def test_analysis_off_indexes_without_quotes(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.index_files([SEEDS], SEEDS.parent)
        hits = index.search(SearchRequest(ABBAS, filters=Filters(speaker="Blinken"))).results
    assert hits == []


def test_an_unknown_pipeline_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp="no_such_pipeline")
    with NewsIndex.open(settings, writable=True, create=True) as index:
        with pytest.raises(InputError, match="no spaCy pipeline 'no_such_pipeline'"):
            index.index_files([SEEDS], SEEDS.parent)
        assert index.counts() == (0, 0)


def _count(db: Path, table: str, where: str = "") -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0])
