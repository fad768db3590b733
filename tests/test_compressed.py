"""Compressed vectors past the compression threshold: the IVF lists hold codes, the full
vectors live only in SQLite, and a search scores its candidates again from them, so what it
returns are exact cosines at the recall of the uncompressed index."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from service import NewsIndex, SearchRequest, Settings
from service.maintenance import check
from service.records import Article
from service.vectors import AnnPolicy, VectorIndex
from tests.conftest import CLUSTERED_DIM as DIM
from tests.conftest import FAKE_MODEL, NLP_OFF

# four sub-quantisers: FAISS trains each in about the same time whatever its size
COMPRESSED = AnnPolicy(threshold=1000, compress_threshold=5000, compressed="PQ4")


def reader(vecs: np.ndarray, read: list[int] | None = None):  # type: ignore[no-untyped-def]
    def stored(ids: list[int]) -> dict[int, np.ndarray]:
        if read is not None:
            read.append(len(ids))
        return {i: vecs[i - 1] for i in ids}

    return stored


def test_the_policy_compresses_past_its_threshold(
    clustered: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, vecs = clustered
    flat = VectorIndex.build(ids[:4000], vecs[:4000], DIM, COMPRESSED)
    assert flat.exact and flat.codes == "Flat"
    codes = VectorIndex.build(ids, vecs, DIM, COMPRESSED)
    assert not codes.exact and codes.kind == f"ivf{AnnPolicy.lists_for(20_000)}-pq4"
    assert COMPRESSED.wants_rebuild(flat) is False
    codes.remove(ids[:17_000])  # 3,000 left: above half the threshold, codes stay
    assert not COMPRESSED.wants_rebuild(codes)
    codes.remove(ids[17_000:17_600])  # 2,400: below half of it, back to full vectors
    assert COMPRESSED.wants_rebuild(codes)
    assert COMPRESSED.wants_rebuild(VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=1000)))


def test_candidates_are_scored_again_exactly(clustered: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = clustered
    exact = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=10**9))
    flat = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=1000, nprobe=32))
    codes = VectorIndex.build(ids, vecs, DIM, replace(COMPRESSED, nprobe=32))
    read: list[int] = []
    stored = reader(vecs, read)
    recall = {"flat": [], "codes": [], "unscored": []}  # type: dict[str, list[float]]
    for q in vecs[::97][:150]:
        truth = exact.search(q, 10)
        got = codes.search(q, 10, stored=stored)
        for hit, score in got:  # exact cosines, best first
            assert score == pytest.approx(float(vecs[hit - 1] @ q), abs=1e-6)
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        top = {i for i, _ in truth}
        recall["flat"].append(len(top & {i for i, _ in flat.search(q, 10)}) / 10)
        recall["codes"].append(len(top & {i for i, _ in got}) / 10)
        recall["unscored"].append(len(top & {i for i, _ in codes.search(q, 10)}) / 10)
    assert set(read) == {200}  # the codes' top 200 are scored again, one read a search
    assert np.mean(recall["codes"]) >= np.mean(recall["flat"]) - 0.01
    assert np.mean(recall["codes"]) > np.mean(recall["unscored"])


def test_compressed_codes_delete_filter_and_survive_a_reload(
    clustered: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    ids, vecs = clustered
    codes = VectorIndex.build(ids, vecs, DIM, COMPRESSED)
    stored = reader(vecs)
    codes.remove(ids[:500])
    codes.add(ids[:10], vecs[:10])  # back again (a re-indexed article)
    allowed = ids[::50]
    for q in vecs[::991]:
        hits = codes.search(q, 10, stored=stored)
        assert not {i for i, _ in hits} & set(range(11, 501))
        filtered = codes.search(q, 5, allowed, stored=stored)
        exact = sorted(allowed[(allowed > 500) | (allowed <= 10)], key=lambda i: -vecs[i - 1] @ q)
        assert [i for i, _ in filtered] == exact[:5]  # a filter scans every list: exact
    assert codes.vectors_of(ids[600:605].tolist()) == {}  # no vectors in memory: SQLite serves
    digest = codes.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", DIM, digest, nprobe=codes.nprobe)
    assert loaded.kind == codes.kind and len(loaded) == len(codes)
    for q in vecs[::1997]:
        assert loaded.search(q, 10, stored=stored) == codes.search(q, 10, stored=stored)


def many_articles(n: int) -> list[Article]:
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(3000)]
    return [
        Article(
            doc_id=f"a{i}",
            title=f"article {i}",
            text=" ".join(rng.choice(words, 12)) + ".",
            outlet=f"outlet{i % 7}",
        )
        for i in range(n)
    ]


def test_an_index_past_the_threshold_serves_exact_scores_from_sqlite(tmp_path: Path) -> None:
    settings = Settings(
        index_dir=tmp_path / "idx",
        model=FAKE_MODEL,
        nlp=NLP_OFF,
        ann_threshold=1000,
        ann_compress=10_000,
    )
    articles = many_articles(10_200)  # codes are trained on at least 10,000 vectors
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(articles)
    with NewsIndex.open(settings) as index:
        assert index.stats().vector_search.endswith("-pq16")
        request = SearchRequest(articles[42].text, 5, "dense", group=False)
        hits = index.search(request).results
        assert hits[0].doc_id == "a42" and hits[0].score == pytest.approx(1.0, abs=1e-5)
        ids = [int(i) for i in index.vectors.ids()]
        assert len(ids) == 10_200 and index.vectors.vectors_of(ids[:3]) == {}
        similar = index.similar("a42", k=3).results
        assert similar and all(hit.doc_id != "a42" for hit in similar)
    # the vector file holds codes only: a fraction of the database's full vectors
    assert (tmp_path / "idx" / "vectors.faiss").stat().st_size < 10_200 * DIM * 4 / 2
    assert check(settings).ok
    with NewsIndex.open(settings, writable=True) as index:
        for doc in articles[:3]:
            index.delete(doc.doc_id)
        assert index.stats().vector_search.endswith("-pq16") and len(index.vectors) == 10_197
    raised = replace(settings, ann_compress=30_000)
    with NewsIndex.open(raised, writable=True):
        pass  # under half the threshold now: full vectors again when the writer closes
    with NewsIndex.open(raised) as index:
        assert index.stats().vector_search == f"ivf{AnnPolicy.lists_for(10_197)}"
    assert check(raised).ok


def test_a_bulk_run_holds_no_vectors_once_they_are_to_be_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from service.reports import IndexProgress

    corpus = tmp_path / "many.jsonl"
    articles = many_articles(3000)
    corpus.write_text(
        "".join(
            json.dumps({"id": a.doc_id, "title": a.title, "text": a.text}) + "\n" for a in articles
        )
    )
    held: list[int] = []

    class Watch(IndexProgress):
        def advance_input(self, nbytes: int, passages: int) -> None:
            held.append(len(index.vectors))

    settings = Settings(
        index_dir=tmp_path / "idx", model=FAKE_MODEL, nlp=NLP_OFF, ann_threshold=1000
    )
    plain = Settings(
        index_dir=tmp_path / "plain", model=FAKE_MODEL, nlp=NLP_OFF, ann_threshold=1000
    )
    monkeypatch.setattr("service.writer.ANNOUNCE_REBUILD", 2000)
    caplog.set_level("INFO", logger="newsearch.index")
    with NewsIndex.open(settings, writable=True, create=True) as index:
        report = index.index_files(
            [corpus], tmp_path, progress=Watch(), unit_bytes=20_000, bulk=True
        )
        assert report.n_added == 3000 and not report.added  # counted, not listed
        assert max(held) < 1300 and held[-1] == 0  # let go past the threshold, not kept
        assert len(index.vectors) == 3000 and index.vectors.nlist  # rebuilt as the call ends
        assert "building the vector index of 3,000 passages" in caplog.text  # the pause named
        request = SearchRequest(articles[7].text, 3, "dense", group=False)
        assert index.search(request).results[0].doc_id == "a7"
    with NewsIndex.open(plain, writable=True, create=True) as index:
        index.index_files([corpus], tmp_path, unit_bytes=20_000)
    with NewsIndex.open(settings) as bulk, NewsIndex.open(plain) as kept:
        assert bulk.stats().vector_search == kept.stats().vector_search
        for a in articles[::500]:
            request = SearchRequest(a.text, 5, "dense", group=False)
            assert [h.doc_id for h in bulk.search(request).results] == [
                h.doc_id for h in kept.search(request).results
            ]
    assert check(settings).ok


def test_recent_vectors_are_read_once_and_bounded() -> None:
    from service.search.retrieval import RecentVectors

    reads: list[list[int]] = []
    matrix = np.arange(40, dtype=np.float32).reshape(10, 4)

    def read(ids: list[int]) -> dict[int, np.ndarray]:
        reads.append(sorted(ids))
        return {i: matrix[i] for i in ids if i < 10}  # 10 and up: not stored

    recent = RecentVectors(read, size=4)
    assert sorted(recent([1, 2, 3])) == [1, 2, 3]
    got = recent([2, 3, 4, 11])
    assert sorted(got) == [2, 3, 4] and reads == [[1, 2, 3], [4, 11]]
    assert np.array_equal(got[4], matrix[4]) and not np.shares_memory(got[4], matrix)
    recent([5])  # five held: the least recently used (1) goes
    recent([1])
    assert reads[-1] == [1]
