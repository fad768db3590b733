"""Keyword ranking: SQLite's FTS5 bm25() computed with numpy over cached FTS5 postings.

FTS5 runs its bm25() auxiliary function once for every row an OR query matches, and the common
words of a question match tens of thousands of rows of a large index (docs/benchmarks). This
module computes the same formula (SQLite's fts5_aux.c: k1 = 1.2, b = 0.75,
idf = log((N - n + 0.5) / (n + 0.5)) floored at 1e-6, one term per quoted query word, the row's
token count) over postings read from the FTS5 index itself (fts5vocab 'instance': the same
tokenizer, the same rows), so the scores equal bm25()'s. SQLite stays the source of truth: the
cache is checked against the database's write generation inside one read transaction on every
query, takes new rows in incrementally, drops deleted ones, and only ever holds postings of
words that were asked for (an LRU bounded by `budget` postings)."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from service.analysis import fts_query, query_words
from service.store import DocumentFilter, Store, Tokenizer

K1, B = 1.2, 0.75  # FTS5's bm25() constants
DELTA_ROWS = 20_000  # new rows tokenised into cached postings; beyond, the postings are refetched


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
        self._tokenizer: Tokenizer | None = None

    def search(
        self,
        query: str,
        limit: int,
        filters: DocumentFilter,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """(passage id, bm25 score, higher is better) best first, at most `limit`, among the
        passages the filters (and, if given, `allowed`, ids ascending) let through."""
        words = query_words(query)
        if not words:
            return []
        with self._lock:
            terms = [self._term(word) for word in words] if self.budget > 0 else []
        if self.budget <= 0 or any(len(t) != 1 for t in terms):
            # no cache, or a word FTS5 reads as a phrase of several tokens (or none): FTS5
            found_rows = self._fts5(query, limit if allowed is None else 10**9, filters)
            if allowed is not None:
                keep = set(allowed.tolist())
                found_rows = [(i, s) for i, s in found_rows if i in keep][:limit]
            return found_rows
        with self.store.snapshot():
            rows, found = self._lookup([t for (t,) in terms])
        if filters.active():
            only = self.store.filtered_ids(filters)
            allowed = only if allowed is None else np.intersect1d(only, allowed)
        return _rank(rows, [found[t] for (t,) in terms], limit, allowed)

    def idf(self, words: Sequence[str]) -> dict[str, float]:
        """Each word's inverse document frequency over the passages, log(1 + (N - n + 0.5) /
        (n + 0.5)) (bm25's, kept above zero): how much finding it says. The counts come from
        the same cached postings a keyword search uses (after a hybrid search, no query at
        all; a dense search reads and caches them once); with the cache off, FTS5 counts
        them. A word FTS5 reads as several tokens or none counts as unseen."""
        with self._lock:
            terms = {w: self._term(w) for w in words}
        single = list(dict.fromkeys(t[0] for t in terms.values() if len(t) == 1))
        fts = self.store.fts
        with self.store.snapshot():
            if self.budget > 0:
                rows, found = self._lookup(single)
                counts = {t: int(rows.alive[p.positions].sum()) for t, p in found.items()}
                n = rows.count
            else:
                counts, n = fts.row_counts(single), fts.live_rows()
        out = {}
        for word, t in terms.items():
            hits = counts.get(t[0], 0) if len(t) == 1 else 0
            out[word] = math.log(1.0 + (max(n - hits, 0) + 0.5) / (hits + 0.5))
        return out

    def _lookup(self, terms: Sequence[str]) -> tuple[_Rows, dict[str, _Postings]]:
        """The rows and the postings of `terms`, in the caller's snapshot. The snapshot's
        generation is read under the lock, so the cache only ever moves forward; words not
        cached yet are read without it (a common word's postings are a long read on a large
        index), so other searches are not held up behind them, and kept only if no write moved
        the cache on meanwhile."""
        with self._lock:
            rows = self._sync()
            found = {t: p for t in terms if (p := self._cached(t)) is not None}
        fetched = {t: self._read(t, rows) for t in terms if t not in found}
        if fetched:
            with self._lock:
                if self._rows is rows:
                    for term, postings in fetched.items():
                        self._remember(term, postings)
        found.update(fetched)
        return rows, found

    def _fts5(self, query: str, limit: int, filters: DocumentFilter) -> list[tuple[int, float]]:
        match = fts_query(query)
        return self.store.keyword_search(match, limit, filters) if match else []

    # --- the cache ----------------------------------------------------------------------------
    def _sync(self) -> _Rows:
        """The rows as of this transaction's snapshot, updating the cache if writes happened."""
        fts = self.store.fts
        generation = self.store.generation()
        rows = self._rows
        if rows is not None and rows.generation == generation:
            return rows
        if rows is None or len(rows.rowids) == 0:
            self._rows = self._load_rows(generation)
            self._clear()
            return self._rows
        last = int(rows.rowids[-1])
        new_ids, new_lengths = _sizes(fts.sizes(after=last))
        alive = rows.alive
        live = fts.live_rows()
        if live != rows.count + len(new_ids):  # rows were deleted
            now, _ = _sizes(fts.sizes(upto=last))
            alive = alive & np.isin(rows.rowids, now, assume_unique=True)
        if int(alive.sum()) < len(alive) // 2:  # mostly dead: start over
            self._rows = self._load_rows(generation)
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
            self._extend(fresh, last)
        self._rows = fresh
        return fresh

    def _load_rows(self, generation: int) -> _Rows:
        rowids, lengths = _sizes(self.store.fts.sizes())
        return _Rows(
            generation=generation,
            rowids=rowids,
            lengths=lengths,
            alive=np.ones(len(rowids), dtype=bool),
            count=len(rowids),
            tokens=int(lengths.sum()),
        )

    def _extend(self, rows: _Rows, after: int) -> None:
        """Adds the rows after rowid `after` to the cached postings, tokenised by FTS5."""
        found: dict[str, list[int]] = {}
        occurrences = self._tokenize().occurrences(self.store.fts.texts_after(after))
        for term, doc in occurrences:
            if term in self._postings:
                found.setdefault(term, []).append(doc)
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

    def _read(self, term: str, rows: _Rows) -> _Postings:
        """A term's postings from FTS5, in the snapshot `rows` was read in."""
        return _postings(rows, self.store.fts.occurrences(term))

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
            terms = self._tokenize().terms(word)
            if len(self._terms) > 100_000:
                self._terms.clear()
            self._terms[word] = terms
        return terms

    def _tokenize(self) -> Tokenizer:
        """The private tokenizer (used under the lock)."""
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
        return self._tokenizer


def _sizes(found: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """(rowids, token counts) from FTS5's docsize rows."""
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    rowids = np.fromiter(map(itemgetter(0), found), dtype=np.int64, count=len(found))
    lengths = first_varints(list(map(itemgetter(1), found)))
    return rowids, lengths.astype(np.float64)


def first_varints(blobs: Sequence[bytes]) -> np.ndarray:
    """The first varint of each blob (SQLite's format: 7 bits a byte, high bit = more
    follows), decoded for all blobs at once: FTS5 keeps a row's size per column as varints, and
    decoding a large index's rows one by one in Python is most of a cold start."""
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
