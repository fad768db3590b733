"""SQLite, the source of truth: documents, passages with their embeddings, an FTS5 keyword
index over the passages, and the index's identity (model, dimension, write generation)."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from service.errors import IndexCorrupt
from service.records import Article, Passage

SCHEMA_VERSION = 1
CACHE_KIB = 512
DB_NAME = "newsearch.db"

FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"  # service.keywords tokenises with it too
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    date TEXT,
    outlet TEXT,
    url TEXT,
    source_path TEXT,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE INDEX IF NOT EXISTS documents_outlet ON documents(outlet);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, content='passages', content_rowid='id',
    tokenize='{FTS_TOKENIZE}'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""


@dataclass(frozen=True)
class StoredPassage:
    id: int
    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source_path: str | None

    @property
    def source(self) -> str:
        return self.outlet or self.source_path or self.doc_id


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source_path: str | None
    text: str
    content_hash: str
    added_at: str
    passages: int


@dataclass(frozen=True)
class Filters:
    """Restrictions applied inside a search (outlet matches outlet or source path)."""

    outlet: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    doc_id: str | None = None

    def active(self) -> bool:
        return any((self.outlet, self.date_from, self.date_to, self.doc_id))

    def sql(self) -> tuple[str, list[str]]:
        clauses: list[str] = []
        args: list[str] = []
        if self.outlet:
            clauses.append("(d.outlet = ? COLLATE NOCASE OR d.source_path = ? OR d.doc_id = ?)")
            args += [self.outlet] * 3
        if self.date_from:
            clauses.append("d.date >= ?")
            args.append(self.date_from)
        if self.date_to:
            # a full timestamp on the last day still counts as that day
            clauses.append("substr(d.date, 1, 10) <= ?")
            args.append(self.date_to[:10])
        if self.doc_id:
            clauses.append("d.doc_id = ?")
            args.append(self.doc_id)
        return (" AND ".join(clauses) or "1"), args


def content_hash(article: Article, chunking_version: str) -> str:
    digest = hashlib.sha256(chunking_version.encode())
    for part in (article.text, article.title, article.date, article.outlet, article.url):
        digest.update(b"\x1f" + (part or "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


_PASSAGE_SELECT = """
SELECT p.id, p.doc_id, p.paragraph, p.start, p.end, p.text,
       d.title, d.date, d.outlet, d.url, d.source_path
