"""k-means for the IVF lists, over vectors read a slice at a time: the training sample is
never held whole (at a million passages FAISS's own k-means holds a quarter of a million
float32 vectors, 400 MB, to train 4,096 lists), only the centroids and one slice are.

Spherical k-means on inner product, as FAISS trains an inner-product IVF quantiser: random
sample points as the first centroids, ten rounds of assigning every point to its best
centroid and moving each centroid to the normalised mean of its points; a list left empty
takes over half of the largest one."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

ROUNDS = 10  # FAISS's own for IVF quantisers: lists barely move after that
BLOCK = 2048  # points scored against every centroid at once (8 MB of scores at 1,024 lists)


def train_centroids(
    sample: np.ndarray,
    read: Callable[[np.ndarray], np.ndarray],
    lists: int,
    dim: int,
    step: int,
    seed: int = 0,
) -> np.ndarray:
    """(lists, dim) unit-length float32 centroids of the vectors read(sample[slice]) gives,
    `step` of them at a time, for each of ROUNDS passes over the sample."""
    if len(sample) < lists:
        raise ValueError(f"k-means of {lists} lists needs as many points, not {len(sample)}")
    rng = np.random.default_rng(seed)
    first = np.sort(rng.choice(len(sample), size=lists, replace=False))
    centroids = _unit(np.concatenate([read(sample[first[s]]) for s in slices(lists, step)]))
    for _ in range(ROUNDS):
        sums = np.zeros((lists, dim), dtype=np.float64)
        counts = np.zeros(lists, dtype=np.int64)
        for part in slices(len(sample), step):
            vectors = np.asarray(read(sample[part]), dtype=np.float32)
            for block in slices(len(vectors), BLOCK):
                points = vectors[block]
                nearest = np.argmax(points @ centroids.T, axis=1)
                _accumulate(sums, counts, nearest, points)
        _split_largest(sums, counts, rng)
        centroids = _unit(sums.astype(np.float32))
    return centroids


def _accumulate(
    sums: np.ndarray, counts: np.ndarray, nearest: np.ndarray, points: np.ndarray
) -> None:
    """Adds each point to its list's sum: grouped by list and summed a run at a time
    (np.add.at, a point at a time, took longer than the scoring)."""
    order = np.argsort(nearest, kind="stable")
    lists, starts, sizes = np.unique(nearest[order], return_index=True, return_counts=True)
    sums[lists] += np.add.reduceat(points[order], starts, axis=0)
    counts[lists] += sizes


def _split_largest(sums: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> None:
    """Each empty list takes half of the largest list's points, its mean nudged apart (as
    FAISS does): a centroid no point chose would otherwise stay useless for good."""
    for empty in np.flatnonzero(counts == 0):
        largest = int(np.argmax(counts))
        mean = sums[largest] / counts[largest]
        nudge = 1 + rng.choice([-1e-3, 1e-3], size=mean.shape)
        half = counts[largest] // 2
        sums[empty], sums[largest] = mean * nudge * half, mean / nudge * (counts[largest] - half)
        counts[empty], counts[largest] = half, counts[largest] - half


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1), dtype=np.float32)


def slices(count: int, step: int) -> list[slice]:
    """Consecutive slices of at most `step` over `count` items."""
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]
