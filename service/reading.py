"""What the index reads in an article beyond its passages, as it is written: its quotes and
entities (service.attribution) and its story (service.stories); and, for articles stored before
either step (or with analysis off), both later without re-embedding."""

from __future__ import annotations

import logging
import sqlite3

import numpy as np

from service.attribution import OFF, Analyser, Analysis
from service.store import Store
from service.stories import CandidatePool, assign_story

log = logging.getLogger("newsearch.index")
CATCH_UP_BATCH = 32  # older articles analysed and committed together


class Reading:
    def __init__(self, store: Store, pipeline: str, dim: int) -> None:
        self.store = store
        self.dim = dim
        self.analyser = None if pipeline == OFF else Analyser(pipeline)

    def load(self) -> None:
        """Loads the pipeline now (a one-off cost, kept out of a run's passages/s)."""
        if self.analyser:
            self.analyser.nlp()

    def analyse(self, texts: list[str]) -> list[Analysis | None]:
        """The articles' quotes and entities (None each when analysis is off). An article the
        rules fail on is logged and left unanalysed: it is indexed all the same."""
        if self.analyser is None:
            return [None] * len(texts)
        try:
            return list(self.analyser.analyse_many(texts))
        except Exception:  # find which article it was; keep the rest
            out: list[Analysis | None] = []
            for text in texts:
                try:
                    out.append(self.analyser.analyse(text))
                except Exception:
                    log.exception("finding the quotes of an article failed; it is indexed without")
                    out.append(None)
            return out

    def record(
        self,
        tx: sqlite3.Connection,
        doc_id: str,
        date: str | None,
        analysis: Analysis | None,
        lead: np.ndarray | None,
        pool: CandidatePool | None = None,
    ) -> None:
        """Stores, in the article's own transaction, its analysis and its story (`lead`: its
        first passage's vector; `pool`: the transaction's, from candidate_pool())."""
        if analysis is not None and self.analyser is not None:
            self.store.save_analysis(tx, doc_id, analysis, self.analyser.pipeline)
        assign_story(tx, self.store, doc_id, date, lead, self.dim, pool)

    def candidate_pool(self) -> CandidatePool:
        """For the articles of one transaction: the stories they may join, read once."""
        return CandidatePool(self.store, self.dim)

    def catch_up(self) -> tuple[int, int]:
        """Analyses the stored articles the current pipeline has not, then gives the ones
        with no story theirs (oldest first, as if indexed in date order); returns how many of
        each. The caller holds the writer's mutex."""
        analysed = storied = 0
        while self.analyser and (
            rows := self.store.unanalysed(self.analyser.pipeline, CATCH_UP_BATCH)
        ):
            analyses = self.analyse([text for _, text in rows])
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
        return analysed, storied
