"""Who said what, as stored: each article's quotes and entities (service.attribution), written
with the article, read per article, per passage and per speaker, and counted for facets (a
part of Store: every statement runs on `self.conn`)."""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from service.attribution.records import Analysis, name_key
from service.store.rows import StoredQuote
from service.store.schema import QUOTE_SELECT

ENTITY_KINDS = ("person", "org", "place")


def name_clause(column: str) -> str:
    """SQL that holds when a name key in `column` contains the argument's words as whole words
    ("blinken" finds "antony blinken"): the one rule for speaker and entity filters."""
    return f"(' ' || {column} || ' ') LIKE ? ESCAPE '\\'"


def name_pattern(name: str) -> str:
    key = name_key(name).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {key} %"


class Attributions:
    @property
    def conn(self) -> sqlite3.Connection:  # Store's, one per thread
        raise NotImplementedError

    # --- writes (inside a transaction) ---------------------------------------------------
    def save_analysis(
        self, tx: sqlite3.Connection, doc_id: str, analysis: Analysis, pipeline: str
    ) -> None:
        """Replaces the article's quotes and entities with these."""
        tx.execute("DELETE FROM quotes WHERE doc_id = ?", (doc_id,))
        tx.execute("DELETE FROM entities WHERE doc_id = ?", (doc_id,))
        tx.executemany(
            "INSERT INTO quotes (doc_id, start, end, kind, speaker, speaker_key, speaker_start, "
            "speaker_end, cue, cue_start, cue_end, role) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    doc_id,
                    q.start,
                    q.end,
                    q.kind,
                    q.speaker,
                    name_key(q.speaker) if q.speaker else None,
                    q.speaker_start,
                    q.speaker_end,
                    q.cue,
                    q.cue_start,
                    q.cue_end,
                    q.role,
                )
                for q in analysis.quotes
            ),
        )
        tx.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)",
            ((doc_id, e.start, e.end, e.kind, e.name, name_key(e.name)) for e in analysis.entities),
        )
        tx.execute("INSERT OR REPLACE INTO analysed VALUES (?, ?)", (doc_id, pipeline))
        self._save_passage_names(tx, doc_id, analysis)

    def _save_passage_names(self, tx: sqlite3.Connection, doc_id: str, analysis: Analysis) -> None:
        """Each passage's names, as the facets count them: the entities that start in it and
        the speakers of the quotes that lie in it, one JSON list a passage."""
        tx.execute("DELETE FROM passage_names WHERE doc_id = ?", (doc_id,))
        spans = tx.execute(
            "SELECT id, start, end FROM passages WHERE doc_id = ? ORDER BY start", (doc_id,)
        ).fetchall()
        starts = [start for _, start, _ in spans]
        names: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
        for e in analysis.entities:  # by position, not passage by passage: a page may be huge
            n = bisect_right(starts, e.start) - 1
            if n >= 0 and e.start < spans[n][2]:
                names[spans[n][0]].add((e.kind, name_key(e.name), e.name))
        for q in analysis.quotes:
            if not q.speaker:
                continue
            n = max(bisect_right(starts, q.start) - 1, 0)
            while n < len(spans) and spans[n][1] < q.end:
                if spans[n][2] > q.start:
                    names[spans[n][0]].add(("speaker", name_key(q.speaker), q.speaker))
                n += 1
        rows = [
            (pid, doc_id, json.dumps(sorted(found), ensure_ascii=False))
            for pid, found in names.items()
        ]
        tx.executemany("INSERT INTO passage_names VALUES (?, ?, ?)", rows)

    def unanalysed(self, pipeline: str, limit: int) -> list[tuple[str, str]]:
        """(doc_id, text) of articles not yet analysed by this pipeline."""
        rows = self.conn.execute(
            "SELECT d.doc_id, d.text FROM documents d LEFT JOIN analysed a "
            "ON a.doc_id = d.doc_id WHERE a.pipeline IS NOT ? ORDER BY d.doc_id LIMIT ?",
            (pipeline, limit),
        )
        return [(str(doc), str(text)) for doc, text in rows]

    # --- reads ---------------------------------------------------------------------------
    def document_quotes(self, doc_id: str) -> list[StoredQuote]:
        rows = self.conn.execute(
            f"{QUOTE_SELECT} WHERE q.doc_id = ? ORDER BY q.start", (doc_id,)
        ).fetchall()
        return [StoredQuote(*row) for row in rows]

    def passage_quotes(self, ids: Iterable[int]) -> dict[int, list[StoredQuote]]:
        """Passage id -> the quotes that lie in it, whole or in part, in text order."""
        rows = self.conn.execute(
            f"SELECT p.id, {QUOTE_SELECT.strip().removeprefix('SELECT')} "
            "JOIN passages p ON p.doc_id = q.doc_id AND q.start < p.end AND q.end > p.start "
            "WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.id, q.start",
            (json.dumps(list(ids)),),
        ).fetchall()
        found: dict[int, list[StoredQuote]] = defaultdict(list)
        for pid, *quote in rows:
            found[pid].append(StoredQuote(*quote))
        return found

    def speaker_quotes(
        self, speaker: str, limit: int, passage_ids: list[int] | None = None
    ) -> list[StoredQuote]:
        """The quotes of speakers whose name holds `speaker`'s words, newest first (undated
        last); with `passage_ids`, only those lying in one of those passages."""
        where = name_clause("q.speaker_key")
        args: list[object] = [name_pattern(speaker)]
        if passage_ids is not None:
            where += (
                " AND EXISTS (SELECT 1 FROM passages p WHERE p.doc_id = q.doc_id AND "
                "q.start < p.end AND q.end > p.start AND p.id IN (SELECT value FROM json_each(?)))"
            )
            args.append(json.dumps(passage_ids))
        rows = self.conn.execute(
            f"{QUOTE_SELECT} WHERE {where} "
            "ORDER BY d.date IS NULL, d.date DESC, q.doc_id, q.start LIMIT ?",
            [*args, limit],
        ).fetchall()
        return [StoredQuote(*row) for row in rows]

    def story_quotes(self, story_id: str) -> list[StoredQuote]:
        """The quotes of a story's articles, oldest first (undated last)."""
        rows = self.conn.execute(
            f"{QUOTE_SELECT} WHERE q.doc_id IN (SELECT doc_id FROM stories WHERE story_id = ?) "
            "ORDER BY d.date IS NULL, d.date, d.added_at, q.doc_id, q.start",
            (story_id,),
        ).fetchall()
        return [StoredQuote(*row) for row in rows]

    def entity_counts(self, passage_ids: list[int]) -> dict[str, list[tuple[str, int]]]:
        """For people, organisations, places and speakers: (name, articles) among the articles
        of those passages that name them (or quote them) in one of those passages."""
        rows = self.conn.execute(
            "SELECT doc_id, names FROM passage_names WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(passage_ids),),
        ).fetchall()
        articles: dict[tuple[str, str], set[str]] = defaultdict(set)
        spelling: dict[tuple[str, str], str] = {}
        for doc, names in rows:
            for kind, key, name in json.loads(names):
                articles[kind, key].add(doc)
                spelling.setdefault((kind, key), name)
        found: dict[tuple[str, str], list[Any]] = {
            k: [spelling[k], len(docs)] for k, docs in articles.items()
        }
        by_last: dict[tuple[str, str], list[str]] = defaultdict(list)
        for kind, key in found:
            if " " in key:
                by_last[kind, key.rsplit(" ", 1)[1]].append(key)
        # "Blinken" alone is the "Antony Blinken" of other articles (within an article the
        # names are one already, so the counts add up)
        for kind, key in list(found):
            fuller = by_last.get((kind, key), []) if " " not in key else []
            if len(fuller) == 1:
                found[kind, fuller[0]][1] += found.pop((kind, key))[1]
        counts: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for (kind, _), (name, n) in found.items():
            counts[kind].append((str(name), int(n)))
        return counts
