"""Store: the SQLite file, the source of truth. Every SQL statement newsearch runs on an index
lives in this package: documents, passages with their embeddings, identity and generation,
filters, and (in service.store.fts) the FTS5 reads of the keyword index."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from service.errors import IndexCorrupt, InputError
from service.records import Article, Passage, outlet_key, source_of
from service.store.attributions import Attributions
from service.store.catalogue import Catalogue
from service.store.embeddings import EmbeddingRows
from service.store.failures import translate
from service.store.filters import where_clause
from service.store.fts import FtsReader
from service.store.languages import Languages
from service.store.rows import DocumentFilter, StoredPassage
from service.store.schema import PASSAGE_SELECT, SCHEMA, SCHEMA_VERSION
from service.store.stories import StoryRows

# a small private page cache per connection (the OS page cache serves the rest), so a server's
# memory does not grow with the index through its worker connections
CACHE_KIB = 512


class Store(Catalogue, Attributions, EmbeddingRows, Languages, StoryRows):
    """One SQLite file; one connection per thread (WAL: readers never block the writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        new = not path.exists()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self.fts = FtsReader(lambda: self.conn)
        conn = self.conn
        try:
            conn.executescript(SCHEMA)
            found = self.get_meta("schema_version")
            if found is None:
                with self.transaction() as tx:
                    tx.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                    )
                    tx.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            elif found != str(SCHEMA_VERSION):
                raise IndexCorrupt(
                    f"{path} has schema version {found}, this newsearch reads {SCHEMA_VERSION}"
                )
            # two probes, not a scan of every story at each open
            uncounted = (
                "SELECT EXISTS (SELECT 1 FROM stories) AND NOT EXISTS (SELECT 1 FROM story_sources)"
            )
            if conn.execute(uncounted).fetchone()[0]:
                with self.transaction() as tx:
                    if tx.execute(uncounted).fetchone()[0]:
                        self.count_story_sources(tx)
        except sqlite3.DatabaseError as exc:
            error = translate(exc, path)
            if isinstance(error, IndexCorrupt):
                error = IndexCorrupt(
                    f"{path} is not a readable newsearch database ({exc}); "
                    "restore a snapshot or rebuild with `newsearch index`"
                )
            raise error from exc
        if new:
            os.chmod(path, 0o600)  # the articles are the owner's; SQLite's -wal and -shm follow

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a write that returned survives power loss
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.create_function("source_of", 3, source_of, deterministic=True)
            conn.create_function("outlet_key", 1, outlet_key, deterministic=True)
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed at the end of the block, rolled back if anything
        in it fails (a full disk at COMMIT included); SQLite's errors come out as
        NewsearchErrors (service.store.failures)."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction for the block: every read in it, on this thread, sees the same
        database (inside a transaction of the caller's own, that one serves)."""
        conn = self.conn
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            yield
        finally:
            if own:
                conn.execute("COMMIT")

    def checkpoint(self) -> bool:
        """Folds the WAL into the database file; False when readers kept part of it."""
        busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        return not busy

    def backup_to(self, path: Path) -> None:
        """A consistent copy of the whole database (SQLite's online backup: one read
        transaction, so writers go on and the copy is one point in time)."""
        source = sqlite3.connect(self.path)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()

    # --- identity -----------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, tx: sqlite3.Connection, key: str, value: str) -> None:
        tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def delete_meta(self, tx: sqlite3.Connection, key: str) -> None:
        tx.execute("DELETE FROM meta WHERE key = ?", (key,))

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def bump_generation(self, tx: sqlite3.Connection) -> int:
        tx.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        return int(tx.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    # --- writes (inside a transaction) -----------------------------------------------------
    def hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Content hash by document id, for the ids the index holds."""
        return _hashes(self.conn, doc_ids)

    def sources_under(self, prefixes: list[str]) -> dict[str, str]:
        """Source file by document id, for articles from a file that is one of `prefixes` or
        under one (a folder; "" is the root folder itself: every relative id)."""
        rows = self.conn.execute(
            "SELECT DISTINCT doc_id, source_path FROM documents, json_each(?) AS p "
            "WHERE source_path = p.value "
            "OR substr(source_path, 1, length(p.value) + 1) = p.value || '/' "
            "OR (p.value = '' AND substr(source_path, 1, 1) != '/')",
            (json.dumps(prefixes),),
        )
        return dict(rows.fetchall())

    def delete_document(self, tx: sqlite3.Connection, doc_id: str) -> list[int]:
        """Removes the document and its passages; returns the removed passage ids."""
        ids = [r[0] for r in tx.execute("SELECT id FROM passages WHERE doc_id = ?", (doc_id,))]
        self.leave_story(tx, doc_id)
        for table in ("passages", "quotes", "entities", "passage_names", "analysed"):
            tx.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
        tx.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return ids

    def insert_document(
        self,
        tx: sqlite3.Connection,
        article: Article,
        digest: str,
        passages: list[Passage],
        vectors: np.ndarray,
    ) -> list[int]:
        tx.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.doc_id,
                article.title,
                article.date,
                article.outlet,
                article.url,
                article.source_path,
                article.text,
                digest,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        ids: list[int] = []
        for passage, vector in zip(passages, vectors, strict=True):
            cur = tx.execute(
                "INSERT INTO passages (doc_id, paragraph, start, end, text, embedding) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    passage.doc_id,
                    passage.paragraph,
                    passage.start,
                    passage.end,
                    passage.text,
                    _blob(vector),
                ),
            )
            assert cur.lastrowid is not None
            ids.append(cur.lastrowid)
        return ids

    def set_embeddings(self, tx: sqlite3.Connection, ids: list[int], vectors: np.ndarray) -> None:
        """Replaces the stored embeddings of those passages (a re-embedding with a new model)."""
        tx.executemany(
            "UPDATE passages SET embedding = ? WHERE id = ?",
            ((_blob(vec), pid) for pid, vec in zip(ids, vectors, strict=True)),
        )

    # --- reads ---------------------------------------------------------------------------------
    def passage_texts(self) -> list[tuple[int, str]]:
        """(id, text) of every passage, in id order."""
        return self.conn.execute("SELECT id, text FROM passages ORDER BY id").fetchall()

    def passage_docs(self) -> dict[int, str]:
        """Passage id -> its document's id, for every passage."""
        return dict(self.conn.execute("SELECT id, doc_id FROM passages"))

    def passages_by_id(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        # One statement text whatever the number of ids (a JSON array parameter), so each
        # connection's statement cache stays small and memory stays flat under load.
        rows = self.conn.execute(
            f"{PASSAGE_SELECT} WHERE p.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return {row[0]: StoredPassage(*row) for row in rows}

    def doc_ids_of(self, ids: Iterable[int]) -> dict[int, str]:
        """Passage id -> its article's id."""
        rows = self.conn.execute(
            "SELECT id, doc_id FROM passages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return dict(rows)

    def dates_of(self, ids: Iterable[int]) -> dict[int, str | None]:
        """Passage id -> its article's date (None: undated)."""
        rows = self.conn.execute(
            "SELECT p.id, d.date FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
            "WHERE p.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return dict(rows)

    def texts_by_id(self, ids: Iterable[int]) -> dict[int, str]:
        rows = self.conn.execute(
            "SELECT id, text FROM passages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return dict(rows)

    def lead_ids(self, ids: list[int]) -> dict[int, int]:
        """Passage id -> the id of its document's first passage (its title and lead)."""
        rows = self.conn.execute(
            "SELECT p.id, min(l.id) FROM passages p JOIN passages l ON l.doc_id = p.doc_id "
            "WHERE p.id IN (SELECT value FROM json_each(?)) GROUP BY p.id",
            (json.dumps(ids),),
        )
        return dict(rows)

    def filtered_ids(self, filters: DocumentFilter) -> np.ndarray:
        """The ids of the passages a search with these filters may return."""
        where, args = where_clause(filters)
        rows = self.conn.execute(
            f"SELECT p.id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE {where}",
            args,
        ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def match_ids(self, match: str) -> np.ndarray:
        """The ids, ascending, of every passage an FTS5 MATCH expression finds (a phrase
        query: each phrase's tokens in order)."""
        try:
            rows = self.conn.execute(
                "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rowid",
                (match,),
            ).fetchall()
        except sqlite3.OperationalError as exc:  # FTS5 could not read the expression
            raise InputError(f"the query cannot be searched by keyword ({exc})") from None
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def keyword_search(
        self, match: str, limit: int, filters: DocumentFilter
    ) -> list[tuple[int, float]]:
        """(passage id, bm25 score, higher is better) for an FTS5 MATCH expression."""
        if not filters.active():
            # no joins: joining every match to its passage and document before the sort
            # costs as much again as the ranking
            rows = self.conn.execute(
                "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts "
                "WHERE passages_fts MATCH ? ORDER BY s DESC LIMIT ?",
                (match, limit),
            ).fetchall()
            return [(int(r[0]), float(r[1])) for r in rows]
        where, args = where_clause(filters)
        rows = self.conn.execute(
            "SELECT f.rowid, -bm25(passages_fts) AS s FROM passages_fts f "
            "JOIN passages p ON p.id = f.rowid JOIN documents d ON d.doc_id = p.doc_id "
            f"WHERE passages_fts MATCH ? AND {where} ORDER BY s DESC LIMIT ?",
            [match, *args, limit],
        ).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def integrity_errors(self, *, quick: bool = False) -> list[str]:
        """What SQLite's integrity check finds wrong (nothing: []); `quick` skips the
        cross-checks of indexes against tables, and still reads every page."""
        pragma = "quick_check" if quick else "integrity_check"
        try:
            rows = self.conn.execute(f"PRAGMA {pragma}").fetchall()
        except sqlite3.DatabaseError as exc:  # so damaged it cannot even be checked
            return [str(exc)]
        return [] if rows == [("ok",)] else [str(r[0]) for r in rows]


class HeldSnapshot:
    """The database as it was when this was made, for as long as it lives (one read
    transaction held open on a connection of its own; WAL keeps that snapshot while writers
    commit), readable from any thread."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("BEGIN")
        self._conn.execute("SELECT count(*) FROM documents").fetchone()  # the snapshot starts

    def hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        return _hashes(self._conn, doc_ids)

    def close(self) -> None:
        self._conn.close()


def _hashes(conn: sqlite3.Connection, doc_ids: Iterable[str]) -> dict[str, str]:
    rows = conn.execute(
        "SELECT doc_id, content_hash FROM documents "
        "WHERE doc_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(doc_ids)),),
    )
    return {doc_id: digest for doc_id, digest in rows}


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def peek_meta(db: Path, key: str) -> str | None:
    """One `meta` value of a database, read without opening it as a Store (no schema check,
    no writes): None where there is no such file or value, or it cannot be read now."""
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])
