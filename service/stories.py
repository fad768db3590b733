"""Stories: the articles that report the same event share a story id, given as each article is
indexed. A new article joins the story of the most alike earlier article dated within
STORY_DAYS of it (or undated) when their leads are close in meaning, or a little less close and
they name several of the same people, organisations and places; else it starts a story."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np

from service.errors import InputError
from service.store import Store, StoryRow
from service.validate import normalise_date

MAX_LIST = 1000  # stories one listing holds at most
STORY_DAYS = 3  # how far apart two reports of one event may be dated
CANDIDATES = 500  # earlier articles (the most recently added in the window) compared at most
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
) -> str:
    """Gives the article (already written in `tx`) its story and returns the story's id."""
    story = _best_story(store, doc_id, date, lead, dim) or story_id_for(doc_id)
    store.set_story(tx, doc_id, story)
    return story


def same_story(similarity: float, shared_names: int) -> bool:
    """The rule, in one place."""
    return similarity >= ALONE or (similarity >= WITH_NAMES and shared_names >= SHARED_NAMES)


def _best_story(
    store: Store, doc_id: str, date: str | None, lead: np.ndarray | None, dim: int
) -> str | None:
    """The story of the most alike candidate that is alike enough, if any."""
    if lead is None:
        return None
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
