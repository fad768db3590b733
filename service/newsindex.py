"""NewsIndex: the one library object behind the CLI and the HTTP API. It opens an index
directory (SQLite + FAISS + manifest), adds, replaces and deletes articles, and searches."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from service.config import Settings
from service.embedding import Encoder, load_encoder, model_id
from service.errors import IndexCorrupt, IndexMismatch, IndexMissing, InputError, NotFound
from service.ingest import Skipped
from service.keywords import KeywordIndex
from service.locks import RWLock, WriterLock
from service.manifest import Manifest, read_manifest, verify_database, write_manifest
from service.pipeline import (
    PreparedUnit,
    PreRunHashes,
    ahead,
    embed_unit,
    prepare_articles,
    prepare_unit,
    repeated,
)
from service.records import Article, Passage, SearchResponse
from service.search import Searcher, SearchRequest
from service.store import DB_NAME, DocumentRow, Store, StoredPassage
from service.vectors import AnnPolicy, VectorIndex, sha256_file, sha256_files

if TYPE_CHECKING:
    from service.rerank import CrossEncoderReranker

VECTORS_NAME = "vectors.faiss"
BATCH_PASSAGES = 256  # passages embedded and committed together (one transaction)


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    passages: dict[str, int] = field(default_factory=dict)  # doc_id -> passages written
    embedded: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)  # inputs not indexed, and why
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Stats:
    documents: int
    passages: int
    model: str
    dim: int
    index_dir: str
    size_bytes: int
    generation: int
    vector_search: str  # "exact" or "ivfN"


class IndexProgress:
    """Callbacks for long work; the CLI draws a bar from them."""

    def start(self, total_passages: int) -> None: ...
    def advance(self, passages: int) -> None: ...
    def finish(self) -> None: ...

    # indexing files: the input size is known up front, the passage count only as it goes
    def start_input(self, total_bytes: int) -> None: ...
    def advance_input(self, nbytes: int, passages: int) -> None: ...


class IndexRun:
    """The driver's side of one `newsearch index` run, local or on Ray: commits units in input
    order, judges "unchanged" against the index as it was at the start, and reports."""

    def __init__(self, index: NewsIndex) -> None:
        self.index = index
        self.report = AddReport()
        self.written: dict[str, int] = {}  # doc id -> unit that wrote it in this run
        self.started = time.perf_counter()

    def commit(self, prepared: PreparedUnit, vecs: np.ndarray) -> None:
        report = self.report
        report.skipped += prepared.skipped
        for doc_id in repeated(prepared.unchanged, self.written, prepared.number):
            report.warnings.append(
                f"{doc_id!r} appears more than once in the input and an earlier copy was "
                "indexed; run `newsearch index` again to keep the last copy"
            )
        new_ids = [a.doc_id for a, _, _ in prepared.todo]
        existed = set(prepared.existing)
        for doc_id in repeated(new_ids, self.written, prepared.number):
            report.warnings.append(
                f"{doc_id!r} appears more than once in the input; the last copy was kept"
            )
        report.unchanged += [d for d in prepared.unchanged if d not in self.written]
        if prepared.todo:
            self.index.commit_batch(prepared.todo, vecs)
        for article, _, passages in prepared.todo:
            doc_id = article.doc_id
            if doc_id not in self.written:
                (report.updated if doc_id in existed else report.added).append(doc_id)
            self.written[doc_id] = prepared.number
            report.passages[doc_id] = len(passages)
        report.embedded += len(vecs)

    def finish(self) -> AddReport:
        self.report.seconds = time.perf_counter() - self.started
        return self.report


class NewsIndex:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        vectors: VectorIndex,
        model: str,
        dim: int,
        encoder: Encoder | None,
        writer: WriterLock | None,
    ) -> None:
        self.settings = settings
        self.index_dir = settings.index_dir
        self.store = store
        self.vectors = vectors
        self.model = model
        self.dim = dim
        self._encoder = encoder
        self._writer = writer
        self._lock = RWLock()
        self._dirty = False
        self._reranker: CrossEncoderReranker | None = None
        self._write_mutex = threading.RLock()  # one writer thread at a time in this process
        self._applied_generation = store.generation()  # what self.vectors reflects
        self.keywords = KeywordIndex(store, settings.keyword_cache)
        self.searcher = Searcher(self)

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        encoder: Encoder | None = None,
        writable: bool = False,
        create: bool = False,
        one_shot: bool = False,
    ) -> NewsIndex:
        """Opens (or with create=True makes) the index in settings.index_dir. A writable index
        holds the directory's writer lock until close(). `one_shot`: a read-only open for a
        question or two (`newsearch ask`) memory-maps the vector file instead of reading it:
        at 1M vectors 0.02 s against 0.8-1.6 s, but each search then costs about 2 ms more at
        100k (measured: dense p50 5.2-5.5 ms mapped, 3.3-3.5 ms read), so long-lived
        readers read it."""
        index_dir = settings.index_dir
        db_path = index_dir / DB_NAME
        if not db_path.exists():
            if not create:
                raise IndexMissing(
                    f"no index in '{index_dir}' — build one with "
                    f"`newsearch index seeds --index-dir {index_dir}`"
                )
            index_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(index_dir, 0o700)
        writer = None
        if writable:
            writer = WriterLock(index_dir)
            writer.acquire()
        try:
            manifest = read_manifest(index_dir)
            digests: dict[Path, str] = {}
            if manifest is not None and manifest.database_sha256 is not None:
                # after a clean close both files are checked: hash them at the same time
                digests = sha256_files([db_path, index_dir / VECTORS_NAME])
            verify_database(index_dir, DB_NAME, manifest, digests.get(db_path))
            if writable and manifest is not None and manifest.database_sha256 is not None:
                # from now on the database changes: its clean-close checksum no longer holds
                manifest = manifest.with_database(None)
                write_manifest(index_dir, manifest)
            store = Store(db_path)
            wanted = encoder.name if encoder else model_id(settings.model, settings.backend)
            model = store.get_meta("model")
            if model is None:
                encoder = encoder or load_encoder(
                    settings.model, settings.backend, settings.cache_dir
                )
                with store.transaction() as tx:
                    store.set_meta(tx, "model", wanted)
                    store.set_meta(tx, "dim", str(encoder.dim))
                model = wanted
            elif model != wanted:
                raise IndexMismatch(
                    f"index '{index_dir}' was built with model {model!r}, not {wanted!r}; use "
                    f"that model (--model/--backend), or re-embed the index with "
                    f"`newsearch rebuild --model {settings.model!r} --backend "
                    f"{settings.backend} --index-dir {index_dir}`"
                )
            dim = int(store.get_meta("dim") or 0)
            vectors = cls._load_vectors(
                store,
                index_dir,
                manifest,
                model,
                dim,
                save=writable,
                policy=settings.ann_policy(),
                digest=digests.get(index_dir / VECTORS_NAME),
                mapped=one_shot and not writable,
            )
        except BaseException:
            if writer:
                writer.release()
            raise
        return cls(settings, store, vectors, model, dim, encoder, writer)

    @staticmethod
    def _load_vectors(
        store: Store,
        index_dir: Path,
        manifest: Manifest | None,
        model: str,
        dim: int,
        save: bool,
        policy: AnnPolicy,
        digest: str | None = None,
        mapped: bool = False,
    ) -> VectorIndex:
        generation = store.generation()
        path = index_dir / VECTORS_NAME
        if manifest is not None and manifest.generation == generation:
            if manifest.model != model or manifest.dim != dim:
                raise IndexCorrupt(
                    f"{index_dir / 'manifest.json'} names model {manifest.model!r} but the "
                    f"database says {model!r}; run `newsearch check --repair`"
                )
            vectors = VectorIndex.load(
                path, dim, manifest.vectors_sha256, policy.nprobe, digest, mapped=mapped
            )
            if len(vectors) != manifest.vectors_rows:
                raise IndexCorrupt(
                    f"{path} row count disagrees with the manifest; run `newsearch check --repair`"
                )
            return vectors
        # The database moved on after the vectors were saved (a kill mid-write, or a fresh
        # index): rebuild from the embeddings stored in SQLite; nothing is re-embedded.
        vectors = rebuild_vectors(store, dim, policy=policy)
        if save:
            save_vectors(index_dir, vectors, model, dim, generation)
        return vectors

    # --- the encoder is loaded on first use: stats, delete and reads need no model ----------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            s = self.settings
            encoder = load_encoder(s.model, s.backend, s.cache_dir)
            if encoder.name != self.model or encoder.dim != self.dim:
                raise IndexMismatch(
                    f"model {encoder.name!r} ({encoder.dim}-d) does not match "
                    f"the index's {self.model!r} ({self.dim}-d)"
                )
            self._encoder = encoder
        return self._encoder

    @property
    def reranker(self) -> CrossEncoderReranker | None:
        """The cross-encoder named by settings.rerank_model, loaded on first use."""
        name = self.settings.rerank_model
        if not name:
            return None
        if self._reranker is None:
            from service.rerank import CrossEncoderReranker

            self._reranker = CrossEncoderReranker(name)
        return self._reranker

    def close(self) -> None:
        if self._writer is None:
            self.store.close()
            return
        self._reshape_vectors()
        self.flush()
        # A clean close folds the WAL into the database and records the file's checksum, so
        # the next open can tell damage from a legitimate change.
        busy = self.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        self.store.close()
        manifest = read_manifest(self.index_dir)
        if not busy and manifest is not None and manifest.generation == self._applied_generation:
            digest = sha256_file(self.index_dir / DB_NAME)
            write_manifest(self.index_dir, manifest.with_database(digest))
        self._writer.release()
        self._writer = None

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_writable(self) -> None:
        if self._writer is None:
            raise InputError("this index was opened read-only")

    # --- writes ----------------------------------------------------------------------------
    def add_articles(
        self, articles: Iterable[Article], *, progress: IndexProgress | None = None
    ) -> AddReport:
        """Adds new articles, replaces changed ones (same doc_id, new content) and skips
        unchanged ones without embedding. Each batch commits atomically, so a kill keeps every
        article either old or new, never mixed."""
        self._require_writable()
        with self._write_mutex:
            return self._add_articles(articles, progress)

    def _add_articles(
        self, articles: Iterable[Article], progress: IndexProgress | None
    ) -> AddReport:
        prepared = prepare_articles(articles, self.store.hashes, self.settings.max_passage_words)
        if prepared.skipped:
            raise InputError(prepared.skipped[0].reason)
        run = IndexRun(self)
        if prepared.todo and self._encoder is None:
            _ = self.encoder  # a one-off cost, kept out of the passages/s figure
            run.started = time.perf_counter()
        if progress:
            progress.start(len(prepared.texts))

        def embed(batch: PreparedUnit) -> np.ndarray:
            if not batch.todo:  # only unchanged articles: no model needed
                return np.zeros((0, self.dim), dtype=np.float32)
            advance = progress.advance if progress else None
            return embed_unit(batch, self.encoder, self.settings.batch_size, advance)

        for batch, vecs in ahead(_batches(prepared), embed):
            run.commit(batch, vecs)
        if progress:
            progress.finish()
        return run.finish()

    def commit_batch(
        self, batch: list[tuple[Article, str, list[Passage]]], vecs: np.ndarray
    ) -> None:
        """Replaces the batch's articles with their new passages and vectors in one
        transaction (a kill leaves every article old or new, never mixed)."""
        self._require_writable()
        removed: list[int] = []
        added_ids: list[int] = []
        offset = 0
        with self._write_mutex:
            with self.store.transaction() as tx:
                for article, digest, passages in batch:
                    removed += self.store.delete_document(tx, article.doc_id)
                    part = vecs[offset : offset + len(passages)]
                    offset += len(passages)
                    added_ids += self.store.insert_document(tx, article, digest, passages, part)
                generation = self.store.bump_generation(tx)
            with self._lock.write():
                self.vectors.remove(removed)
                self.vectors.add(np.asarray(added_ids, dtype=np.int64), vecs)
                self._applied_generation = generation
                self._dirty = True

    def index_files(
        self,
        paths: list[Path],
        root: Path,
        *,
        progress: IndexProgress | None = None,
        unit_bytes: int | None = None,
    ) -> AddReport:
        """Indexes files and folders unit by unit (see service.ingest.units): reads, embeds
        and commits one unit at a time, so memory stays flat however large the input."""
        from service.ingest import discover, plan_units
        from service.ingest.units import UNIT_BYTES

        self._require_writable()
        units = plan_units(discover(paths), unit_bytes or UNIT_BYTES)
        run = IndexRun(self)
        known = PreRunHashes(self.store.hashes)
        if units:
            _ = self.encoder  # loaded before the clock: a one-off cost, not passages/s
            run.started = time.perf_counter()
        if progress:
            progress.start_input(sum(u.size for u in units))
        prepared_units = (
            prepare_unit(unit, root, known, self.settings.max_passage_words) for unit in units
        )
        for prepared, vecs in ahead(
            prepared_units, lambda p: embed_unit(p, self.encoder, self.settings.batch_size)
        ):
            run.commit(prepared, vecs)
            if progress:
                progress.advance_input(prepared.size, len(vecs))
        if progress:
            progress.finish()
        return run.finish()

    def delete(self, doc_id: str) -> int:
        """Removes one article; returns how many passages went with it."""
        self._require_writable()
        with self._write_mutex:
            if self.store.document(doc_id) is None:
                raise NotFound(f"no document {doc_id!r} in the index")
            with self.store.transaction() as tx:
                removed = self.store.delete_document(tx, doc_id)
                generation = self.store.bump_generation(tx)
            with self._lock.write():
                self.vectors.remove(removed)
                self._applied_generation = generation
                self._dirty = True
        return len(removed)

    def _reshape_vectors(self) -> None:
        """At the end of a writing session, gives the vectors the structure their size calls
        for (exact, or IVF with lists to match), rebuilt from SQLite. Not done mid-session:
        training IVF at a million vectors takes a while, and a server keeps answering."""
        policy = self.settings.ann_policy()
        if not policy.wants_rebuild(self.vectors):
            return
        vectors = rebuild_vectors(self.store, self.dim, policy=policy)
        with self._write_mutex, self._lock.write():
            self.vectors = vectors
            self._dirty = True

    def flush(self) -> None:
        """Saves the FAISS file and the manifest if anything changed since the last save."""
        if self._writer is None or not self._dirty:
            return
        with self._write_mutex, self._lock.read():
            save_vectors(
                self.index_dir, self.vectors, self.model, self.dim, self._applied_generation
            )
            self._dirty = False

    # --- reads -----------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResponse:
        return self.searcher.search(request)

    def search_ok(self) -> bool:
        """A smoke search through every mode (used after recovery and by health checks)."""
        docs, _ = self.store.counts()
        for mode in ("dense", "keyword", "hybrid"):
            hits = self.search(SearchRequest("news", k=1, mode=mode, highlight=False)).results
            if docs and mode == "dense" and not hits:
                return False
        return True

    def read_lock(self) -> RWLock:
        return self._lock

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Stored vectors by passage id: from the vector index in memory (SQLite reads cost a
        search more than the rest together under concurrent load), from SQLite for any it
        does not hold yet. Ids are never reused, so both sources agree."""
        with self._lock.read():
            found = self.vectors.vectors_of(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            found.update(self.store.vectors_for(missing, self.dim))
        return found

    def document(self, doc_id: str) -> tuple[DocumentRow, list[StoredPassage]]:
        row = self.store.document(doc_id)
        if row is None:
            raise NotFound(f"no document {doc_id!r} in the index")
        return row, self.store.document_passages(doc_id)

    def documents(self, offset: int = 0, limit: int = 50) -> list[DocumentRow]:
        return self.store.list_documents(offset, limit)

    def stats(self) -> Stats:
        docs, passages = self.store.counts()
        size = sum(p.stat().st_size for p in self.index_dir.iterdir() if p.is_file())
        return Stats(
            docs,
            passages,
            self.model,
            self.dim,
            str(self.index_dir),
            size,
            self.store.generation(),
            self.vectors.kind,
        )


def _batches(prepared: PreparedUnit) -> Iterator[PreparedUnit]:
    """Consecutive articles of about BATCH_PASSAGES passages each, as units to commit (the
    first also reports the unchanged ones)."""
    batch = PreparedUnit(0, 0, unchanged=prepared.unchanged)
    existing = set(prepared.existing)
    size = 0
    for item in prepared.todo:
        batch.todo.append(item)
        if item[0].doc_id in existing:
            batch.existing.append(item[0].doc_id)
        size += len(item[2])
        if size >= BATCH_PASSAGES:
            yield batch
            batch, size = PreparedUnit(0, 0), 0
    if batch.todo or batch.unchanged:
        yield batch


def rebuild_vectors(
    store: Store,
    dim: int,
    on_progress: Callable[[int], None] | None = None,
    *,
    policy: AnnPolicy | None = None,
) -> VectorIndex:
    ids, vecs = store.all_vectors(dim)
    vectors = VectorIndex.build(ids, vecs, dim, policy)
    if on_progress:
        on_progress(len(ids))
    return vectors


def save_vectors(
    index_dir: Path, vectors: VectorIndex, model: str, dim: int, generation: int
) -> None:
    digest = vectors.save(index_dir / VECTORS_NAME)
    write_manifest(index_dir, Manifest(model, dim, generation, digest, len(vectors)))
