"""Keyword ranking: SQLite's FTS5 bm25() computed with numpy over cached FTS5 postings.

FTS5 runs its bm25() auxiliary function once for every row an OR query matches; at 100k news
paragraphs the common words of a question match tens of thousands of rows (41 ms p50, README
"Performance"). This module computes the same formula (SQLite's fts5_aux.c: k1 = 1.2, b = 0.75,
idf = log((N - n + 0.5) / (n + 0.5)) floored at 1e-6, one term per quoted query word, the row's
token count) over postings read from the FTS5 index itself (fts5vocab 'instance': the same
tokenizer, the same rows), so the scores equal bm25()'s. SQLite stays the source of truth: the
cache is checked against the database's write generation inside one read transaction on every
query, takes new rows in incrementally, drops deleted ones, and only ever holds postings of
words that were asked for (an LRU bounded by `budget` postings)."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from service.store import FTS_TOKENIZE, Filters, Store, fts_query, query_words

K1, B = 1.2, 0.75  # FTS5's bm25() constants
DELTA_ROWS = 20_000  # new rows tokenised into cached postings; beyond, the postings are refetched
_VOCAB = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.newsearch_vocab "
    "USING fts5vocab(main, 'passages_fts', 'instance')"
)
_VOCAB_ROWS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.newsearch_vocab_rows "
    "USING fts5vocab(main, 'passages_fts', 'row')"
)


@dataclass(frozen=True)
class _Rows:
    """The FTS5 rows at one write generation. Position i is the i-th row by rowid ever seen;
    rows deleted since are dead until the next full load."""

    generation: int
    rowids: np.ndarray  # int64 (positions,), ascending
    lengths: np.ndarray  # float64 (positions,): tokens in the row
    alive: np.ndarray  # bool (positions,)
    count: int  # live rows: FTS5's N
    tokens: int  # tokens in the live rows: N x avgdl

    def positions(self, rowids: np.ndarray) -> np.ndarray:
        """Positions of the given rowids that are known here (unknown ones are left out)."""
        pos, found = self.lookup(rowids)
        known: np.ndarray = pos[found]
        return known

    def lookup(self, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions, found mask) of the given rowids."""
        pos = np.searchsorted(self.rowids, rowids)
        found = pos < len(self.rowids)
        found[found] = self.rowids[pos[found]] == rowids[found]
        return pos, found


@dataclass(frozen=True)
class _Postings:
    positions: np.ndarray  # int32, ascending
    freqs: np.ndarray  # float32 (exact for counts): occurrences of the term in the row


