"""What a search result carries beside its passage: the quotes the passage holds (offsets into
the result's text) and the story its article belongs to, with how many outlets report it."""

from __future__ import annotations

from service.records import Hit
from service.store import Store


def annotate(store: Store, hits: list[Hit], passage_ids: list[int]) -> None:
    """Sets each result's quotes and story (`passage_ids`: the results' passages, in order)."""
    attach_quotes(store, hits, passage_ids)
    stories = store.stories_of({h.doc_id for h in hits})
    for hit in hits:
        hit.story_id, hit.story_outlets = stories.get(hit.doc_id, (None, 0))


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
