"""The in-memory keyword ranking returns FTS5's own bm25() rankings, through adds, changes,
deletes, filters and a cache too small to hold a query."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from service import Article, NewsIndex, Settings
from service.analysis import fts_query
from service.keywords import KeywordIndex, first_varints
from service.search import Filters, SearchRequest
from tests.conftest import SEED_QUESTIONS

VOCABULARY = (
    "ceasefire rocket Gaza Israel Hamas Biden Blinken Abbas Egypt talks truce strike city "
    "minister president army border crossing aid hospital school night sirens interceptor "
    "running runs ran runner naïve café resume résumé 2021 covid-19 U.S. Al-Aqsa"
)
WORDS = VOCABULARY.split()
QUESTIONS = [
    *SEED_QUESTIONS,
    "running runner runs",  # three words, one stem: FTS5 counts each phrase
    "naive cafe resume",  # diacritics removed on both sides
    "the",  # stop words only: the whole query is used
    "covid-19 U.S. 2021",
    "rocket rocket ROCKET",
    "foo_bar ceasefire",  # '_' splits the word into a two-token phrase: FTS5 answers it
    "zzzz unknown",
]


def articles(count: int, seed: int, prefix: str = "doc") -> list[Article]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))
            for _ in range(rng.randint(1, 4))
        ]
        out.append(
            Article(
                doc_id=f"{prefix}-{n}",
                title=f"{prefix} {n}",
                text="\n\n".join(paragraphs),
                outlet=rng.choice(["AP", "Reuters"]),
            )
        )
    return out


def fts5(index: NewsIndex, query: str, limit: int, filters: Filters) -> list[tuple[int, float]]:
    match = fts_query(query)
    return index.store.keyword_search(match, limit, filters) if match else []


def assert_same(index: NewsIndex, keywords: KeywordIndex, filters: Filters | None = None) -> None:
    filters = filters or Filters()
    for query in QUESTIONS:
        for limit in (5, 1000):
            ours = keywords.search(query, limit, filters)
            theirs = fts5(index, query, limit, filters)
            assert len(ours) == len(theirs), query
            # equal scores; ids may swap only within a tie
            assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-9)
            mine, fts = dict(ours), dict(theirs)
            for pid in mine.keys() & fts.keys():
                assert mine[pid] == pytest.approx(fts[pid], abs=1e-9), query
            cut = (theirs[-1][1] if theirs else 0.0) + 1e-9
            assert {p for p, s in ours if s > cut} == {p for p, s in theirs if s > cut}


@pytest.fixture
def index(settings: Settings, seed_articles: list[Article]) -> Iterator[NewsIndex]:
    index = NewsIndex.open(settings, writable=True, create=True)
    index.add_articles([*seed_articles, *articles(300, seed=1)])
    yield index
    index.close()


def test_scores_equal_fts5_bm25(index: NewsIndex) -> None:
    keywords = KeywordIndex(index.store, budget=10_000_000)
    assert_same(index, keywords)
    assert_same(index, keywords)  # again from the cache
    assert_same(index, keywords, Filters(outlet="AP"))


def test_follows_adds_changes_and_deletes(index: NewsIndex) -> None:
    keywords = KeywordIndex(index.store, budget=10_000_000)
    assert_same(index, keywords)  # the cache now holds these words
    index.add_articles(articles(40, seed=2, prefix="new"))
    assert_same(index, keywords)
    changed = articles(40, seed=3)[:10]  # doc-0 … doc-9 with new text
    index.add_articles(changed)
    index.delete("doc-20")
    assert_same(index, keywords)
    found = {pid for pid, _ in keywords.search("Blinken Abbas ceasefire", 1000, Filters())}
    gone = {p.id for p in index.store.document_passages("doc-20")}
    assert not gone and found
    stored = index.store.passages_by_id(found)
    assert "doc-20" not in {p.doc_id for p in stored.values()}
    assert {f"new-{n}" for n in range(40)} & {p.doc_id for p in stored.values()}


def test_concurrent_searches_and_writes_leave_no_stale_postings(index: NewsIndex) -> None:
    """Words are read from FTS5 outside the cache's lock: a word read at an older snapshot
    while a write lands must not be kept (it would miss the new rows from then on)."""
    keywords = KeywordIndex(index.store, budget=10_000_000)
    rare = [f"w{n}" for n in range(300)]  # cold words: every first search of one reads FTS5
    rng = random.Random(6)

    def write() -> None:
        for n in range(12):
            batch = [
                Article(doc_id=f"w-{n}-{m}", title="w", text=" ".join(rng.sample(rare, 30)))
                for m in range(5)
            ]
            index.add_articles(batch)
            if n % 3 == 2:
                index.delete(f"w-{n - 1}-0")

    def ask(seed: int) -> None:
        local = random.Random(seed)
        for _ in range(150):
            keywords.search(" ".join(local.sample(rare, 3)), 50, Filters())

    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(write), *(pool.submit(ask, s) for s in range(4))]
        for future in futures:
            future.result()
    matched = 0
    for word in rare:
        ours, theirs = (
            dict(keywords.search(word, 1000, Filters())),
            dict(fts5(index, word, 1000, Filters())),
        )
        assert ours.keys() == theirs.keys(), word
        matched += bool(ours)
        assert all(ours[p] == pytest.approx(theirs[p], abs=1e-9) for p in ours), word
    assert matched > 250


def test_mostly_deleted_index_reloads(index: NewsIndex) -> None:
    keywords = KeywordIndex(index.store, budget=10_000_000)
    assert_same(index, keywords)
    for n in range(250):
        index.delete(f"doc-{n}")
    assert_same(index, keywords)


def test_tiny_budget_still_answers(index: NewsIndex) -> None:
    keywords = KeywordIndex(index.store, budget=1)
    assert_same(index, keywords)
    assert keywords._held <= max(len(p.positions) for p in keywords._postings.values())


def test_budget_zero_is_fts5(index: NewsIndex) -> None:
    keywords = KeywordIndex(index.store, budget=0)
    assert keywords.search("Hady Amr", 10, Filters()) == fts5(index, "Hady Amr", 10, Filters())


def test_empty_index(settings: Settings) -> None:
    with NewsIndex.open(settings, writable=True, create=True) as index:
        keywords = KeywordIndex(index.store, budget=100)
        assert keywords.search("ceasefire", 10, Filters()) == []
        index.add_articles(articles(3, seed=4))
        assert_same(index, keywords)


def test_search_uses_it(index: NewsIndex) -> None:
    response = index.search(SearchRequest("Hady Amr", k=3, mode="keyword"))
    assert response.results and "Amr" in response.results[0].text
    assert index.keywords._postings  # the searcher went through the cache


def varint(value: int) -> bytes:
    """SQLite's varint for values below 2**56."""
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))


