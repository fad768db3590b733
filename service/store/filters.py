"""A search's filters as SQL: the one place they become a condition over passages and their
articles."""

from __future__ import annotations

from service.records import outlet_key
from service.store.attributions import ENTITY_KINDS, name_clause, name_pattern
from service.store.rows import DocumentFilter


def where_clause(filters: DocumentFilter) -> tuple[str, list[str]]:
    """The SQL condition (over passages `p` and their documents `d`) and its arguments for a
    search's filters."""
    clauses: list[str] = []
    args: list[str] = []
    if filters.outlet:
        # every spelling of the outlet (records.outlet_key), found among the distinct
        # outlets once, not per article
        clauses.append(
            "(d.outlet IN (SELECT o FROM (SELECT DISTINCT outlet AS o FROM documents) "
            "WHERE outlet_key(o) = ?) OR d.source_path = ? OR d.doc_id = ?)"
        )
        args += [outlet_key(filters.outlet), filters.outlet, filters.outlet]
    if filters.date_from:
        clauses.append("d.date >= ?")
        args.append(filters.date_from)
    if filters.date_to:
        # a full timestamp on the last day still counts as that day
        clauses.append("substr(d.date, 1, 10) <= ?")
        args.append(filters.date_to[:10])
    if filters.doc_id:
        clauses.append("d.doc_id = ?")
        args.append(filters.doc_id)
    if filters.speaker:  # a passage holding (part of) one of the speaker's quotes
        clauses.append(
            "p.id IN (SELECT s.id FROM quotes q CROSS JOIN passages s ON s.doc_id = q.doc_id "
            f"AND q.start < s.end AND q.end > s.start WHERE {name_clause('q.speaker_key')})"
        )
        args.append(name_pattern(filters.speaker))
    for kind in ENTITY_KINDS:  # a passage naming the person, organisation or place
        name = getattr(filters, kind)
        if name:
            clauses.append(
                "p.id IN (SELECT s.id FROM entities e CROSS JOIN passages s ON s.doc_id = e.doc_id "
                "AND e.start >= s.start AND e.start < s.end "
                f"WHERE e.kind = ? AND {name_clause('e.key')})"
            )
            args += [kind, name_pattern(name)]
    if filters.language:
        clauses.append("d.doc_id IN (SELECT doc_id FROM languages WHERE language = ?)")
        args.append(filters.language)
    if filters.story:
        clauses.append("d.doc_id IN (SELECT doc_id FROM stories WHERE story_id = ?)")
        args.append(filters.story)
    return (" AND ".join(clauses) or "1"), args
