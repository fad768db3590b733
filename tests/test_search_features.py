"""What users of a search engine expect, through the library with the hashing encoder: the
query language, date order and recency, pages that never repeat or skip a result, facet
counts, the question's words marked, more like this, and a hint for an unknown outlet."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import Article, Filters, NewsIndex, SearchRequest, Settings
from service.errors import InputError
from service.search import MAX_DEPTH
from service.search.searcher import Searcher
from tests.conftest import FAKE_MODEL

OUTLETS = ["Wire One", "Daily Two", "Gazette Three"]
TOPICS = ["ceasefire talks", "rocket fire", "aid convoy", "election results", "port strike"]


VOCABULARY = [
    "envoys",
    "officials",
    "residents",
    "mediators",
    "ministers",
    "farmers",
    "doctors",
    "traders",
    "lawyers",
    "pilots",
    "harbour",
    "bridge",
    "market",
    "school",
    "clinic",
    "border",
    "village",
    "river",
    "stadium",
    "airport",
    "parliament",
    "morning",
    "evening",
    "quietly",
    "sharply",
    "briefly",
    "openly",
    "again",
    "later",
    "finally",
]


def corpus(n: int = 400, seed: int = 5) -> list[Article]:
    """n articles of two paragraphs, each paragraph its own mix of words (no two alike enough
    to be grouped), on five topics, in three outlets, over 2021 (every 17th undated)."""
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        day = f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
        one, two = (" ".join(rng.sample(VOCABULARY, 8)) for _ in range(2))
        text = f"Report {i} on the {topic}: {one}.\n\nTalks in Cairo, report {i} says: {two}."
        articles.append(
            Article(
                doc_id=f"a{i:04d}",
                title=f"Report {i} on the {topic}",
                text=text,
                date=None if i % 17 == 0 else day,
                outlet=OUTLETS[i % 3],
            )
        )
    return articles


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsIndex]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("features") / "idx", model=FAKE_MODEL)
    with NewsIndex.open(settings, writable=True, create=True) as writer:
        writer.add_articles(corpus())
        writer.add_articles(
            [
                Article("quote-1", "Biden said the talks would end soon.", "Quote", "2021-05-12"),
                Article("quote-2", "Biden said the talks would end soon.", "Quote", "2021-05-13"),
                Article("dome", "The Iron Dome stopped most rockets over Ashkelon.", "Dome"),
                Article("domes", "Iron domes of old churches shone over the city.", "Domes"),
            ]
        )
    with NewsIndex.open(settings) as reader:
        yield reader


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.doc_id for h in response.results]


def test_phrases_are_required_and_checked_exactly(index: NewsIndex) -> None:
    hits = index.search(SearchRequest('"Iron Dome" rockets', k=10)).results
    assert [h.doc_id for h in hits] == ["dome"]  # "Iron domes" matches FTS5 but not as written
    either = index.search(SearchRequest('"Iron Dome" OR "old churches"', k=10)).results
    assert {h.doc_id for h in either} == {"dome", "domes"}
    both = index.search(SearchRequest('"Iron Dome" "old churches"', k=10)).results
    assert both == []


def test_exclusions_and_operators_restrict_inside_the_search(index: NewsIndex) -> None:
    hits = index.search(SearchRequest("rocket fire -Cairo", k=20)).results
    assert hits and all("cairo" not in h.text.lower() for h in hits)
    wire = index.search(SearchRequest('ceasefire talks outlet:"Wire One"', k=30)).results
    assert wire and {h.source for h in wire} == {"Wire One"}
    dated = index.search(SearchRequest("aid convoy after:2021-03-01 before:2021-04-01", k=50))
    assert dated.results and all(
        "2021-03-01" <= (h.date or "") < "2021-04-01" for h in dated.results
    )
    with pytest.raises(InputError, match="outlet"):  # the query and the filter disagree
        index.search(SearchRequest("talks outlet:Daily", filters=Filters(outlet="Wire One")))


@pytest.mark.parametrize(
    "query,problem",
    [
        ('"unclosed phrase', "unclosed quote"),
        ("-only -exclusions", "nothing to look for"),
        ("talks after:someday", "not a date"),
        ("talks outlet:", "needs a value"),
        ('talks ""', "empty phrase"),
    ],
)
def test_malformed_queries_say_what_is_wrong(index: NewsIndex, query: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        index.search(SearchRequest(query))


def test_a_plain_question_searches_as_before(index: NewsIndex) -> None:
    plain = index.search(SearchRequest("what did the mediators say about the ceasefire talks"))
    ranked = index.searcher.ranked(
        "what did the mediators say about the ceasefire talks", "hybrid", Filters()
    )
    assert plain.results[0].score == pytest.approx(ranked[0][1], abs=0.5)  # corroboration aside
    assert (
        plain.results[0].doc_id == index.store.passages_by_id([ranked[0][0]])[ranked[0][0]].doc_id
        or len(plain.results[0].also_reported_by) > 0
    )


def test_date_orders_and_undated_last(index: NewsIndex) -> None:
    newest = index.search(SearchRequest("ceasefire talks", k=100, sort="newest")).results
    dates = [h.date for h in newest if h.date]
    assert dates == sorted(dates, reverse=True) and len(dates) > 10
    few = '"Iron Dome" OR "old churches" OR "talks would end"'
    mixed = index.search(SearchRequest(few, k=10, sort="newest", group=False)).results
    assert [h.date for h in mixed] == ["2021-05-13", "2021-05-12", None, None]  # undated last
    oldest = index.search(SearchRequest("ceasefire talks", k=100, sort="oldest")).results
    assert [h.date for h in oldest if h.date] == sorted(dates)


def test_recency_favours_the_newer_of_two_equal_answers(index: NewsIndex) -> None:
    question = "Biden said the talks would end soon"
    plain = index.search(SearchRequest(question, k=3, group=False)).results
    assert {plain[0].doc_id, plain[1].doc_id} == {"quote-1", "quote-2"}
    days = Filters(date_from="2021-05-12", date_to="2021-05-13")
    recent = index.search(
        SearchRequest(question, k=3, group=False, recency=1.0, filters=days)
    ).results
    assert recent[0].doc_id == "quote-2"  # a day newer
    assert recent[0].score > recent[1].score


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_pages_never_repeat_or_skip_a_result(index: NewsIndex, sort: str) -> None:
    question = "report on the talks in Cairo"
    seen: list[int] = []
    shown: set[tuple[str, int]] = set()
    offset: int | None = 0
    pages = 0
    while offset is not None:
        page = index.search(SearchRequest(question, k=37, offset=offset, sort=sort))
        for hit in page.results:
            for key in [(hit.doc_id, hit.paragraph)] + [
                (a.doc_id, a.paragraph) for a in hit.also_reported_by
            ]:
                assert key not in shown, f"{key} shown twice"
                shown.add(key)
            seen.append(hit.rank)
        offset, pages = page.next_offset, pages + 1
    assert seen == list(range(1, len(seen) + 1))  # ranks run on without a gap
    assert len(seen) >= 600 and pages >= 17  # deep enough to cross every tier
    # any page is the same slice of one list, however the reader got there
    whole = [
        (h.doc_id, h.paragraph)
        for start in range(0, 300, 100)
        for h in index.search(SearchRequest(question, k=100, offset=start, sort=sort)).results
    ]
    for start, k in [(0, 10), (5, 10), (9, 3), (95, 10), (98, 7), (150, 50), (290, 10)]:
        page = index.search(SearchRequest(question, k=k, offset=start, sort=sort)).results
        assert [(h.doc_id, h.paragraph) for h in page] == whole[start : start + k], (start, k)


def test_a_deeper_tier_takes_the_full_pool_where_copies_fold(
    index: NewsIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the first page a tier groups a lean pool first; where every story runs in three
    outlets that pool folds into too few answers, and the tier groups the full one."""
    rng = random.Random(9)
    stories = [" ".join(rng.sample(VOCABULARY, 10)) for _ in range(200)]
    copied = [
        Article(f"{outlet[:4]}-{n}", f"Talks in Cairo: {story}.", outlet=outlet, date="2021-05-12")
        for n, story in enumerate(stories)
        for outlet in OUTLETS
    ]
    pools: list[int] = []
    grouped = Searcher._grouped

    def recorded(self, work, req, top):  # type: ignore[no-untyped-def]
        pools.append(len(top))
        return grouped(self, work, req, top)

    monkeypatch.setattr(Searcher, "_grouped", recorded)
    second_page = SearchRequest("talks in Cairo", k=10, offset=10)
    index.search(second_page)
    assert pools == [60, 220]  # nothing folds: the lean pool has its 100 answers
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL)
    with NewsIndex.open(settings, writable=True, create=True) as writer:
        writer.add_articles(copied)
        pools.clear()
        page = writer.search(second_page)
    assert pools[:2] == [60, 220] and len(pools) == 3 and pools[2] > 220
    assert len(page.results) == 10
    assert all(len(h.also_reported_by) == 2 for h in page.results)  # each story's two copies


