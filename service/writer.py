"""The index's single writer: adds, replaces and deletes articles (SQLite first, in one
transaction a batch, then the vectors in memory), reshapes the vectors when their size calls
for it, and saves them. One IndexWriter per writable index; one writing thread at a time."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from service.config import Settings
from service.encoders import LazyEncoder
from service.ensemble import SecondList
from service.errors import InputError, NotFound, PayloadTooLarge
from service.heap import release_free_memory
from service.indexfiles import IndexFiles, rebuild_vectors
from service.indexrun import IndexRun, batches
from service.ingest import Skipped, discover, doc_id_for, plan_units
from service.ingest.fetch import is_url
from service.ingest.units import UNIT_BYTES
from service.locks import RWLock
from service.pipeline import (
    PreparedUnit,
    ahead,
    embed_unit,
    fetched_unit,
    prepare_articles,
    prepare_unit,
)
from service.reading import Reading
from service.records import Article, Passage
from service.reports import AddReport, IndexProgress
from service.store import SECOND, Store
from service.vectors import VectorIndex

STALE = -1  # a generation no database has: vectors saved under it are rebuilt at open
ANNOUNCE_REBUILD = 200_000  # passages from which a rebuild of the vectors is announced
log = logging.getLogger("newsearch.index")
Batch = list[tuple[Article, str, list[Passage]]]  # (article, content hash, its passages)


class IndexWriter:
    def __init__(
        self,
        settings: Settings,
        files: IndexFiles,
        store: Store,
        vectors: VectorIndex,
        encoder: LazyEncoder,
        lock: RWLock,
        model: str,
        second: SecondList | None = None,
    ) -> None:
        self.settings = settings
        self.second = second  # a second encoder's list, written and saved with the first
        self.files = files
        self.store = store
        self.vectors = vectors
        self.encoder = encoder
        self.lock = lock  # the searchers' lock: held to write while the vectors change
        self.model = model
        self.mutex = threading.RLock()  # one writing thread at a time in this process
        self.applied_generation = store.generation()  # what self.vectors reflects
        self.dirty = False
        # a bulk run that let the vectors go (see index_files): rebuilt from SQLite at its end
        self.bulk = False
        self.deferred = False
        # who said what and which story: found as each article is written
        self.reading = Reading(store, settings.nlp, encoder.dim)

    def add_articles(
        self,
        articles: Iterable[Article],
        progress: IndexProgress | None = None,
        *,
        atomic: bool = False,
        strict: bool = True,
    ) -> AddReport:
        """Adds new articles, replaces changed ones (same doc_id, new content) and skips
        unchanged ones without embedding. Each batch of about BATCH_PASSAGES passages commits
        atomically, so a kill keeps every article either old or new, never mixed; `atomic`
        commits all of them in one transaction (all or nothing: one HTTP request), refusing
        more than settings.max_request_passages with PayloadTooLarge. An article with no
        text to index is an InputError, or, not `strict`, skipped in the report."""
        with self.mutex:
            prepared = prepare_articles(
                articles, self.store.hashes, self.settings.max_passage_words
            )
            if prepared.skipped and strict:
                raise InputError(prepared.skipped[0].reason)
            total = sum(len(passages) for _, _, passages in prepared.todo)
            limit = self.settings.max_request_passages
            if atomic and total > limit:
                raise PayloadTooLarge(
                    f"these articles make {total:,} passages, over the {limit:,} one request "
                    "writes in one transaction; send them in smaller requests"
                )
            run = IndexRun(self)
            if prepared.todo:
                self._load_encoder(run)
            if progress:
                progress.start(len(prepared.texts))

            def embed(batch: PreparedUnit) -> np.ndarray:
                if not batch.todo:  # only unchanged articles: no model needed
                    return np.zeros((0, self.encoder.dim), dtype=np.float32)
                advance = progress.advance if progress else None
                return embed_unit(batch, self.encoder, self.settings.batch_size, advance)

            for batch, vecs in ahead([prepared] if atomic else batches(prepared), embed):
                run.commit(batch, vecs)
            if progress:
                progress.finish()
            return run.finish()

    def index_files(
        self,
        inputs: Sequence[Path | str],
        root: Path,
        progress: IndexProgress | None = None,
        unit_bytes: int | None = None,
        follow_links: bool = False,
        prune: bool = False,
        keep_non_articles: bool = False,
        bulk: bool = False,
    ) -> AddReport:
        """Indexes files and folders unit by unit (see service.ingest.units): reads, embeds
        and commits one unit at a time, so memory stays flat however large the input. Links
        out of a folder are followed only with `follow_links` (service.ingest.discover); with
        `prune`, then deletes the articles whose files are gone (AddReport.pruned). An input
        that is an http(s) address is fetched (service.ingest.fetch), after the files. Pages
        that are not one article (service.ingest.pagekind) are left out with a warning,
        unless `keep_non_articles`. `bulk`: nothing searches this index until the call
        returns (the CLI's `index`), so once the run has grown the vectors enough that they
        are rebuilt anyway, they are not held in memory meanwhile but rebuilt from SQLite
        at the end of the call."""
        self.bulk = bulk
        try:
            report = self._index_files(
                inputs, root, progress, unit_bytes, follow_links, prune, keep_non_articles
            )
        finally:
            self.bulk = False
        if self.deferred:
            self.reshape()
        return report

    def _index_files(
        self,
        inputs: Sequence[Path | str],
        root: Path,
        progress: IndexProgress | None,
        unit_bytes: int | None,
        follow_links: bool,
        prune: bool,
        keep_non_articles: bool,
    ) -> AddReport:
        urls = [str(p) for p in inputs if isinstance(p, str) and is_url(p)]
        paths = [Path(p) for p in inputs if not (isinstance(p, str) and is_url(p))]
        left: list[Skipped] = []
        files = discover(paths, follow_links=follow_links, skipped=left)
        units = plan_units(files, unit_bytes or UNIT_BYTES)
        run = IndexRun(self, listed=not self.bulk)
        run.report.skipped += left
        known = run.known()
        if units or urls:
            self._load_encoder(run)
        if progress:
            progress.start_input(sum(u.size for u in units))
        max_words = self.settings.max_passage_words
        keep = keep_non_articles
        prepared_units: Iterator[PreparedUnit] = (
            prepare_unit(unit, root, known, max_words, keep) for unit in units
        )
        if urls:  # fetched when the files are done, not before the first unit
            fetched = (fetched_unit(urls, len(units), known, max_words, keep) for _ in (0,))
            prepared_units = itertools.chain(prepared_units, fetched)
        batch_size = self.settings.batch_size
        for prepared, vecs in ahead(
            prepared_units, lambda p: embed_unit(p, self.encoder, batch_size)
        ):
            run.commit(prepared, vecs)
            if progress:
                progress.advance_input(prepared.size, len(vecs))
        if progress:
            progress.finish()
        report = run.finish()
        with self.mutex:
            report.analysed, report.languages, report.storied = self.reading.catch_up()
        if prune:
            report.pruned = self.prune(paths, root, follow_links, found=files)
        return report

    def _load_encoder(self, run: IndexRun) -> None:
        """Loads the models before the clock starts: a one-off cost, not passages/s."""
        self.encoder.get()
        if self.second:
            self.second.encoder.get()
        self.reading.load()
        run.started = time.perf_counter()

    def commit_batch(self, batch: Batch, vecs: np.ndarray) -> list[str | None]:
        """Replaces the batch's articles with their new passages and vectors in one
        transaction (a kill leaves every article old or new, never mixed); returns their
        languages."""
        removed: list[int] = []
        added_ids: list[int] = []
        offset = 0
        # before the transaction, while the next batch embeds on the other thread
        languages = self.reading.languages([article for article, _, _ in batch])
        analyses = self.reading.analyse([article.text for article, _, _ in batch], languages)
        second_vecs = self._second_vectors(batch)
        with self.mutex:
            with self.store.transaction() as tx:
                pool = self.reading.candidate_pool()
                for (article, digest, passages), analysis, language in zip(
                    batch, analyses, languages, strict=True
                ):
                    removed += self.store.delete_document(tx, article.doc_id)
                    part = vecs[offset : offset + len(passages)]
                    offset += len(passages)
                    added_ids += self.store.insert_document(tx, article, digest, passages, part)
                    lead = part[0] if len(part) else None
                    self.reading.record(
                        tx, article.doc_id, article.date, analysis, language, lead, pool
                    )
                if second_vecs is not None:
                    self.store.set_second_embeddings(tx, added_ids, second_vecs)
                generation = self.store.bump_generation(tx)
            if self.deferred:
                return languages
            with self.lock.write():
                self.vectors.remove(removed)
                self.vectors.add(np.asarray(added_ids, dtype=np.int64), vecs)
                if self.second and second_vecs is not None:
                    self.second.vectors.remove(removed)
                    self.second.vectors.add(np.asarray(added_ids, dtype=np.int64), second_vecs)
                self.applied_generation = generation
                self.dirty = True
                if self.bulk and self.settings.ann_policy().wants_rebuild(self.vectors):
                    self._let_vectors_go()
        return languages

    def _second_vectors(self, batch: Batch) -> np.ndarray | None:
        """The second encoder's vectors of the batch's passages (None without one)."""
        if self.second is None:
            return None
        texts = [p.text for _, _, passages in batch for p in passages]
        return self.second.encoder.encode(texts, batch_size=self.settings.batch_size)

    def _let_vectors_go(self) -> None:
        """Empties the vectors in memory, to be rebuilt from SQLite by the next reshape (and
        by the next open, should this process die first: the manifest is left stale)."""
        self.vectors.take_over(VectorIndex(self.encoder.dim))
        if self.second:
            self.second.vectors.take_over(VectorIndex(self.second.dim))
        self.applied_generation = STALE
        self.deferred = True

    def prune(
        self,
        paths: list[Path],
        root: Path,
        follow_links: bool = False,
        found: list[Path] | None = None,
    ) -> list[str]:
        """Deletes, in one transaction, the articles read from files under `paths` (folders,
        or files named) that are no longer there; returns their ids. An article whose file is
        there but could not be read this time is kept, and so is one from a .jsonl file that
        is there (its other lines may have gone: that is a change to the file, not a loss).
        An article stored under the older absolute id of a file now named relative to `root`
        goes too once the index holds the file under its current id. `found`: the files
        under `paths` when the caller has just listed them (service.ingest.discover)."""
        present: set[str] = set()
        current: dict[str, str] = {}  # absolute path -> the id the file has now
        for path in discover(paths, follow_links=follow_links) if found is None else found:
            with contextlib.suppress(InputError):  # else never indexed under that name
                present.add(doc_id := doc_id_for(path, root))
                current[path.resolve().as_posix()] = doc_id
        base = root.resolve()
        prefixes = ["" if p.resolve() == base else doc_id_for(p, root) for p in paths]
        # and the absolute spelling, which an index written before ids were relative to the
        # index's folder holds for files outside the working directory of the time
        prefixes += [p.resolve().as_posix() for p in paths]
        with self.mutex:
            sources = self.store.sources_under(prefixes)
            stored = self.store.hashes(current[s] for s in sources.values() if s in current)
            gone = sorted(
                doc
                for doc, source in sources.items()
                if source not in present and (source not in current or current[source] in stored)
            )
            if not gone:
                return []
            with self.store.transaction() as tx:
                removed = [i for doc in gone for i in self.store.delete_document(tx, doc)]
                generation = self.store.bump_generation(tx)
            self._forget(removed, generation)
        return gone

    def delete(self, doc_id: str) -> int:
        """Removes one article; returns how many passages went with it."""
        with self.mutex:
            if self.store.document(doc_id) is None:
                raise NotFound(f"no document {doc_id!r} in the index")
            with self.store.transaction() as tx:
                removed = self.store.delete_document(tx, doc_id)
                generation = self.store.bump_generation(tx)
            self._forget(removed, generation)
        return len(removed)

    def _forget(self, removed: list[int], generation: int) -> None:
        """The vectors follow a committed delete."""
        if self.deferred:  # the rebuild to come reads what the database holds
            return
        with self.lock.write():
            self.vectors.remove(removed)
            if self.second:
                self.second.vectors.remove(removed)
            self.applied_generation = generation
            self.dirty = True

    def reshape(self) -> None:
        """Gives the vectors the structure their size calls for (exact, or IVF with lists to
        match), rebuilt from SQLite. Done as the index closes, not in the middle: training IVF
        on a large index takes a while, and a server keeps answering. Nothing searches an
        index that is closing, so the old vectors go before the new ones are built (one copy
        of every vector in memory, not two); should the build fail, the manifest is left
        older than the database, and the next open rebuilds the vectors from SQLite."""
        policy = self.settings.ann_policy()
        if not self.deferred and not policy.wants_rebuild(self.vectors):
            return
        with self.mutex:
            with self.lock.write():
                if not self.deferred:
                    self._let_vectors_go()
            generation = self.store.generation()
            passages = self.store.counts()[1]
            if passages >= ANNOUNCE_REBUILD:  # minutes at a million: say what the pause is
                log.info(
                    "building the vector index of %s passages from the database", f"{passages:,}"
                )
            release_free_memory()  # what the work before freed, before the largest build
            rebuilt = rebuild_vectors(self.store, self.encoder.dim, policy)
            second = self.second
            rebuilt_second = (
                rebuild_vectors(self.store, second.dim, policy, SECOND) if second else None
            )
            with self.lock.write():
                self.vectors.take_over(rebuilt)
                if second and rebuilt_second is not None:
                    second.vectors.take_over(rebuilt_second)
                self.applied_generation = generation
                self.deferred = False
                self.dirty = True

    def flush(self) -> None:
        """Saves the vectors and the manifest if anything changed since the last save."""
        if not self.dirty:
            return
        with self.mutex, self.lock.read():
            self.files.save_vectors(
                self.vectors, self.model, self.encoder.dim, self.applied_generation
            )
            if self.second:
                second = self.second
                self.files.save_vectors(
                    second.vectors,
                    second.model,
                    second.dim,
                    self.applied_generation,
                    self.files.second,
                )
            self.dirty = False
