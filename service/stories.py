"""Stories: the articles that report the same event share a story id, given as each article is
indexed. A new article joins the story of the most alike earlier article dated within
STORY_DAYS of it (or undated) when their leads are close in meaning, or a little less close and
they name several of the same people, organisations and places; else it starts a story."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict

import numpy as np

from service.errors import InputError
from service.store import Store, StoryRow
from service.store.stories import CandidatePart, candidate_parts, in_part
from service.validate import normalise_date

MAX_LIST = 1000  # stories one listing holds at most
STORY_DAYS = 3  # how far apart two reports of one event may be dated
CANDIDATES = 500  # earlier articles (the most recently added in the window) compared at most
POOL_PARTS = 16  # candidate lists (date windows, undated, all) a transaction's pool keeps
# how alike two leads must be (cosine of their embeddings) to be one story: on their own, or
# with SHARED_NAMES names in common; chosen on the seeds (one story) against PolNeAR dev
# (2016 campaign coverage: same-topic reports of different events stay apart), see the docs
ALONE, WITH_NAMES, SHARED_NAMES = 0.60, 0.52, 4


def story_id_for(doc_id: str) -> str:
    """A new story's id: stable for the article that starts it, opaque to everyone else."""
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:12]


def assign_story(
    tx: sqlite3.Connection,
    store: Store,
    doc_id: str,
    date: str | None,
    lead: np.ndarray | None,
    dim: int,
    pool: CandidatePool | None = None,
) -> str:
    """Gives the article (already written in `tx`) its story and returns the story's id.
    `pool`: the candidates of the articles written in the same transaction before it."""
    story = _best_story(store, doc_id, date, lead, dim, pool) or story_id_for(doc_id)
    store.set_story(tx, doc_id, story)
    if pool is not None:
        pool.written(doc_id, date, story, lead)
    return story


Candidate = tuple[str, str, str | None, np.ndarray]  # doc_id, story_id, date, lead


class CandidatePool:
    """The articles new ones may join, for the articles of one transaction: each part of the
    candidates (service.store.stories.candidate_parts) read from the database once, then kept
    as the transaction's own articles are written. A run of short articles made one query per
    article, most of the time of indexing them."""

    def __init__(self, store: Store, dim: int, max_parts: int = POOL_PARTS) -> None:
        self.store = store
        self.dim = dim
        self.max_parts = max_parts
        # part -> its candidates newest first (CANDIDATES + 1 at most) and their ids; the
        # parts used last kept (a unit of articles of many dates would hold hundreds): one let
        # go is read again, with what the transaction wrote, when it is needed again
        self.parts: OrderedDict[CandidatePart, tuple[list[Candidate], set[str]]] = OrderedDict()

    def candidates(self, doc_id: str, date: str | None) -> tuple[list[tuple[str, str]], np.ndarray]:
        """As Store.story_candidates, from the pool."""
        rows: list[Candidate] = []
        for part in candidate_parts(date, STORY_DAYS):
            rows += [r for r in self._part(part) if r[0] != doc_id][:CANDIDATES]
        leads = np.stack([r[3] for r in rows]) if rows else np.zeros((0, self.dim), np.float32)
        return [(d, s) for d, s, _, _ in rows], leads

    def written(self, doc_id: str, date: str | None, story: str, lead: np.ndarray | None) -> None:
        for part, (rows, ids) in self.parts.items():
            if doc_id in ids:  # a replaced article's older copy
                rows[:] = [r for r in rows if r[0] != doc_id]
                ids.discard(doc_id)
            if lead is not None and in_part(part, date):
                rows.insert(0, (doc_id, story, date, lead))
                ids.add(doc_id)
                if len(rows) > CANDIDATES + 1:
                    ids.discard(rows.pop()[0])

    def _part(self, part: CandidatePart) -> list[Candidate]:
        if part in self.parts:
            self.parts.move_to_end(part)
            return self.parts[part][0]
        found = self.store.candidate_rows(part, CANDIDATES + 1)
        leads = self.store.embedding_matrix([e for *_, e in found], self.dim)
        rows = [(d, s, t, leads[n]) for n, (d, s, t, _) in enumerate(found)]
        self.parts[part] = (rows, {r[0] for r in rows})
        while len(self.parts) > self.max_parts:
            self.parts.popitem(last=False)
        return rows


def same_story(similarity: float, shared_names: int) -> bool:
    """The rule, in one place."""
    return similarity >= ALONE or (similarity >= WITH_NAMES and shared_names >= SHARED_NAMES)


def _best_story(
    store: Store,
    doc_id: str,
    date: str | None,
    lead: np.ndarray | None,
    dim: int,
    pool: CandidatePool | None,
) -> str | None:
    """The story of the most alike candidate that is alike enough, if any."""
    if lead is None:
        return None
    if pool is not None:
        candidates, leads = pool.candidates(doc_id, date)
    else:
        candidates, leads = store.story_candidates(doc_id, date, STORY_DAYS, CANDIDATES, dim)
    if not candidates:
        return None
    similarity = (leads @ lead).tolist()
    own: set[tuple[str, str]] | None = None  # read only when names could decide
    for n in sorted(range(len(candidates)), key=similarity.__getitem__, reverse=True):
        other, story = candidates[n]
        if same_story(similarity[n], 0):
            return story
        if own is None:
            own = store.entity_keys([doc_id]).get(doc_id, set())
        if not same_story(similarity[n], len(own)):
            return None  # no less alike one can be, even sharing every name
        shared = len(own & store.entity_keys([other]).get(other, set()))
        if same_story(similarity[n], shared):
            return story
    return None


def list_stories(store: Store, since: str | None, limit: int, at_least: int) -> list[StoryRow]:
    """Stories newest first, `at_least` articles each, with an article dated `since` or
    later; `limit` of them."""
    for name, value, low in (("limit", limit, 1), ("at_least", at_least, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_LIST:
            raise InputError(f"{name} must be between {low} and {MAX_LIST}, got {value!r}")
    return store.list_stories(normalise_date(since) if since else None, limit, at_least)
