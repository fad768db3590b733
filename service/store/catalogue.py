"""The articles as a catalogue: one of them, pages of them, counts, sources, dates; the reads
that list rather than search (a part of Store: every statement runs on `self.conn`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from service.records import source_of
from service.store.rows import DocumentRow, StoredPassage
from service.store.schema import DOCUMENT_SELECT, PASSAGE_SELECT


class Catalogue:
    @property
    def conn(self) -> sqlite3.Connection:  # Store's, one per thread
        raise NotImplementedError

    def document(self, doc_id: str) -> DocumentRow | None:
        row = self.conn.execute(f"{DOCUMENT_SELECT} WHERE d.doc_id = ?", (doc_id,)).fetchone()
        return None if row is None else DocumentRow(*row)

    def document_passages(self, doc_id: str) -> list[StoredPassage]:
        rows = self.conn.execute(
            f"{PASSAGE_SELECT} WHERE p.doc_id = ? ORDER BY p.paragraph", (doc_id,)
        ).fetchall()
        return [StoredPassage(*row) for row in rows]

    def list_documents(self, offset: int, limit: int) -> list[DocumentRow]:
        rows = self.conn.execute(
            f"{DOCUMENT_SELECT} ORDER BY d.doc_id LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
        return [DocumentRow(*row) for row in rows]

    def recent_articles(self, limit: int) -> list[tuple[str, str]]:
        """(title, text) of the newest articles (by date, then by when they were added)."""
        rows = self.conn.execute(
            "SELECT title, text FROM documents ORDER BY date IS NULL, date DESC, added_at DESC, "
            "doc_id LIMIT ?",
            (limit,),
        )
        return [(str(title), str(text)) for title, text in rows]

    def counts(self) -> tuple[int, int]:
        docs = self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        passages = self.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        return int(docs), int(passages)

    def outlets(self, limit: int = 200) -> list[tuple[str, int]]:
        """Sources (records.source_of) with their article counts, most articles first."""
        rows = self.conn.execute(
            "SELECT source_of(outlet, source_path, doc_id) AS o, count(*) FROM documents "
            "GROUP BY o ORDER BY count(*) DESC, o LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    def article_fields(self, ids: Iterable[int]) -> list[tuple[str, str, str | None, str | None]]:
        """(doc_id, source, date, language) of each distinct article those passages belong to."""
        # one row back (a JSON array) rather than a row an article, and the source named
        # here rather than by a call back into Python for every row: the cheaper read
        (found,) = self.conn.execute(
            "SELECT json_group_array(json_array(doc_id, outlet, source_path, date, language)) "
            "FROM (SELECT DISTINCT d.doc_id, d.outlet, d.source_path, d.date, l.language "
            "FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
            "LEFT JOIN languages l ON l.doc_id = d.doc_id "
            "WHERE p.id IN (SELECT value FROM json_each(?)))",
            (json.dumps(list(ids)),),
        ).fetchone()
        rows = json.loads(found)
        return [
            (doc, source_of(outlet, path, doc), day, language)
            for doc, outlet, path, day, language in rows
        ]

    def newest_date(self) -> str | None:
        """The date of the newest dated article."""
        row = self.conn.execute("SELECT max(date) FROM documents").fetchone()
        return None if row is None or row[0] is None else str(row[0])
