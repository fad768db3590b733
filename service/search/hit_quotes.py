"""The quotes a search result's passage holds, with offsets into the result's text."""

from __future__ import annotations

from service.records import Hit
from service.store import Store


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