def test_pages_stop_at_the_depth_limit(index: NewsIndex) -> None:
    last = index.search(SearchRequest("report on the talks", k=10, offset=MAX_DEPTH - 5))
    assert len(last.results) <= 5 and last.next_offset is None
    with pytest.raises(InputError, match="offset"):
        index.search(SearchRequest("report", offset=MAX_DEPTH))


def test_facets_count_the_matches_by_outlet_and_date(index: NewsIndex) -> None:
    found = index.search(SearchRequest("aid convoy", facets=True, date_bucket="month"))
    facets = found.facets
    assert facets is not None and facets.articles > 0
    assert sum(f.count for f in facets.outlets) == facets.articles
    assert sum(f.count for f in facets.dates) + facets.undated == facets.articles
    assert all(len(f.value) == 7 for f in facets.dates)
    assert [f.value for f in facets.dates] == sorted(f.value for f in facets.dates)
    years = index.search(SearchRequest("aid convoy", facets=True, date_bucket="year")).facets
    assert years is not None and [f.value for f in years.dates] == ["2021"]
    one = index.search(SearchRequest("aid convoy", facets=True, filters=Filters("Daily Two")))
    assert one.facets is not None and [f.value for f in one.facets.outlets] == ["Daily Two"]
    assert index.search(SearchRequest("aid convoy")).facets is None  # only when asked


