"""The language of each article as stored (service.language): written with the article, read
for results and filters, and the articles not yet read for it (a part of Store: every
statement runs on `self.conn`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable


class Languages:
    @property
    def conn(self) -> sqlite3.Connection:  # Store's, one per thread
        raise NotImplementedError

    def save_language(self, tx: sqlite3.Connection, doc_id: str, language: str | None) -> None:
        tx.execute("INSERT OR REPLACE INTO languages VALUES (?, ?)", (doc_id, language))

    def languages_of(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Article id -> its language, for those whose language is known."""
        rows = self.conn.execute(
            "SELECT doc_id, language FROM languages WHERE language IS NOT NULL "
            "AND doc_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(doc_ids)),),
        )
        return {str(d): str(lang) for d, lang in rows}

    def languages_differ(self) -> bool:
        """Whether the articles are in more than one known language (two index lookups)."""
        # one aggregate a subquery: SQLite reads each from the index, both in one would scan
        low, high = self.conn.execute(
            "SELECT (SELECT min(language) FROM languages), (SELECT max(language) FROM languages)"
        ).fetchone()
        return low is not None and low != high

    def passage_languages(self, ids: Iterable[int]) -> dict[int, str]:
        """Passage id -> its article's language, for those whose language is known."""
        rows = self.conn.execute(
            "SELECT p.id, l.language FROM passages p JOIN languages l ON l.doc_id = p.doc_id "
            "WHERE l.language IS NOT NULL AND p.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return {int(i): str(lang) for i, lang in rows}

    def without_language(self, limit: int) -> list[tuple[str, str, str]]:
        """(doc_id, title, text) of up to `limit` articles not yet read for their language."""
        rows = self.conn.execute(
            "SELECT d.doc_id, d.title, d.text FROM documents d "
            "WHERE NOT EXISTS (SELECT 1 FROM languages l WHERE l.doc_id = d.doc_id) LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(d), str(title), str(text)) for d, title, text in rows]

    def language_counts(self, limit: int = 200) -> list[tuple[str, int]]:
        """Each known language and how many articles are written in it, the most first."""
        rows = self.conn.execute(
            "SELECT language, count(*) FROM languages WHERE language IS NOT NULL "
            "GROUP BY language ORDER BY count(*) DESC, language LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(lang), int(n)) for lang, n in rows]
