"""The streamed k-means that trains the IVF lists (service.clustering)."""

from __future__ import annotations

import numpy as np

from service.clustering import slices, train_centroids


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_k_means_fits_as_well_as_faiss_reading_a_slice_at_a_time() -> None:
    import faiss

    rng = np.random.default_rng(1)
    centres = _unit(rng.normal(size=(64, 32)))
    points = _unit(centres[rng.integers(0, 64, size=8000)] + 0.1 * rng.normal(size=(8000, 32)))
    reads: list[int] = []

    def read(rows: np.ndarray) -> np.ndarray:
        reads.append(len(rows))
        return points[rows]

    found = train_centroids(np.arange(len(points)), read, lists=64, dim=32, step=1000)
    assert found.shape == (64, 32) and found.dtype == np.float32
    assert np.allclose(np.linalg.norm(found, axis=1), 1, atol=1e-5)
    assert max(reads) <= 1000  # never the whole sample at once
    # the fit (each point's cosine to its nearest centroid) is FAISS's own spherical k-means's,
    # give or take the local optimum each random start ends in
    theirs = faiss.Kmeans(32, 64, niter=10, spherical=True, seed=1)
    theirs.train(points)
    fit = (points @ found.T).max(axis=1).mean()
    assert fit >= (points @ theirs.centroids.T).max(axis=1).mean() - 0.02
    assert fit > (points @ _unit(points[:64]).T).max(axis=1).mean()  # better than its start


def test_more_lists_than_clusters_leave_no_list_empty() -> None:
    rng = np.random.default_rng(2)
    # two tight clusters, six lists: empty lists split the largest until every list holds points
    points = _unit(np.repeat(np.eye(16)[:2], 300, axis=0) + 1e-3 * rng.normal(size=(600, 16)))
    found = train_centroids(np.arange(600), lambda rows: points[rows], lists=6, dim=16, step=128)
    nearest = (points @ found.T).argmax(axis=1)
    assert len(np.unique(nearest)) == 6


def test_too_few_points_is_an_error() -> None:
    try:
        train_centroids(np.arange(3), lambda rows: np.eye(4)[rows], lists=4, dim=4, step=2)
    except ValueError as error:
        assert "needs as many points" in str(error)
    else:
        raise AssertionError("no error")


def test_slices_cover_every_item_once() -> None:
    assert slices(5, 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert slices(0, 3) == []