def test_the_question_words_are_marked(index: NewsIndex) -> None:
    hit = index.search(SearchRequest('what did the "Iron Dome" do to the rocket', k=1)).results[0]
    marked = [hit.text[m["start"] : m["end"]] for m in hit.matches]
    assert "Iron Dome" in marked and "rockets" in marked  # the phrase whole, a stem match
    assert not {"what", "did", "the"} & {m.lower() for m in marked}


def test_more_like_this(index: NewsIndex) -> None:
    like = index.similar("quote-1", k=5)
    assert "quote-1" not in ids(like)
    assert like.results[0].doc_id == "quote-2"  # the same text in another article first
    with pytest.raises(Exception, match="no document"):
        index.similar("no-such-article")


def test_an_unknown_outlet_gets_a_hint(index: NewsIndex) -> None:
    found = index.search(SearchRequest("talks", filters=Filters(outlet="Reuters")))
    assert found.results == []
    assert found.notes and "Reuters" in found.notes[0] and "Wire One" in found.notes[0]


def test_plain_progress_says_how_far(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from service.cli.output import PlainProgress

    progress = PlainProgress(every=0.0)
    progress.start_input(4_000_000)
    progress.advance_input(1_000_000, 250)
    progress.advance_input(1_000_000, 250)
    progress.finish()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) >= 2
    assert "2.0 of 4.0 MB (50%)" in lines[1] and "500 passages" in lines[1] and "left" in lines[1]