def test_first_varints_decode_fts5_sizes() -> None:
    rng = random.Random(5)
    values = [
        0,
        1,
        127,
        128,
        300,
        16_383,
        16_384,
        2**21 + 5,
        *(rng.randrange(2**28) for _ in range(200)),
    ]
    # a size record holds one varint per column: only the first is read
    blobs = tuple(varint(v) + varint(rng.randrange(1000)) for v in values)
    assert first_varints(blobs).tolist() == values
    assert first_varints(()).tolist() == []


def rows_matching(index: NewsIndex, word: str) -> int:
    found = index.store.conn.execute(
        "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (f'"{word}"',)
    )
    return int(found.fetchone()[0])


@pytest.mark.parametrize("budget", [10_000_000, 0])
def test_idf_counts_the_rows_holding_each_word(index: NewsIndex, budget: int) -> None:
    keywords = KeywordIndex(index.store, budget=budget)
    words = ["ceasefire", "running", "abbas", "naïve", "zzzz", "foo_bar"]

    def expected() -> dict[str, float]:
        total = int(index.store.conn.execute("SELECT count(*) FROM passages").fetchone()[0])
        out = {}
        for word in words:
            n = 0 if "_" in word else rows_matching(index, word)  # '_': two tokens, unseen
            out[word] = math.log(1 + (total - n + 0.5) / (n + 0.5))
        return out

    # budget > 0: postings read into the cache (then served from it); 0: counted by FTS5
    assert keywords.idf(words) == pytest.approx(expected(), abs=1e-12)
    assert keywords.idf(words) == pytest.approx(expected(), abs=1e-12)
    assert bool(keywords._postings) == (budget > 0)
    for n in range(30):
        index.delete(f"doc-{n}")  # cached postings of deleted rows must not count
    index.add_articles(articles(10, seed=7, prefix="later"))
    assert keywords.idf(words) == pytest.approx(expected(), abs=1e-12)
    assert expected()["zzzz"] > expected()["abbas"] > expected()["ceasefire"]
