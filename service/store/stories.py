"""Stories as stored: which story each article belongs to, the articles a new one may join,
and stories listed with their outlets, dates and headline (a part of Store: every statement
runs on `self.conn`)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from service.records import source_of
from service.validate import shift_day


@dataclass
class StoryRow:
    """A story: its articles' count, outlets, first and last dates, and a headline (its
    earliest article's title)."""

    story_id: str
    articles: int
    outlets: list[str]
    first_date: str | None
    last_date: str | None
    headline: str
    doc_ids: list[str] = field(default_factory=list)


class StoryRows:
    @property
    def conn(self) -> sqlite3.Connection:  # Store's, one per thread
        raise NotImplementedError

    def embedding_matrix(self, blobs: list[bytes], dim: int) -> np.ndarray:  # Store's
        raise NotImplementedError

    def set_story(self, tx: sqlite3.Connection, doc_id: str, story_id: str) -> None:
        """Puts the (written) article in a story, out of any it was in."""
        self.leave_story(tx, doc_id)
        tx.execute("INSERT INTO stories VALUES (?, ?)", (doc_id, story_id))
        tx.execute(
            "INSERT INTO story_sources SELECT ?, source_of(outlet, source_path, doc_id), 1 "
            "FROM documents WHERE doc_id = ? "
            "ON CONFLICT (story_id, source) DO UPDATE SET articles = articles + 1",
            (story_id, doc_id),
        )

    def leave_story(self, tx: sqlite3.Connection, doc_id: str) -> None:
        """Takes the article out of its story (before it is deleted or moved)."""
        row = tx.execute(
            "SELECT s.story_id, source_of(d.outlet, d.source_path, d.doc_id) FROM stories s "
            "JOIN documents d ON d.doc_id = s.doc_id WHERE s.doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return
        tx.execute("DELETE FROM stories WHERE doc_id = ?", (doc_id,))
        tx.execute(
            "UPDATE story_sources SET articles = articles - 1 WHERE story_id = ? AND source = ?",
            row,
        )
        tx.execute("DELETE FROM story_sources WHERE story_id = ? AND articles <= 0", row[:1])

    def count_story_sources(self, tx: sqlite3.Connection) -> None:
        """story_sources from the stories, for an index whose stories came before it."""
        tx.execute("DELETE FROM story_sources")
        tx.execute(
            "INSERT INTO story_sources SELECT s.story_id, "
            "source_of(d.outlet, d.source_path, d.doc_id) AS source, count(*) FROM stories s "
            "JOIN documents d ON d.doc_id = s.doc_id GROUP BY s.story_id, source"
        )

    def story_candidates(
        self, doc_id: str, date: str | None, days: int, limit: int, dim: int
    ) -> tuple[list[tuple[str, str]], np.ndarray]:
        """(doc_id, story_id) of the articles a new one dated `date` may be the same story as,
        and their leads' embeddings (one row each): those dated within `days` of it, and
        undated ones; the most recently added first, `limit` of each at most."""
        rows = []
        for part in candidate_parts(date, days):
            rows += [r for r in self.candidate_rows(part, limit + 1) if r[0] != doc_id][:limit]
        return [(d, s) for d, s, _, _ in rows], self.embedding_matrix([e for *_, e in rows], dim)

    def candidate_rows(
        self, part: CandidatePart, limit: int
    ) -> list[tuple[str, str, str | None, bytes]]:
        """(doc_id, story_id, date, lead embedding) of the `limit` most recently added
        articles of one part of a new article's candidates (candidate_parts). Read through
        indexes (date, added_at): a scan of every article for each new one made indexing
        quadratic."""
        select = (
            "SELECT d.doc_id, s.story_id, d.date, p.embedding FROM documents d {by} "
            "JOIN stories s ON s.doc_id = d.doc_id JOIN passages p ON p.id = "
            "(SELECT min(q.id) FROM passages q WHERE q.doc_id = d.doc_id) "
            "WHERE 1 {where} ORDER BY d.added_at DESC LIMIT ?"
        )
        if part == ALL:  # an undated article's: the newest articles, whatever their date
            query = select.format(by="INDEXED BY documents_added", where="")
            rows = self.conn.execute(query, (limit,)).fetchall()
        elif part == UNDATED:
            query = select.format(by="INDEXED BY documents_undated", where="AND d.date IS NULL")
            rows = self.conn.execute(query, (limit,)).fetchall()
        else:
            query = select.format(by="", where="AND d.date >= ? AND d.date < ?")
            rows = self.conn.execute(query, (*part, limit)).fetchall()
        return [(str(d), str(s), t, e) for d, s, t, e in rows]

    def entity_keys(self, doc_ids: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
        """(kind, name key) of the entities each article names."""
        rows = self.conn.execute(
            "SELECT DISTINCT doc_id, kind, key FROM entities "
            "WHERE doc_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(doc_ids)),),
        )
        found: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for doc, kind, key in rows:
            found[doc].add((kind, key))
        return found

    def without_story(self, limit: int) -> list[tuple[str, str | None, int]]:
        """(doc_id, date, lead passage id) of articles with no story yet, oldest first."""
        rows = self.conn.execute(
            "SELECT d.doc_id, d.date, (SELECT min(p.id) FROM passages p "
            "WHERE p.doc_id = d.doc_id) FROM documents d LEFT JOIN stories s "
            "ON s.doc_id = d.doc_id WHERE s.doc_id IS NULL "
            "ORDER BY d.date IS NULL, d.date, d.added_at, d.rowid LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            (str(d), None if t is None else str(t), -1 if p is None else int(p)) for d, t, p in rows
        ]

    def stories_of(self, doc_ids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Article id -> (its story, how many outlets the story's articles come from)."""
        rows = self.conn.execute(
            "SELECT s.doc_id, s.story_id, (SELECT count(*) FROM story_sources x "
            "WHERE x.story_id = s.story_id) FROM stories s "
            "WHERE s.doc_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(doc_ids)),),
        )
        return {str(d): (str(s), int(n)) for d, s, n in rows}

    def list_stories(
        self, since: str | None, limit: int, min_articles: int = 1, story: str | None = None
    ) -> list[StoryRow]:
        """Stories newest first (by their last date; undated last), with at least
        `min_articles` articles and, with `since`, an article on or after that date (`story`:
        that one alone)."""
        rows = self.conn.execute(
            "SELECT s.story_id, d.doc_id, d.title, d.date, d.outlet, d.source_path, "
            "(SELECT substr(p.text, 1, 200) FROM passages p WHERE p.doc_id = d.doc_id "
            "ORDER BY p.id LIMIT 1) FROM stories s JOIN documents d ON d.doc_id = s.doc_id "
            "WHERE s.story_id IN ("
            "SELECT t.story_id FROM stories t JOIN documents e ON e.doc_id = t.doc_id "
            "WHERE ? IS NULL OR t.story_id = ? "
            "GROUP BY t.story_id HAVING count(*) >= ? AND (? IS NULL OR max(e.date) >= ?)) "
            "ORDER BY d.date IS NULL, d.date, d.added_at",
            (story, story, min_articles, since, since),
        ).fetchall()
        stories: dict[str, StoryRow] = {}
        for story_id, doc, title, date, outlet, path, lead in rows:
            row = stories.get(story_id)
            if row is None:
                row = stories[story_id] = StoryRow(
                    story_id, 0, [], date, date, title or _sentence(lead or "")
                )
            row.articles += 1
            row.doc_ids.append(doc)
            source = source_of(outlet, path, doc)
            if source not in row.outlets:
                row.outlets.append(source)
            if date and (row.last_date is None or date > row.last_date):
                row.last_date = date
            if date and row.first_date is None:
                row.first_date = date
            if not row.headline and title:
                row.headline = title
        ordered = sorted(
            stories.values(),
            key=lambda s: (s.last_date is not None, s.last_date or ""),
            reverse=True,
        )
        return ordered[:limit]


# the parts of a new article's candidates: every article (for an undated one), undated ones,
# or those dated in a window [first day, the day after the last)
ALL, UNDATED = "all", "undated"
CandidatePart = str | tuple[str, str]


def candidate_parts(date: str | None, days: int) -> list[CandidatePart]:
    """Where a new article dated `date` looks for the story it may join."""
    window = _window(date, days)
    return [ALL] if window is None else [window, UNDATED]


def in_part(part: CandidatePart, date: str | None) -> bool:
    """Whether an article dated `date` is among the candidates of that part."""
    if part == ALL:
        return True
    if part == UNDATED:
        return date is None
    return date is not None and part[0] <= date < part[1]


def _window(date: str | None, days: int) -> tuple[str, str] | None:
    """[first day, the day after the last) around an ISO date, as strings that compare as
    dates do (None: undated or unreadable)."""
    if not date:
        return None
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    return shift_day(day, -days), shift_day(day, days + 1)


def _sentence(text: str) -> str:
    """An untitled article's headline: its first sentence, or its first 200 characters."""
    for end in (". ", "? ", "! "):
        at = text.find(end)
        if 0 < at < 200:
            return text[: at + 1]
    return text.strip()
