"""Stories: articles that report one event share a story id given as they are indexed (close
leads within STORY_DAYS of each other), results say how many outlets report their story, a
story is a filter, `stories` lists them and `timeline` orders a story's answers by date with
the first outlet to report each quote; an older index gets its stories on the next run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from service import Article, Filters, NewsIndex, SearchRequest, Settings
from service.attribution import DEFAULT_PIPELINE
from service.chunking import chunk
from service.errors import InputError, NotFound
from service.stories import CANDIDATES, CandidatePool, assign_story, same_story
from tests.conftest import FAKE_MODEL, NLP_OFF

pytest.importorskip("spacy")
CALL = (
    "Ceasefire talks in Cairo stalled on Monday as mediators from Egypt and Qatar met the two "
    "delegations.\nThe foreign minister said: \u201cWe will not leave the table until the guns are "
    "silent in every town.\u201d\nNegotiators expect a second round later this week."
)
FLOOD = "Heavy rain flooded the valley overnight and the river burst its banks near the old mill."


def _articles() -> list[Article]:
    return [
        Article(doc_id="a", text=CALL, title="Talks stall", date="2021-05-10", outlet="Wire A"),
        Article(doc_id="b", text=CALL + "\nMore later.", date="2021-05-11", outlet="Paper B"),
        Article(doc_id="c", text=CALL, title="Talks, again", date="2021-05-30", outlet="Wire A"),
        Article(doc_id="d", text=FLOOD, title="Flood", date="2021-05-10", outlet="Paper B"),
    ]


@pytest.fixture
def storied(tmp_path: Path) -> NewsIndex:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=DEFAULT_PIPELINE)
    index = NewsIndex.open(settings, writable=True, create=True)
    index.add_articles(_articles())
    yield index
    index.close()


def test_the_rule_in_one_place() -> None:
    assert same_story(0.9, 0) and same_story(0.55, 5)
    assert not same_story(0.55, 1) and not same_story(0.3, 9)


def test_close_reports_within_days_share_a_story(storied: NewsIndex) -> None:
    stories = {s.story_id: s for s in storied.stories(at_least=1)}
    by_doc = {d: s.story_id for s in stories.values() for d in s.doc_ids}
    assert by_doc["a"] == by_doc["b"]  # one day apart, the same lead
    assert by_doc["c"] != by_doc["a"]  # the same words twenty days later: another event
    assert by_doc["d"] != by_doc["a"]
    two = stories[by_doc["a"]]
    assert two.articles == 2 and two.outlets == ["Wire A", "Paper B"]
    assert (two.first_date, two.last_date, two.headline) == (
        "2021-05-10",
        "2021-05-11",
        "Talks stall",
    )
    assert [s.story_id for s in storied.stories()] == [by_doc["a"]]  # at least 2 by default
    assert storied.stories(since="2021-05-20", at_least=1)[0].doc_ids == ["c"]
    with pytest.raises(InputError):
        storied.stories(limit=0)


def test_results_count_their_storys_outlets_and_filter_by_it(storied: NewsIndex) -> None:
    hits = storied.search(SearchRequest("ceasefire talks Cairo", k=10)).results
    story = next(h.story_id for h in hits if h.doc_id == "a")
    assert all(h.story_outlets == (2 if h.story_id == story else 1) for h in hits)
    only = storied.search(SearchRequest("ceasefire talks", k=10, filters=Filters(story=story)))
    found = {d for h in only.results for d in (h.doc_id, *(a.doc_id for a in h.also_reported_by))}
    assert found == {"a", "b"}


def test_a_storys_outlet_count_follows_deletes_and_changes(tmp_path: Path) -> None:
    def outlets(index: NewsIndex, doc_id: str) -> int:
        request = SearchRequest("ceasefire talks Cairo", filters=Filters(doc_id=doc_id))
        return index.search(request).results[0].story_outlets

    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(_articles())
        assert outlets(index, "a") == 2
        index.delete("b")
        assert outlets(index, "a") == 1
        index.add_articles([Article(doc_id="b", text=CALL, date="2021-05-11", outlet="Wire A")])
        assert outlets(index, "a") == 1  # the same outlet twice is one outlet
        index.add_articles([Article(doc_id="b", text=CALL, date="2021-05-11", outlet="Paper C")])
        assert outlets(index, "a") == 2
        index.delete("a")
        assert outlets(index, "b") == 1  # b replaced: its old outlet's count went with it
        index.add_articles([_articles()[0]])
    db = tmp_path / "idx" / "newsearch.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM story_sources")  # as stories stored before their counts
    with NewsIndex.open(settings) as index:
        assert outlets(index, "a") == 2


def test_the_timeline_marks_who_reported_a_quote_first(storied: NewsIndex) -> None:
    timeline = storied.timeline("foreign minister guns silent")
    assert timeline.story_id and timeline.headline == "Talks stall"
    dates = [h.date for h in timeline.entries]
    assert dates == sorted(dates) and {h.doc_id for h in timeline.entries} == {"a", "b"}
    marks = {
        h.doc_id: [(q["first"], q["first_source"]) for q in h.quotes] for h in timeline.entries
    }
    assert (True, "Wire A") in marks["a"]
    assert (False, "Wire A") in marks["b"]  # Paper B carried it a day after Wire A
    with pytest.raises(NotFound):
        storied.timeline("talks", story_id="nosuchstory")


def test_an_older_index_gets_its_stories_on_the_next_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    idx = str(tmp_path / "idx")
    assert cli("index", "seeds", "--index-dir", idx).code == 0
    db = tmp_path / "idx" / "newsearch.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM stories")  # as an index made before stories
        conn.execute("DROP TABLE story_sources")
    again = cli("index", "seeds", "--index-dir", idx)
    assert "gave 5 article(s) indexed before their story" in again.out
    listed = json.loads(cli("stories", "--at-least", "1", "--json", "--index-dir", idx).out)
    assert sum(s["articles"] for s in listed["stories"]) == 5
    text = cli("stories", "--at-least", "1", "--index-dir", idx).out
    assert "articles ·" in text
    line = cli("timeline", "Biden Netanyahu call", "-k", "3", "--index-dir", idx)
    assert line.code == 0 and line.out.startswith("story ")
    data = json.loads(cli("timeline", "Biden", "--json", "--index-dir", idx).out)
    assert {"query", "story_id", "headline", "outlets", "entries"} <= set(data)
    bad = cli("timeline", " ", "--index-dir", idx)
    assert bad.code != 0 and "question is empty" in bad.err


def test_stories_are_given_with_analysis_off_too(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(_articles())
        assert [s.doc_ids for s in index.stories()] == [["a", "b"]]


def test_dates_at_the_ends_of_the_calendar(tmp_path: Path) -> None:
    # a window of STORY_DAYS around 0001-01-01 or 9999-12-31 leaves the calendar; such a date
    # is still a date an archive can hold (a mis-keyed year), not an internal error
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(
            [
                Article(doc_id="first", text=CALL, date="0001-01-01"),
                Article(doc_id="again", text=CALL, date="0001-01-02"),
                Article(doc_id="last", text=FLOOD, date="9999-12-31"),
            ]
        )
        by_doc = {d: s.story_id for s in index.stories(at_least=1) for d in s.doc_ids}
        assert by_doc["first"] == by_doc["again"] != by_doc["last"]
        assert index.search(SearchRequest(query="ceasefire before:0001-01-01")).results == []
        late = index.search(SearchRequest(query="ceasefire after:9999-12-31")).results
        assert [h.doc_id for h in late] == ["last"]  # after: includes its day
        assert index.search(SearchRequest(query="ceasefire before:0001-01-03")).results


@pytest.mark.parametrize("max_parts", [16, 1], ids=["kept", "let-go"])
def test_a_transactions_pool_holds_what_the_database_would_give(
    tmp_path: Path, max_parts: int
) -> None:
    # the candidates each article of a batch is compared with, read once for the batch and
    # kept as it writes (CandidatePool), are those a query per article would read
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(_articles())
        dates = ["2021-05-10", None, "2021-05-12T08:00:00", "2021-05-30", None, "2021-05-10"]
        batch = [
            Article(doc_id=f"n{n}", text=f"{FLOOD} Report {n}.", date=day)
            for n, day in enumerate(dates)
        ] + [Article(doc_id="a", text=FLOOD + " Rewritten.", date="2021-06-20")]  # replaced
        store, dim = index.store, index.dim
        compared = 0
        with store.transaction() as tx:
            pool = CandidatePool(store, dim, max_parts)
            for article in batch:
                passages = chunk(article, 180)
                vecs = index.encoder.encode([p.text for p in passages])
                store.delete_document(tx, article.doc_id)
                store.insert_document(tx, article, "hash", passages, vecs)
                want = store.story_candidates(article.doc_id, article.date, 3, CANDIDATES, dim)
                got = pool.candidates(article.doc_id, article.date)
                assert sorted(got[0]) == sorted(want[0])
                assert {d: v.tolist() for (d, _), v in zip(*got, strict=True)} == {
                    d: v.tolist() for (d, _), v in zip(*want, strict=True)
                }
                compared += len(want[0])
                assign_story(tx, store, article.doc_id, article.date, vecs[0], dim, pool)
        assert compared >= 20
