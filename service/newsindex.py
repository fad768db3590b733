"""NewsIndex: the one library object behind the CLI and the HTTP API, a facade over the parts
of an open index directory: opening and recovery (service.opening), the single writer
(service.writer), the files (service.indexfiles) and search (service.search)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from service.config import Settings
from service.encoders import Encoder
from service.errors import NotFound, ReadOnly
from service.examples import example_questions
from service.indexrun import IndexRun
from service.keywords import KeywordIndex
from service.locks import RWLock
from service.opening import OpenedIndex, open_index
from service.records import Article, SearchResponse, Stats
from service.reports import AddReport, IndexProgress
from service.search import Filters, QuoteResult, Searcher, SearchRequest, speaker_quotes
from service.search.timeline import Timeline, story_timeline
from service.store import DocumentRow, Store, StoredPassage, StoredQuote, StoryRow
from service.stories import list_stories
from service.validate import check_doc_id
from service.vectors import VectorIndex
from service.writer import IndexWriter


class NewsIndex:
    """An open index: `NewsIndex.open(settings)` to search, with `writable=True` to change it
    too (the directory's writer lock is held until close())."""

    def __init__(self, parts: OpenedIndex) -> None:
        self.settings = parts.settings
        self.index_dir = parts.files.dir
        self.created = parts.created  # this open made the index
        # a file's id is its path relative to this folder, whatever the working directory
        self.root: Path = parts.root
        self.files = parts.files
        self.store: Store = parts.store
        self.vectors: VectorIndex = parts.vectors  # one object for life; a reshape swaps inside
        self.model = parts.model
        self.dim = parts.dim
        self._encoder = parts.encoder
        self._writer_lock = parts.writer_lock
        lock = RWLock()
        self.keywords = KeywordIndex(self.store, self.settings.keyword_cache)
        self.second = parts.second  # a second encoder's dense list (service.ensemble)
        self.searcher = Searcher(
            self.store, self.vectors, self.keywords, self._encoder, self.settings, lock, self.second
        )
        held = (self.files, self.store, self.vectors, self._encoder, lock, self.model, self.second)
        self._writer = IndexWriter(self.settings, *held) if parts.writer_lock else None

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
        """Opens (or with create=True makes) the index in settings.index_dir; see
        service.opening.open_index for `one_shot`."""
        return cls(
            open_index(
                settings, encoder=encoder, writable=writable, create=create, one_shot=one_shot
            )
        )

    @property
    def encoder(self) -> Encoder:
        """The index's model, loaded on first use (stats, deletes and reads need none)."""
        return self._encoder.get()

    def close(self) -> None:
        """Releases the index; a writer first saves the vectors and records the checksums.
        A database that fails its check then is not vouched for: IndexDamaged, after the
        lock is released."""
        writer = self._writer
        if writer is None or self._writer_lock is None:
            self.store.close()
            return
        writer.reshape()
        writer.flush()
        # A clean close folds the WAL into the database and records the file's checksum, so
        # the next open can tell damage from a legitimate change; damage that came while the
        # index was open must not be blessed with a checksum.
        folded = self.store.checkpoint()
        problems = self.verify()
        self.store.close()
        if folded and not problems:
            self.files.seal(writer.applied_generation)
        self._writer_lock.release()
        self._writer = None
        self._writer_lock = None
        if problems:
            raise self.files.damaged(problems)

    def verify(self) -> list[str]:
        """What a quick check of the database finds wrong ([] when nothing): it reads every
        page, so it finds damage done to the file while the index is open."""
        return self.store.integrity_errors(quick=True)

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes ----------------------------------------------------------------------------
    def _writable(self) -> IndexWriter:
        if self._writer is None:
            raise ReadOnly("this index was opened read-only")
        return self._writer

    def add_articles(
        self,
        articles: Iterable[Article],
        *,
        progress: IndexProgress | None = None,
        atomic: bool = False,
    ) -> AddReport:
        """Adds new articles, replaces changed ones and skips unchanged ones without
        embedding; each batch of about 256 passages is one transaction, or, with `atomic`,
        all of them are (up to settings.max_request_passages)."""
        return self._writable().add_articles(articles, progress, atomic=atomic)

    def index_files(
        self,
        paths: Sequence[Path | str],
        root: Path | None = None,
        *,
        progress: IndexProgress | None = None,
        unit_bytes: int | None = None,
        prune: bool = False,
        follow_links: bool = False,
        keep_non_articles: bool = False,
        bulk: bool = False,
    ) -> AddReport:
        """Indexes files, folders and http(s) addresses (str) in work units, ids relative to
        `root` (default self.root); the options: IndexWriter.index_files."""
        options = (progress, unit_bytes, follow_links, prune, keep_non_articles, bulk)
        return self._writable().index_files(paths, root or self.root, *options)

    def prune(
        self, paths: list[Path], root: Path | None = None, *, follow_links: bool = False
    ) -> list[str]:
        """Deletes the articles whose source files under `paths` are gone; returns their ids."""
        return self._writable().prune(paths, root or self.root, follow_links)

    def start_run(self) -> IndexRun:
        """An indexing run whose units some other driver prepares and embeds (Ray)."""
        return IndexRun(self._writable())

    def delete(self, doc_id: str) -> int:
        """Removes one article; returns how many passages went with it."""
        return self._writable().delete(check_doc_id(doc_id))

    def flush(self) -> None:
        """Saves the FAISS file and the manifest if anything changed since the last save."""
        if self._writer is not None:
            self._writer.flush()

    # --- reads -----------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResponse:
        """The passages that answer the request, best first (see service.search)."""
        return self.searcher.search(request)

    def similar(
        self, doc_id: str, k: int = 10, filters: Filters | None = None, group: bool = True
    ) -> SearchResponse:
        """Articles like this one ("more like this"); NotFound for an unknown id."""
        doc_id = check_doc_id(doc_id)
        if self.store.document(doc_id) is None:
            raise NotFound(f"no document {doc_id!r} in the index")
        return self.searcher.similar(doc_id, k, filters, group)

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Stored vectors by passage id (from memory, else SQLite)."""
        return self.searcher.vectors_for(ids)

    def document(self, doc_id: str) -> tuple[DocumentRow, list[StoredPassage]]:
        """One article and its passages; NotFound if the index has no such id."""
        doc_id = check_doc_id(doc_id)
        row = self.store.document(doc_id)
        if row is None:
            raise NotFound(f"no document {doc_id!r} in the index")
        return row, self.store.document_passages(doc_id)

    def document_quotes(self, doc_id: str) -> list[StoredQuote]:
        """The article's quotes in text order (service.attribution; [] before analysis)."""
        return self.store.document_quotes(check_doc_id(doc_id))

    def quotes(self, speaker: str, question: str | None = None, k: int = 20) -> list[QuoteResult]:
        """A speaker's quotes newest first, folded across outlets (service.search.quotes)."""
        return speaker_quotes(self.searcher, speaker, question, k)

    def stories(
        self, since: str | None = None, limit: int = 20, at_least: int = 2
    ) -> list[StoryRow]:
        """Stories newest first, with their outlets and dates (service.stories)."""
        return list_stories(self.store, since, limit, at_least)

    def timeline(self, question: str, story_id: str | None = None, k: int = 20) -> Timeline:
        """A story's passages that answer the question, by date (service.search.timeline)."""
        return story_timeline(self.searcher, question, story_id, k)

    def find_document(self, doc_id: str) -> DocumentRow | None:
        """The article's row (with its passage count), or None."""
        return self.store.document(check_doc_id(doc_id))

    def documents(self, offset: int = 0, limit: int = 50) -> list[DocumentRow]:
        """A page of articles, by id."""
        return self.store.list_documents(offset, limit)

    def counts(self) -> tuple[int, int]:
        """(articles, passages)."""
        return self.store.counts()

    def outlets(self) -> list[tuple[str, int]]:
        """Sources with their article counts, most first."""
        return self.store.outlets()

    def languages(self) -> list[tuple[str, int]]:
        """The articles' languages (ISO 639 codes) with their article counts, most first."""
        return self.store.language_counts()

    def example_questions(self, limit: int = 4) -> list[str]:
        """Questions about the people the articles mention most (for an empty search page)."""
        return example_questions(self.store, limit)

    def stats(self) -> Stats:
        """Counts, model, size on disk, generation, vector search kind and languages."""
        docs, passages = self.store.counts()
        where = (str(self.index_dir), self.files.size_bytes(), self.store.generation())
        second = self.second.model if self.second else None
        kinds = (self.vectors.kind, dict(self.languages()), second)
        return Stats(docs, passages, self.model, self.dim, *where, *kinds)