class KeywordIndex:
    """bm25() rankings from cached postings; `budget` = 0 leaves every query to FTS5."""

    def __init__(self, store: Store, budget: int) -> None:
        self.store = store
        self.budget = budget
        self._lock = threading.Lock()
        self._rows: _Rows | None = None
        self._postings: OrderedDict[str, _Postings] = OrderedDict()
        self._held = 0
        self._terms: dict[str, tuple[str, ...]] = {}
        self._tokenizer: sqlite3.Connection | None = None

    def search(self, query: str, limit: int, filters: Filters) -> list[tuple[int, float]]:
        """(passage id, bm25 score, higher is better) best first, at most `limit`."""
        words = query_words(query)
        if not words:
            return []
        if self.budget <= 0:
            return self._fts5(query, limit, filters)
        with self._lock:
            terms = [self._term(word) for word in words]
        if any(len(t) != 1 for t in terms):
            # a word FTS5 reads as a phrase of several tokens (or none): its own engine
            return self._fts5(query, limit, filters)
        conn = self.store.conn
        with _snapshot(conn):
            rows, found = self._lookup(conn, [t for (t,) in terms])
        allowed = self.store.filtered_ids(filters) if filters.active() else None
        return _rank(rows, [found[t] for (t,) in terms], limit, allowed)

    def idf(self, words: Sequence[str]) -> dict[str, float]:
        """Each word's inverse document frequency over the passages, log(1 + (N - n + 0.5) /
        (n + 0.5)) (bm25's, kept above zero): how much finding it says. The counts come from
        the same cached postings a keyword search uses (after a hybrid search, no query at
        all; a dense search reads and caches them once); with the cache off, FTS5 counts
        them. A word FTS5 reads as several tokens or none counts as unseen."""
        conn = self.store.conn
        with self._lock:
            terms = {w: self._term(w) for w in words}
        single = list(dict.fromkeys(t[0] for t in terms.values() if len(t) == 1))
        with _snapshot(conn):
            if self.budget > 0:
                rows, found = self._lookup(conn, single)
                counts = {t: int(rows.alive[p.positions].sum()) for t, p in found.items()}
                n = rows.count
            elif single:
                conn.execute(_VOCAB_ROWS)
                marks = ",".join("?" * len(single))
                counted = conn.execute(
                    f"SELECT term, doc FROM temp.newsearch_vocab_rows WHERE term IN ({marks})",
                    single,
                )
                counts = {t: int(hits) for t, hits in counted}
                n = _live_rows(conn)
            else:
                counts, n = {}, _live_rows(conn)
        out = {}
        for word, t in terms.items():
            hits = counts.get(t[0], 0) if len(t) == 1 else 0
            out[word] = math.log(1.0 + (max(n - hits, 0) + 0.5) / (hits + 0.5))
        return out

    def _lookup(
        self, conn: sqlite3.Connection, terms: Sequence[str]
    ) -> tuple[_Rows, dict[str, _Postings]]:
        """The rows and the postings of `terms`, in the caller's snapshot. The snapshot's
        generation is read under the lock, so the cache only ever moves forward; words not
        cached yet are read without it (a common word's postings take milliseconds at 100k),
        so other searches are not held up behind them, and kept only if no write moved the
        cache on meanwhile."""
        with self._lock:
            rows = self._sync(conn)
            found = {t: p for t in terms if (p := self._cached(t)) is not None}
        fetched = {t: self._read(conn, t, rows) for t in terms if t not in found}
        if fetched:
            with self._lock:
                if self._rows is rows:
                    for term, postings in fetched.items():
                        self._remember(term, postings)
        found.update(fetched)
        return rows, found

    def _fts5(self, query: str, limit: int, filters: Filters) -> list[tuple[int, float]]:
        match = fts_query(query)
        return self.store.keyword_search(match, limit, filters) if match else []

    # --- the cache ----------------------------------------------------------------------------
    def _sync(self, conn: sqlite3.Connection) -> _Rows:
        """The rows as of this transaction's snapshot, updating the cache if writes happened."""
        generation = int(
            conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        )
        rows = self._rows
        if rows is not None and rows.generation == generation:
            return rows
        if rows is None or len(rows.rowids) == 0:
            self._rows = _load_rows(conn, generation)
            self._clear()
            return self._rows
        last = int(rows.rowids[-1])
        new_ids, new_lengths = _read_sizes(conn, "WHERE id > ?", (last,))
        alive = rows.alive
        live = _live_rows(conn)
        if live != rows.count + len(new_ids):  # rows were deleted
            now, _ = _read_sizes(conn, "WHERE id <= ?", (last,))
            alive = alive & np.isin(rows.rowids, now, assume_unique=True)
        if int(alive.sum()) < len(alive) // 2:  # mostly dead: start over
            self._rows = _load_rows(conn, generation)
            self._clear()
            return self._rows
        fresh = _Rows(
            generation=generation,
            rowids=np.concatenate([rows.rowids, new_ids]),
            lengths=np.concatenate([rows.lengths, new_lengths]),
            alive=np.concatenate([alive, np.ones(len(new_ids), dtype=bool)]),
            count=live,
            tokens=int(rows.lengths[alive].sum() + new_lengths.sum()),
        )
        if len(new_ids) > DELTA_ROWS:
            self._clear()
        elif len(new_ids) and self._postings:
            self._extend(conn, fresh, last)
        self._rows = fresh
        return fresh

    def _extend(self, conn: sqlite3.Connection, rows: _Rows, after: int) -> None:
        """Adds the rows after rowid `after` to the cached postings, tokenised by FTS5."""
        texts = conn.execute("SELECT id, text FROM passages WHERE id > ? ORDER BY id", (after,))
        tok = self._tokenizer_conn()
        tok.execute("DELETE FROM t")
        tok.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", texts)
        found: dict[str, list[int]] = {}
        for term, doc in tok.execute("SELECT term, doc FROM v"):
            if term in self._postings:
                found.setdefault(term, []).append(doc)
        tok.execute("DELETE FROM t")
        for term, docs in found.items():
            old = self._postings[term]
            new = _postings(rows, np.asarray(docs, dtype=np.int64))
            self._postings[term] = _Postings(
                np.concatenate([old.positions, new.positions]),
                np.concatenate([old.freqs, new.freqs]),
            )
            self._held += len(new.positions)

    def _cached(self, term: str) -> _Postings | None:
        found = self._postings.get(term)
        if found is not None:
            self._postings.move_to_end(term)
        return found

    @staticmethod
    def _read(conn: sqlite3.Connection, term: str, rows: _Rows) -> _Postings:
        """A term's postings from FTS5, in the snapshot `rows` was read in."""
        conn.execute(_VOCAB)
        docs = conn.execute("SELECT doc FROM temp.newsearch_vocab WHERE term = ?", (term,))
        return _postings(rows, np.fromiter((d for (d,) in docs), dtype=np.int64))

    def _remember(self, term: str, postings: _Postings) -> None:
        old = self._postings.pop(term, None)  # two searches may have read the same word
        if old is not None:
            self._held -= len(old.positions)
        self._postings[term] = postings
        self._held += len(postings.positions)
        while self._held > self.budget and len(self._postings) > 1:
            _, dropped = self._postings.popitem(last=False)
            self._held -= len(dropped.positions)

    def _clear(self) -> None:
        self._postings.clear()
        self._held = 0

    def _term(self, word: str) -> tuple[str, ...]:
        """The FTS5 tokens of one query word (lower-cased, diacritics removed, stemmed)."""
        terms = self._terms.get(word)
        if terms is None:
            tok = self._tokenizer_conn()
            tok.execute("INSERT INTO t(rowid, text) VALUES (1, ?)", (word,))
            terms = tuple(r[0] for r in tok.execute("SELECT term FROM v ORDER BY offset"))
            tok.execute("DELETE FROM t")
            if len(self._terms) > 100_000:
                self._terms.clear()
            self._terms[word] = terms
        return terms

    def _tokenizer_conn(self) -> sqlite3.Connection:
        """A private in-memory FTS5 table with the index's tokenizer (used under the lock)."""
        if self._tokenizer is None:
            tok = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            tok.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize={FTS_TOKENIZE!r})")
            tok.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
            self._tokenizer = tok
        return self._tokenizer


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction for the block: every read in it sees the same database (inside a
    caller's own transaction, that one serves)."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own:
            conn.execute("COMMIT")


def _live_rows(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM passages_fts_docsize").fetchone()[0])


def _load_rows(conn: sqlite3.Connection, generation: int) -> _Rows:
    rowids, lengths = _read_sizes(conn, "", ())
    return _Rows(
        generation=generation,
        rowids=rowids,
        lengths=lengths,
        alive=np.ones(len(rowids), dtype=bool),
        count=len(rowids),
        tokens=int(lengths.sum()),
    )


def _read_sizes(
    conn: sqlite3.Connection, where: str, args: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(rowids, token counts) from FTS5's docsize table, by rowid."""
    found = conn.execute(
        f"SELECT id, sz FROM passages_fts_docsize {where} ORDER BY id", args
    ).fetchall()
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    rowids = np.fromiter(map(itemgetter(0), found), dtype=np.int64, count=len(found))
    lengths = first_varints(list(map(itemgetter(1), found)))
    return rowids, lengths.astype(np.float64)


def first_varints(blobs: Sequence[bytes]) -> np.ndarray:
    """The first varint of each blob (SQLite's format: 7 bits a byte, high bit = more
    follows), decoded for all blobs at once: FTS5 keeps a row's size per column as varints, and
    a million rows decoded one by one in Python took 0.5 s of a cold start."""
    sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    data = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    starts = np.cumsum(sizes) - sizes
    values = np.zeros(len(blobs), dtype=np.int64)
    reading = sizes > 0
    for j in range(9):
        active = reading & (sizes > j)
        if not active.any():
            break
        byte = data[starts[active] + j].astype(np.int64)
        values[active] = (values[active] << 7) | (byte & 0x7F)
        reading[active] = (byte & 0x80) != 0
    return values


def _postings(rows: _Rows, docs: np.ndarray) -> _Postings:
    """Postings from one fts5vocab 'instance' row per occurrence, ordered by rowid."""
    if len(docs) == 0:
        return _Postings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    starts = np.flatnonzero(np.concatenate([[True], docs[1:] != docs[:-1]]))
    freqs = np.diff(np.append(starts, len(docs))).astype(np.float32)
    # read in the same transaction as `rows`, so every rowid is known; the mask is a guard
    pos, found = rows.lookup(docs[starts])
    return _Postings(pos[found].astype(np.int32), freqs[found])


def _rank(
    rows: _Rows, lists: list[_Postings], limit: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """bm25() as fts5_aux.c computes it, phrase by phrase in query order."""
    if rows.count == 0:
        return []
    avgdl = rows.tokens / rows.count
    scores = np.zeros(len(rows.rowids), dtype=np.float64)
    dead = rows.count < len(rows.rowids)
    for p in lists:
        pos, freq = p.positions, p.freqs.astype(np.float64)  # FTS5 computes in doubles
        if dead:
            keep = rows.alive[pos]
            pos, freq = pos[keep], freq[keep]
        if len(pos) == 0:
            continue
        hits = len(pos)
        idf = math.log((rows.count - hits + 0.5) / (hits + 0.5))
        if idf <= 0.0:
            idf = 1e-6
        lengths = rows.lengths[pos]
        scores[pos] += idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * lengths / avgdl)))
    # every occurrence scores above zero (idf >= 1e-6), so the matches are the non-zeros
    candidates = np.flatnonzero(scores)
    if allowed is not None:
        candidates = np.intersect1d(candidates, rows.positions(allowed), assume_unique=True)
    if len(candidates) > limit:
        top = np.argpartition(-scores[candidates], limit - 1)[:limit]
        candidates = candidates[top]
    order = np.lexsort((rows.rowids[candidates], -scores[candidates]))
    best = candidates[order]
    return [(int(i), float(s)) for i, s in zip(rows.rowids[best], scores[best], strict=True)]
