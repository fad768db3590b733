"""Approximate search past the size threshold: IVF with recall control, deletes that keep
working, filters that stay exact, and the switch made automatically at the end of a write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service import NewsIndex, SearchRequest, Settings
from service.maintenance import check
from service.records import Article
from service.vectors import AnnPolicy, VectorIndex
from tests.conftest import CLUSTERED_DIM as DIM
from tests.conftest import FAKE_MODEL


def recall_at_10(exact: VectorIndex, approx: VectorIndex, queries: np.ndarray) -> float:
    found = [
        len({i for i, _ in exact.search(q, 10)} & {i for i, _ in approx.search(q, 10)}) / 10
        for q in queries
    ]
    return float(np.mean(found))


def test_threshold_picks_the_structure(clustered: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = clustered
    assert VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=20_001)).kind == "exact"
    ivf = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=20_000))
    assert ivf.kind == f"ivf{AnnPolicy.lists_for(20_000)}" and len(ivf) == 20_000


def test_nprobe_controls_recall(clustered: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = clustered
    exact = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=10**9))
    approx = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=1000, nprobe=1))
    queries = vecs[::97][:150]
    low = recall_at_10(exact, approx, queries)
    approx.nprobe = 32
    high = recall_at_10(exact, approx, queries)
    assert low < high and high >= 0.95


def test_deletes_and_filters_on_ivf(clustered: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = clustered
    exact = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=10**9))
    ivf = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=1000, nprobe=2))
    gone = ids[:500]
    ivf.remove(gone)
    exact.remove(gone)
    assert len(ivf) == 19_500 and not set(gone) & set(ivf.ids().tolist())
    assert not any(i in set(gone.tolist()) for q in vecs[:50] for i, _ in ivf.search(q, 10))
    # a filter to a few scattered passages is answered exactly, even with nprobe=2
    allowed = ids[1000::613]
    for q in vecs[::500]:
        assert [i for i, _ in ivf.search(q, 5, allowed)] == [
            i for i, _ in exact.search(q, 5, allowed)
        ]


@pytest.mark.parametrize("mapped", [False, True], ids=["read", "memory-mapped"])
def test_ivf_survives_save_and_load(
    clustered: tuple[np.ndarray, np.ndarray], tmp_path: Path, mapped: bool
) -> None:
    ids, vecs = clustered
    ivf = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=1000))
    digest = ivf.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", DIM, digest, nprobe=ivf.nprobe, mapped=mapped)
    assert loaded.mapped == mapped and loaded.kind == ivf.kind and len(loaded) == len(ivf)
    assert sorted(loaded.ids().tolist()) == sorted(ivf.ids().tolist())
    for q in vecs[::997]:
        assert loaded.search(q, 10) == ivf.search(q, 10)
        assert loaded.search(q, 5, ids[::7]) == ivf.search(q, 5, ids[::7])
    some = ids[::1999].tolist()
    assert {k: v.tolist() for k, v in loaded.vectors_of(some).items()} == {
        k: v.tolist() for k, v in ivf.vectors_of(some).items()
    }
    if mapped:  # a reader's index never changes
        with pytest.raises(RuntimeError, match="read-only"):
            loaded.remove(ids[:3])


@pytest.mark.parametrize("threshold", [10**9, 1000], ids=["exact", "ivf"])
def test_vectors_read_from_memory_follow_adds_and_removes(
    clustered: tuple[np.ndarray, np.ndarray], threshold: int
) -> None:
    ids, vecs = clustered
    index = VectorIndex.build(ids[:15_000], vecs[:15_000], DIM, AnnPolicy(threshold=threshold))
    index.remove(ids[:100])
    index.add(ids[15_000:], vecs[15_000:])
    wanted = [int(i) for i in ids[50:20_000:250]] + [10**9]  # removed, kept, added, never held
    got = index.vectors_of(wanted)
    assert sorted(got) == [i for i in wanted if 100 < i <= 20_000]
    for i, v in got.items():
        assert np.array_equal(v, vecs[i - 1])  # the exact float32 vector, not an approximation
    assert index.vectors_of([]) == {}


@pytest.mark.parametrize("threshold", [10**9, 1000], ids=["exact", "ivf"])
def test_a_build_a_slice_at_a_time_is_the_build_of_all(
    clustered: tuple[np.ndarray, np.ndarray], threshold: int
) -> None:
    ids, vecs = clustered
    policy = AnnPolicy(threshold=threshold, nprobe=4)
    whole = VectorIndex.build(ids, vecs, DIM, policy)
    read: list[int] = []

    def reader(positions: np.ndarray) -> np.ndarray:
        read.append(len(positions))
        return vecs[positions]

    sliced = VectorIndex.build_from(ids, reader, DIM, policy, step=3000)
    assert sliced.kind == whole.kind and len(sliced) == len(whole)
    assert max(read[-7:]) == 3000 and sum(read[-7:]) == len(ids)  # never all of them at once
    for q in vecs[::997]:
        assert sliced.search(q, 10) == whole.search(q, 10)


def test_rebuild_from_sqlite_reads_every_stored_vector(seeded: NewsIndex) -> None:
    from service.indexfiles import rebuild_vectors

    ids, vecs = seeded.store.all_vectors(seeded.dim)
    for policy in (AnnPolicy(threshold=10**9), AnnPolicy(threshold=16, nprobe=16)):
        rebuilt = rebuild_vectors(seeded.store, seeded.dim, policy)
        built = VectorIndex.build(ids, vecs, seeded.dim, policy)
        assert rebuilt.kind == built.kind and sorted(rebuilt.ids()) == ids.tolist()
        for q in vecs[::9]:
            assert rebuilt.search(q, 5) == built.search(q, 5)


def test_sq8_vectors_are_not_read_from_memory(clustered: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = clustered
    sq8 = VectorIndex.build(ids, vecs, DIM, AnnPolicy(threshold=1000, encoding="SQ8"))
    assert sq8.vectors_of(ids[:5].tolist()) == {}  # its codes are approximations: SQLite serves


def test_index_reads_vectors_it_does_not_hold_from_sqlite(
    tmp_path: Path, seed_articles: list[Article]
) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(seed_articles)
        ids = [int(i) for i in index.vectors.ids()]
        stored = index.store.vectors_for(ids, index.dim)
        index.vectors.remove(ids[:3])  # as if SQLite had committed rows FAISS has not taken yet
        got = index.vectors_for(ids)
        assert sorted(got) == sorted(ids)
        assert all(np.array_equal(got[i], stored[i]) for i in ids)


def test_index_switches_to_ivf_and_back(tmp_path: Path, seed_articles: list[Article]) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, ann_threshold=40)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(seed_articles)
        assert index.stats().vector_search == "exact"  # reshaped when the write session ends
    with NewsIndex.open(settings) as index:
        assert index.stats().vector_search == "ivf32"
        hits = index.search(SearchRequest("what did Blinken tell Abbas", 5, "dense")).results
        assert len(hits) == 5
    assert check(settings).ok
    with NewsIndex.open(settings, writable=True) as index:
        for doc in seed_articles[:4]:
            index.delete(doc.doc_id)
        left = index.stats().passages
        assert left < 20  # under half the threshold: back to exact on close
    with NewsIndex.open(settings) as index:
        assert index.stats().vector_search == "exact" and len(index.vectors) == left
    assert check(settings).ok


def test_ann_settings_from_the_environment() -> None:
    from service.errors import InputError

    s = Settings.from_env({"NEWSEARCH_ANN_THRESHOLD": "5000", "NEWSEARCH_ANN_NPROBE": "8"})
    assert s.ann_policy() == AnnPolicy(threshold=5000, nprobe=8)
    for bad in ("0", "-3", "many", "1.5"):
        with pytest.raises(InputError, match="NEWSEARCH_ANN_NPROBE"):
            Settings.from_env({"NEWSEARCH_ANN_NPROBE": bad})


def test_one_shot_open_maps_the_vectors(tmp_path: Path, seed_articles: list[Article]) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, ann_threshold=40)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(seed_articles)
    with NewsIndex.open(settings, writable=True) as index:
        assert not index.vectors.mapped
        expected = index.search(SearchRequest("what did Blinken tell Abbas", 5, "dense"))
    with NewsIndex.open(settings) as index:
        assert not index.vectors.mapped  # a long-lived reader reads the file
    with NewsIndex.open(settings, one_shot=True) as index:
        assert index.vectors.mapped and index.stats().vector_search == "ivf32"
        got = index.search(SearchRequest("what did Blinken tell Abbas", 5, "dense"))
    assert [h.doc_id for h in got.results] == [h.doc_id for h in expected.results]
