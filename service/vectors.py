"""FAISS wrapper (the only module that imports faiss): inner-product search over normalised
passage vectors keyed by their SQLite ids; atomic save, checked load.

Below `AnnPolicy.threshold` vectors the index is exact (a flat scan). At and above it, an
inverted-file index (IVF: k-means lists, `nprobe` of them scanned per query) answers in a
fraction of the time at a measured recall (bench/scale.py). IVF rather than HNSW because
IVF removes ids in place, so deletes and replacements keep working at any size.

From `AnnPolicy.compress_threshold` on, the IVF lists hold compressed codes instead of the
vectors (a few dozen bytes a vector instead of 4 a dimension): the full vectors then live only
in SQLite, and the candidates the codes find are scored again from them (`search(stored=)`),
so the scores a search returns stay exact cosines."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.clustering import slices, train_centroids
from service.errors import IndexCorrupt, MissingDependency
from service.fileutil import replace_atomically, sha256_file

BUILD_SLICE = 8_192  # vectors read and added at a time when an index is built (12 MB)
# candidates compressed codes give for their full vectors to score again: the true top 10 is
# almost always among the codes' top 200 (recall: docs/benchmarks)
RESCORE_DEPTH = 200
MIN_CODES_TRAIN = 10_000  # 39 points for each of a PQ sub-quantiser's 256 centroids
# vectors the codes are trained on: 128 for each of those centroids. FAISS's k-means of a
# sub-quantiser takes several times longer on fewer than about 32,000 points than on more
CODES_TRAIN = 32_768
_REPAIR = "run `newsearch check --repair` to rebuild it from the database"


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise MissingDependency("vector search", "faiss-cpu") from None
    return faiss


@dataclass(frozen=True)
class AnnPolicy:
    """When to leave exact search, and how hard the approximate one looks."""

    # vectors; below it a flat scan is fast enough that exact search costs nothing worth saving
    threshold: int = 20_000
    nprobe: int = 64  # IVF lists scanned per query (recall against speed: docs/benchmarks)
    encoding: str = "Flat"  # IVF codes below compress_threshold: the vectors themselves
    # vectors from which the lists hold compressed codes: from there the float vectors in
    # memory would be most of a server's memory (1.5 GB a million)
    compress_threshold: int = 1_000_000
    # the codes from there: "PQ" is product quantisation with a byte for every 4 dimensions
    # (96 bytes for 384: as the full vectors' recall, where a byte for 8 lost some; see
    # bench/scale.py), or any FAISS code (SQ8, PQ48, ...)
    compressed: str = "PQ"

    def encoding_for(self, count: int, dim: int, compressed_now: bool = False) -> str:
        """The codes an IVF index of `count` vectors should hold. Compressed codes stay down
        to half the threshold, so an index near it is not rebuilt back and forth; they are
        trained on no fewer than MIN_CODES_TRAIN vectors (FAISS's k-means asks that many)."""
        floor = self.compress_threshold // 2 if compressed_now else self.compress_threshold
        if count < floor or (count < MIN_CODES_TRAIN and not compressed_now):
            return self.encoding
        if self.compressed != "PQ":
            return self.compressed
        return f"PQ{dim // 4}" if dim % 4 == 0 else "SQ8"

    @staticmethod
    def lists_for(count: int) -> int:
        """About 4·sqrt(n) lists, as FAISS's guidelines suggest (4,096 at 1M)."""
        return max(16, 1 << round(math.log2(4 * math.sqrt(max(count, 1)))))

    def wants_rebuild(self, vectors: VectorIndex) -> bool:
        """Flat past the threshold, IVF far below it, or IVF whose lists no longer fit its
        size (trained when the index was a quarter of what it is now)."""
        n = len(vectors)
        if vectors.nlist is None:
            return n >= self.threshold
        if n < self.threshold // 2:
            return True
        if vectors.codes != self.encoding_for(n, vectors.dim, not vectors.exact):
            return True
        return self.lists_for(n) >= 4 * vectors.nlist


class VectorIndex:
    """Inner-product search over int64 passage ids: exact (IndexFlatIP in an id map), or IVF
    past the policy's threshold."""

    def __init__(self, dim: int, index: Any = None, nprobe: int = AnnPolicy.nprobe) -> None:
        faiss = _faiss()
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._ivf = _ivf_of(self._index)
        if (
            self._ivf is not None
            and self.exact
            and self._ivf.direct_map.type == faiss.DirectMap.NoMap
        ):
            # id -> list entry, kept by FAISS through adds and removes: lets vectors_of()
            # read a passage's vector from memory instead of SQLite (compressed codes have no
            # vector to give, so they keep no map: it would cost more than the codes)
            self._ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        self.nprobe = nprobe
        self.mapped = False  # memory-mapped from its file: searchable, never changed

    @classmethod
    def build(
        cls, ids: np.ndarray, vectors: np.ndarray, dim: int, policy: AnnPolicy | None = None
    ) -> VectorIndex:
        """The index a collection of this size should have: exact below the threshold, else
        IVF trained on (a sample of) these vectors."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), dim)
        return cls.build_from(np.asarray(ids, dtype=np.int64), vecs.__getitem__, dim, policy)

    @classmethod
    def build_from(
        cls,
        ids: np.ndarray,
        read: Callable[[np.ndarray], np.ndarray],
        dim: int,
        policy: AnnPolicy | None = None,
        step: int = BUILD_SLICE,
    ) -> VectorIndex:
        """As build, reading the vectors through `read(positions)` (the (n, dim) float32
        vectors of ids[positions]) a slice at a time: a rebuild from SQLite holds the index it
        makes and one slice, never a second copy of every vector."""
        policy = policy or AnnPolicy()
        if len(ids) < policy.threshold:
            index = cls(dim, nprobe=policy.nprobe)
        else:
            faiss = _faiss()
            nlist = AnnPolicy.lists_for(len(ids))
            codes = policy.encoding_for(len(ids), dim)
            ivf = faiss.index_factory(dim, f"IVF{nlist},{codes}", faiss.METRIC_INNER_PRODUCT)
            if isinstance(ivf, faiss.IndexIVFPQ):
                # its codes' order for polysemous search, which nothing here does: most of
                # the training time
                ivf.do_polysemous_training = False
            # k-means on 64 points a list is plenty for the centroids; read a slice at a time
            # for each round, so the sample is never held whole
            rng = np.random.default_rng(0)
            sample = np.sort(rng.permutation(len(ids))[: nlist * 64])
            ivf.quantizer.add(train_centroids(sample, read, nlist, dim, step))
            # with its lists in place FAISS trains only the codes
            codes_sample = np.sort(rng.permutation(len(ids))[:CODES_TRAIN])
            ivf.train(np.ascontiguousarray(read(codes_sample), dtype=np.float32))
            _fill_lists(ivf, ids, read, step)
            return cls(dim, ivf, nprobe=policy.nprobe)
        for part in slices(len(ids), step):
            positions = np.arange(part.start, part.stop)
            index.add(ids[positions], read(positions))
        return index

    @property
    def nlist(self) -> int | None:
        """The number of IVF lists, or None for an exact index."""
        return int(self._ivf.nlist) if self._ivf is not None else None

    @property
    def exact(self) -> bool:
        """Whether this index holds the vectors themselves (exact scores), not codes."""
        return self._ivf is None or self._ivf.code_size == 4 * self.dim

    @property
    def codes(self) -> str | None:
        """What an IVF index's lists hold, as FAISS's factory names it (Flat, SQ8, PQ48)."""
        if self._ivf is None:
            return None
        if self.exact:
            return "Flat"
        faiss = _faiss()
        ivf = faiss.downcast_index(self._ivf)
        if isinstance(ivf, faiss.IndexIVFPQ):
            return f"PQ{ivf.pq.M}" + (f"x{ivf.pq.nbits}" if ivf.pq.nbits != 8 else "")
        return f"SQ{8 * self._ivf.code_size // self.dim}"

    @property
    def kind(self) -> str:
        if self._ivf is None:
            return "exact"
        return f"ivf{self._ivf.nlist}" + ("" if self.exact else f"-{self.codes}".lower())

    def take_over(self, other: VectorIndex) -> None:
        """Becomes `other` (its structure and contents): whoever holds this object searches
        the new index from now on. Callers hold the write side of the readers' lock."""
        self._require_writable()
        self._index, self._ivf, self.nprobe = other._index, other._ivf, other.nprobe

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._require_writable()
        if len(ids):
            vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
            self._index.add_with_ids(vecs, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        self._require_writable()
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def _require_writable(self) -> None:
        if self.mapped:
            raise RuntimeError("memory-mapped vectors are read-only; open the index writable")

    def ids(self) -> np.ndarray:
        faiss = _faiss()
        if self._ivf is None:
            ids: np.ndarray = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            return ids
        lists = self._ivf.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(self._ivf.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def matrix_of(self, ids: Sequence[int]) -> np.ndarray | None:
        """The stored vectors of those ids as one (n, dim) array in their order, or None when
        this index does not hold every one of them exactly (see vectors_of)."""
        if not len(ids) or not self.exact:
            return None
        try:
            found: np.ndarray = self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))
        except RuntimeError:
            return None
        return found

    def vectors_of(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of those ids, read from memory; ids not held here are left out.
        Empty for compressed codes, which hold only an approximation (the caller reads SQLite)."""
        if not len(ids) or not self.exact:
            return {}
        keys = np.asarray(ids, dtype=np.int64)
        try:
            found = self._index.reconstruct_batch(keys)
        except RuntimeError:  # an id not held (added to SQLite a moment ago): one at a time
            out = {}
            for key in keys.tolist():
                try:
                    out[key] = self._index.reconstruct(key)
                except RuntimeError:
                    continue
            return out
        return dict(zip(keys.tolist(), found, strict=True))

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        stored: Callable[[list[int]], dict[int, np.ndarray]] | None = None,
    ) -> list[tuple[int, float]]:
        """Top-k (id, cosine) for one normalised query; `allowed` restricts to those ids.
        `stored(ids)`: the full vectors of those ids, which compressed codes' candidates (at
        least RESCORE_DEPTH of them) are scored again with; without it their scores are the
        codes' approximations."""
        if self.exact or stored is None:
            return self._search(query, k, allowed)
        found = self._search(query, max(k, RESCORE_DEPTH), allowed)
        vectors = stored([i for i, _ in found])
        kept = [i for i, _ in found if i in vectors]
        if not kept:
            return []
        # one product for every candidate, not one a candidate
        scores = np.stack([vectors[i] for i in kept]) @ np.asarray(query, np.float32).ravel()
        order = np.argsort(-scores, kind="stable")[:k]
        return [(kept[n], float(scores[n])) for n in order]

    def _search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        faiss = _faiss()
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        params = None
        selector = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            k = min(k, len(allowed))
        if self._ivf is not None:
            # a filter can leave its few passages in lists the query would not probe: scan
            # them all then (the selector keeps that cheap), so filtered results stay exact
            nlist = int(self._ivf.nlist)
            nprobe = nlist if selector is not None else min(self.nprobe, nlist)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self._index.search(q, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path) -> str:
        """Writes atomically (temp file, fsync, rename); returns the file's sha256."""
        faiss = _faiss()
        return replace_atomically(
            path, lambda tmp: faiss.write_index(self._index, str(tmp)), prefix=".vectors-"
        )

    @classmethod
    def load(
        cls,
        path: Path,
        dim: int,
        expected_sha256: str,
        nprobe: int = AnnPolicy.nprobe,
        digest: str | None = None,
        mapped: bool = False,
    ) -> VectorIndex:
        """Loads only a file whose checksum matches the manifest, so FAISS never parses junk.
        `digest`: the file's sha256 if the caller already computed it. `mapped`: memory-map
        the IVF lists instead of reading them (for a one-question reader: a mapping takes no
        time at any size, while each search then pays for the pages it touches)."""
        try:
            if digest is None:
                digest = sha256_file(path)
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {path} ({exc.strerror}); {_REPAIR}") from exc
        if digest != expected_sha256:
            raise IndexCorrupt(f"{path} does not match its checksum in the manifest; {_REPAIR}")
        faiss = _faiss()
        try:
            flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mapped else 0
            index = faiss.read_index(str(path), flags)
        except RuntimeError as exc:
            raise IndexCorrupt(f"{path} is not a FAISS index ({exc}); {_REPAIR}") from exc
        if index.d != dim:
            raise IndexCorrupt(f"{path} holds {index.d}-d vectors, expected {dim}; {_REPAIR}")
        loaded = cls(dim, index, nprobe=nprobe)
        loaded.mapped = mapped
        return loaded


def _fill_lists(
    ivf: Any, ids: np.ndarray, read: Callable[[np.ndarray], np.ndarray], step: int
) -> None:
    """Fills a trained, empty IVF index with every vector, as add() would, in two passes: the
    first finds each vector's list, so each list is allocated once at its final size; the
    second encodes the vectors into their places. add() grows the lists as entries come, and
    the spare capacity and freed smaller copies cost a third again of the codes' memory."""
    faiss = _faiss()
    lists = np.empty(len(ids), dtype=np.int64)
    for part in slices(len(ids), step):
        vectors = np.ascontiguousarray(read(np.arange(part.start, part.stop)), np.float32)
        lists[part] = ivf.quantizer.assign(vectors, 1).ravel()
    filled = np.zeros(ivf.nlist, dtype=np.int64)
    for number, size in enumerate(np.bincount(lists, minlength=ivf.nlist)):
        if size:
            ivf.invlists.resize(number, int(size))
    for part in slices(len(ids), step):
        vectors = np.ascontiguousarray(read(np.arange(part.start, part.stop)), np.float32)
        codes = np.empty((len(vectors), ivf.code_size), dtype=np.uint8)
        where = np.ascontiguousarray(lists[part])
        ivf.encode_vectors(
            len(vectors), faiss.swig_ptr(vectors), faiss.swig_ptr(where), faiss.swig_ptr(codes)
        )
        order = np.argsort(where, kind="stable")  # within a list, in input order as add()
        numbers, starts, sizes = np.unique(where[order], return_index=True, return_counts=True)
        part_ids = np.ascontiguousarray(ids[part][order], dtype=np.int64)
        codes = np.ascontiguousarray(codes[order])
        groups = zip(numbers.tolist(), starts.tolist(), sizes.tolist(), strict=True)
        for number, start, size in groups:
            at = int(filled[number])
            entries, entry_codes = part_ids[start:], codes[start:]
            ivf.invlists.update_entries(
                number, at, size, faiss.swig_ptr(entries), faiss.swig_ptr(entry_codes)
            )
            filled[number] += size
    ivf.ntotal = len(ids)


def _ivf_of(index: Any) -> Any:
    faiss = _faiss()
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:  # not an IVF index
        return None