FROM passages p JOIN documents d ON d.doc_id = p.doc_id
"""


class Store:
    """One SQLite file; one connection per thread (WAL: readers never block the writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        conn = self.conn
        try:
            conn.executescript(_SCHEMA)
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
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(
                f"{path} is not a readable newsearch database ({exc}); "
                "restore a snapshot or rebuild with `newsearch index`"
            ) from exc

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a write that returned survives power loss
            # a small private cache per connection (the OS page cache serves the rest), so a
            # server's memory does not grow with the index through its worker connections
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys=ON")
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
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- identity -----------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, tx: sqlite3.Connection, key: str, value: str) -> None:
        tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def bump_generation(self, tx: sqlite3.Connection) -> int:
        tx.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        return int(tx.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    # --- writes (inside a transaction) -----------------------------------------------------
    def hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT doc_id, content_hash FROM documents "
            "WHERE doc_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(doc_ids)),),
        )
        return {doc_id: digest for doc_id, digest in rows}

    def passage_ids(self, tx: sqlite3.Connection, doc_id: str) -> list[int]:
        return [r[0] for r in tx.execute("SELECT id FROM passages WHERE doc_id = ?", (doc_id,))]

    def delete_document(self, tx: sqlite3.Connection, doc_id: str) -> list[int]:
        """Removes the document and its passages; returns the removed passage ids."""
        ids = self.passage_ids(tx, doc_id)
        tx.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
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
                    np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
                ),
            )
            assert cur.lastrowid is not None
            ids.append(cur.lastrowid)
        return ids

    # --- reads ---------------------------------------------------------------------------------
    def all_vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 (n,), vectors float32 (n, dim)) of every passage, in id order."""
        rows = self.conn.execute("SELECT id, embedding FROM passages ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, self._matrix([r[1] for r in rows], dim).copy()

    def passages_by_id(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        # One statement text whatever the number of ids (a JSON array parameter), so each
        # connection's statement cache stays small and memory stays flat under load.
        rows = self.conn.execute(
            f"{_PASSAGE_SELECT} WHERE p.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return {row[0]: StoredPassage(*row) for row in rows}

    def lead_ids(self, ids: list[int]) -> dict[int, int]:
        """Passage id -> the id of its document's first passage (its title and lead)."""
        rows = self.conn.execute(
            "SELECT p.id, min(l.id) FROM passages p JOIN passages l ON l.doc_id = p.doc_id "
            "WHERE p.id IN (SELECT value FROM json_each(?)) GROUP BY p.id",
            (json.dumps(ids),),
        )
        return dict(rows)

    def vectors_for(self, ids: list[int], dim: int) -> dict[int, np.ndarray]:
        rows = self.conn.execute(
            "SELECT id, embedding FROM passages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchall()
        # one array for all rows: a frombuffer per row cost more than the query
        matrix = self._matrix([blob for _, blob in rows], dim)
        return {pid: matrix[n] for n, (pid, _) in enumerate(rows)}

    def _matrix(self, blobs: list[bytes], dim: int) -> np.ndarray:
        """Stored embeddings as one read-only float32 (n, dim) array."""
        blob = b"".join(blobs)
        if len(blob) != len(blobs) * dim * 4:
            raise IndexCorrupt(
                f"{self.path}: stored embeddings are not {dim}-dimensional; rebuild the index"
            )
        return np.frombuffer(blob, dtype=np.float32).reshape(len(blobs), dim)

    def filtered_ids(self, filters: Filters) -> np.ndarray:
        where, args = filters.sql()
        rows = self.conn.execute(
            f"SELECT p.id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE {where}",
            args,
        ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def keyword_search(self, match: str, limit: int, filters: Filters) -> list[tuple[int, float]]:
        """(passage id, bm25 score, higher is better) for an FTS5 MATCH expression."""
        if not filters.active():
            # no joins: joining every match to its passage and document before the sort
            # doubled the time (measured at 100k passages: 70 -> 34 ms p50)
            rows = self.conn.execute(
                "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts "
                "WHERE passages_fts MATCH ? ORDER BY s DESC LIMIT ?",
                (match, limit),
            ).fetchall()
            return [(int(r[0]), float(r[1])) for r in rows]
        where, args = filters.sql()
        rows = self.conn.execute(
            "SELECT f.rowid, -bm25(passages_fts) AS s FROM passages_fts f "
            "JOIN passages p ON p.id = f.rowid JOIN documents d ON d.doc_id = p.doc_id "
            f"WHERE passages_fts MATCH ? AND {where} ORDER BY s DESC LIMIT ?",
            [match, *args, limit],
        ).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def document(self, doc_id: str) -> DocumentRow | None:
        row = self.conn.execute(
            "SELECT d.*, (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) "
            "FROM documents d WHERE d.doc_id = ?",
            (doc_id,),
        ).fetchone()
        return None if row is None else DocumentRow(*row)

    def document_passages(self, doc_id: str) -> list[StoredPassage]:
        rows = self.conn.execute(
            f"{_PASSAGE_SELECT} WHERE p.doc_id = ? ORDER BY p.paragraph", (doc_id,)
        ).fetchall()
        return [StoredPassage(*row) for row in rows]

    def list_documents(self, offset: int, limit: int) -> list[DocumentRow]:
        rows = self.conn.execute(
            "SELECT d.*, (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) "
            "FROM documents d ORDER BY d.doc_id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [DocumentRow(*row) for row in rows]

    def counts(self) -> tuple[int, int]:
        docs = self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        passages = self.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        return int(docs), int(passages)

    def outlets(self) -> list[tuple[str, int]]:
        rows = self.conn.execute(
            "SELECT coalesce(outlet, source_path, doc_id) AS o, count(*) FROM documents "
            "GROUP BY o ORDER BY count(*) DESC, o LIMIT 200"
        ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    def integrity_errors(self) -> list[str]:
        rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        return [] if rows == [("ok",)] else [str(r[0]) for r in rows]


_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)
# Question words carry no evidence; dropping them keeps OR-queries from matching everything.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "say",
        "said",
        "tell",
        "told",
    ]
)


def query_words(text: str) -> list[str]:
    """The words a keyword query looks for: content words (all words if there are none),
    lower-cased, each once, at most 64."""
    tokens = [t for t in _FTS_TOKEN.findall(text.lower()) if t not in STOPWORDS]
    if not tokens:
        tokens = _FTS_TOKEN.findall(text.lower())
    return list(dict.fromkeys(tokens))[:64]


def fts_query(text: str) -> str | None:
    """An FTS5 expression OR-ing the query's words, each quoted (no operator injection)."""
    words = query_words(text)
    return " OR ".join(f'"{t}"' for t in words) if words else None
