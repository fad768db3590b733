"""The FTS5 reads behind the keyword index (service.keywords): row sizes, a word's postings and
document counts straight from the FTS5 index (fts5vocab), and a private tokenizer with the
index's own tokenize spec."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from service.analysis import FTS_TOKENIZE

_VOCAB = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.newsearch_vocab "
    "USING fts5vocab(main, 'passages_fts', 'instance')"
)
_VOCAB_ROWS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.newsearch_vocab_rows "
    "USING fts5vocab(main, 'passages_fts', 'row')"
)


class FtsReader:
    """Reads of the passages' FTS5 index, each on `connection()`: the store's connection of the
    calling thread, so inside one `store.snapshot()` they all see the same database."""

    def __init__(self, connection: Callable[[], sqlite3.Connection]) -> None:
        self._connection = connection

    def sizes(self, after: int | None = None, upto: int | None = None) -> list[tuple[int, bytes]]:
        """(rowid, FTS5 docsize blob) of the rows with after < rowid <= upto, by rowid."""
        clauses, args = [], []
        if after is not None:
            clauses.append("id > ?")
            args.append(after)
        if upto is not None:
            clauses.append("id <= ?")
            args.append(upto)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return (
            self._connection()
            .execute(f"SELECT id, sz FROM passages_fts_docsize {where} ORDER BY id", args)
            .fetchall()
        )

    def live_rows(self) -> int:
        """How many rows the FTS5 index holds: bm25's N."""
        return int(
            self._connection().execute("SELECT count(*) FROM passages_fts_docsize").fetchone()[0]
        )

    def occurrences(self, term: str) -> np.ndarray:
        """The rowid of every occurrence of an FTS5 term, ascending (a row once per time the
        term stands in it)."""
        conn = self._connection()
        conn.execute(_VOCAB)
        docs = conn.execute("SELECT doc FROM temp.newsearch_vocab WHERE term = ?", (term,))
        return np.fromiter((d for (d,) in docs), dtype=np.int64)

    def row_counts(self, terms: list[str]) -> dict[str, int]:
        """How many rows hold each of these FTS5 terms (absent terms are left out)."""
        if not terms:
            return {}
        conn = self._connection()
        conn.execute(_VOCAB_ROWS)
        marks = ",".join("?" * len(terms))
        rows = conn.execute(
            f"SELECT term, doc FROM temp.newsearch_vocab_rows WHERE term IN ({marks})", terms
        )
        return {term: int(count) for term, count in rows}

    def texts_after(self, rowid: int) -> Iterator[tuple[int, str]]:
        """(id, text) of the passages after `rowid`, by id."""
        yield from self._connection().execute(
            "SELECT id, text FROM passages WHERE id > ? ORDER BY id", (rowid,)
        )


class Tokenizer:
    """A private in-memory FTS5 table with the index's tokenizer: what FTS5 makes of a word or
    a passage, without touching the index. Not thread-safe: callers hold their own lock."""

    def __init__(self) -> None:
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize={FTS_TOKENIZE!r})")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        self._conn = conn

    def terms(self, text: str) -> tuple[str, ...]:
        """The FTS5 terms of one text, in order (lower-cased, diacritics removed, stemmed)."""
        conn = self._conn
        conn.execute("INSERT INTO t(rowid, text) VALUES (1, ?)", (text,))
        found = tuple(r[0] for r in conn.execute("SELECT term FROM v ORDER BY offset"))
        conn.execute("DELETE FROM t")
        return found

    def occurrences(self, rows: Iterable[tuple[int, str]]) -> list[tuple[str, int]]:
        """(term, rowid) for every term occurrence in these rows."""
        conn = self._conn
        conn.execute("DELETE FROM t")
        conn.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", rows)
        found = conn.execute("SELECT term, doc FROM v").fetchall()
        conn.execute("DELETE FROM t")
        return found
