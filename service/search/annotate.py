"""What a search result carries beside its passage: the quotes the passage holds (offsets into
the result's text), the story its article belongs to, with how many outlets report it, and the
language it is written in."""

from __future__ import annotations

from service.records import Hit
from service.store import Store


def annotate(store: Store, hits: list[Hit], passage_ids: list[int]) -> None:
    """Sets each result's quotes, story and language (`passage_ids`: the results' passages, in
    order)."""
    attach_quotes(store, hits, passage_ids)
    doc_ids = {h.doc_id for h in hits}
    stories = store.stories_of(doc_ids)
    languages = store.languages_of(doc_ids)
    for hit in hits:
        hit.story_id, hit.story_outlets = stories.get(hit.doc_id, (None, 0))
        hit.language = languages.get(hit.doc_id)


def attach_quotes(store: Store, hits: list[Hit], passage_ids: list[int]) -> None:
    """Sets each result's `quotes` (`passage_ids`: the results' passages, in order): those
    its passage holds, whole or in part, with offsets into the result's text (clipped to it)."""
    found = store.passage_quotes(passage_ids)
    for hit, pid in zip(hits, passage_ids, strict=True):
        cut = len(hit.text)
        hit.quotes = [
            {
                "start": max(q.start - hit.start, 0),
                "end": min(q.end - hit.start, cut),
                "speaker": q.speaker,
                "cue": q.cue,
            }
            for q in found.get(pid, [])
            if q.start - hit.start < cut
        ]
