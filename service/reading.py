"""What the index reads in an article beyond its passages, as it is written: its quotes and
entities (service.attribution), its language (service.language) and its story
(service.stories); and, for articles stored before any of these steps (or with analysis off),
each later without re-embedding."""

from __future__ import annotations

import logging
import sqlite3

import numpy as np

from service.attribution import OFF, Analyser, Analysis
from service.language import LanguageDetector
from service.records import Article
from service.store import Store
from service.stories import CandidatePool, assign_story

log = logging.getLogger("newsearch.index")
CATCH_UP_BATCH = 32  # older articles analysed and committed together


class Reading:
    def __init__(self, store: Store, pipeline: str, dim: int) -> None:
        self.store = store
        self.dim = dim
        self.analyser = None if pipeline == OFF else Analyser(pipeline)
        self.detector = LanguageDetector()

    def load(self) -> None:
        """Loads the models now (a one-off cost, kept out of a run's passages/s)."""
        self.detector.load()
        if self.analyser:
            self.analyser.nlp()

    def languages(self, articles: list[Article]) -> list[str | None]:
        return [self.detector.detect(a.title, a.text) for a in articles]

    def analyse(self, texts: list[str], languages: list[str | None]) -> list[Analysis | None]:
        """The articles' quotes and entities (None each when analysis is off; empty for an
        article in a language the pipeline is not made for). An article the rules fail on is
        logged and left unanalysed: it is indexed all the same."""
        analyser = self.analyser
        if analyser is None:
            return [None] * len(texts)
        readable = [n for n, lang in enumerate(languages) if analyser.reads(lang)]
        out: list[Analysis | None] = [Analysis() for _ in texts]
        found: list[Analysis | None]
        try:
            found = list(analyser.analyse_many([texts[n] for n in readable]))
        except Exception:  # find which article it was; keep the rest
            found = []
            for n in readable:
                try:
                    found.append(analyser.analyse(texts[n]))
                except Exception:
                    log.exception("finding the quotes of an article failed; it is indexed without")
                    found.append(None)
        for n, analysis in zip(readable, found, strict=True):
            out[n] = analysis
        return out

    def record(
        self,
        tx: sqlite3.Connection,
        doc_id: str,
        date: str | None,
        analysis: Analysis | None,
        language: str | None,
        lead: np.ndarray | None,
        pool: CandidatePool | None = None,
    ) -> None:
        """Stores, in the article's own transaction, its analysis, its language and its story
        (`lead`: its first passage's vector; `pool`: the transaction's, from
        candidate_pool())."""
        if analysis is not None and self.analyser is not None:
            self.store.save_analysis(tx, doc_id, analysis, self.analyser.pipeline)
        self.store.save_language(tx, doc_id, language)
        assign_story(tx, self.store, doc_id, date, lead, self.dim, pool)

    def candidate_pool(self) -> CandidatePool:
        """For the articles of one transaction: the stories they may join, read once."""
        return CandidatePool(self.store, self.dim)

    def catch_up(self) -> tuple[int, int, int]:
        """Reads the language of the stored articles with none read, analyses those the
        current pipeline has not, then gives the ones with no story theirs (oldest first, as if
        indexed in date order); returns how many of each. The caller holds the writer's
        mutex."""
        analysed = languages = storied = 0
        while unread := self.store.without_language(CATCH_UP_BATCH):
            found = [self.detector.detect(title, text) for _, title, text in unread]
            with self.store.transaction() as tx:
                for (doc_id, _, _), language in zip(unread, found, strict=True):
                    self.store.save_language(tx, doc_id, language)
            languages += len(unread)
        while self.analyser and (
            rows := self.store.unanalysed(self.analyser.pipeline, CATCH_UP_BATCH)
        ):
            known = self.store.languages_of(doc_id for doc_id, _ in rows)
            analyses = self.analyse(
                [text for _, text in rows], [known.get(doc_id) for doc_id, _ in rows]
            )
            with self.store.transaction() as tx:
                for (doc_id, _), analysis in zip(rows, analyses, strict=True):
                    # one the rules failed on is marked done, empty: it is not retried forever
                    self.store.save_analysis(
                        tx, doc_id, analysis or Analysis(), self.analyser.pipeline
                    )
            analysed += len(rows)
        while stories := self.store.without_story(CATCH_UP_BATCH):
            leads = self.store.vectors_for([p for _, _, p in stories if p >= 0], self.dim)
            with self.store.transaction() as tx:
                pool = self.candidate_pool()
                for doc_id, date, passage in stories:
                    lead = leads.get(passage)
                    assign_story(tx, self.store, doc_id, date, lead, self.dim, pool)
            storied += len(stories)
        return analysed, languages, storied
