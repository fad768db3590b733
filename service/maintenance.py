"""Whole-index operations: verify (`newsearch check`), repair what SQLite can rebuild, re-embed
every passage with another model (`newsearch rebuild`), and take a consistent copy of a live
index (`newsearch snapshot`)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from service.config import Settings
from service.encoders import Encoder, load_encoder
from service.encoders.models import split_model_id
from service.errors import IndexCorrupt, IndexMissing, InputError, NewsearchError
from service.indexfiles import (
    VECTORS_NAME,
    IndexFiles,
    VectorFiles,
    rebuild_vectors,
)
from service.locks import WriterLock
from service.manifest import MANIFEST_NAME
from service.newsindex import NewsIndex
from service.search import MODES, SearchRequest
from service.store import DB_NAME, SECOND, Store
from service.vectors import VectorIndex

STALE = f"{VECTORS_NAME} is older than the database (a write was interrupted)"
STALE_HEALS = "the next writable open rebuilds it from SQLite; nothing is lost"


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # states that heal themselves, nothing lost
    documents: int = 0
    passages: int = 0
    damaged: bool = False  # the database itself: only a snapshot (or re-indexing) helps

    @property
    def ok(self) -> bool:
        return not self.problems


def _existing(settings: Settings) -> IndexFiles:
    files = IndexFiles(settings.index_dir)
    if not files.exists():
        raise IndexMissing(f"no index in '{files.dir}'")
    return files


def check(settings: Settings, *, repair: bool = False) -> CheckReport:
    """Verifies SQLite integrity, the manifest, FAISS ids against SQLite, and that every stored
    vector is finite and unit length. With repair, rewrites the FAISS file and manifest from
    SQLite (no re-embedding); a damaged database cannot be repaired here."""
    files = _existing(settings)
    report = CheckReport()
    lock = WriterLock(files.dir) if repair else None
    if lock:
        lock.acquire()
    try:
        manifest_problem = None
        try:
            files.verified_manifest(writable=False)
        except IndexCorrupt as exc:
            if MANIFEST_NAME not in exc.message:
                report.problems.append(exc.message)
                report.damaged = True
                return report  # the database cannot be repaired from itself
            manifest_problem = exc.message  # rewritten below from the database
        store = Store(files.db)
        try:
            report.problems += [f"{DB_NAME}: {e}" for e in store.integrity_errors()]
            if report.problems:
                report.damaged = True
                return report  # nothing below can be trusted; restore a snapshot
            report.documents, report.passages = store.counts()
            model, dim = store.get_meta("model") or "", int(store.get_meta("dim") or 0)
            ids, vecs = store.all_vectors(dim)
            norms = np.linalg.norm(vecs, axis=1) if len(vecs) else np.zeros(0)
            bad = ~np.isfinite(vecs).all(axis=1) | (np.abs(norms - 1) > 1e-3)
            if bad.any():
                report.problems.append(
                    f"{DB_NAME}: {int(bad.sum())} stored embeddings are not finite unit vectors "
                    "(passage ids " + ", ".join(map(str, ids[bad][:5])) + ")"
                )
            problem = manifest_problem or _check_vectors(files, store, model, dim, ids)
            _settle(settings, files, store, report, problem, model, dim, files.primary, repair)
            _check_second(settings, files, store, ids, report, repair=repair)
        finally:
            store.close()
    finally:
        if lock:
            lock.release()
    return report


def _check_vectors(
    files: IndexFiles,
    store: Store,
    model: str,
    dim: int,
    ids: np.ndarray,
    which: VectorFiles | None = None,
) -> str | None:
    which = which or files.primary
    name = which.manifest
    try:
        manifest = files.read_manifest(which)
        if manifest is None:
            return f"{name} is missing"
        if manifest.model != model or manifest.dim != dim:
            return f"{name} names {manifest.model!r}/{manifest.dim}, database {model!r}/{dim}"
        if manifest.generation != store.generation():
            return STALE
        vectors = VectorIndex.load(which.vectors, dim, manifest.vectors_sha256)
    except IndexCorrupt as exc:
        return exc.message
    faiss_ids = np.sort(vectors.ids())
    if not np.array_equal(faiss_ids, np.sort(ids)):
        held = f"{which.vectors.name} holds {len(faiss_ids)} ids"
        return f"{held}, the database {len(ids)}: they differ"
    return None


def _check_second(
    settings: Settings,
    files: IndexFiles,
    store: Store,
    ids: np.ndarray,
    report: CheckReport,
    *,
    repair: bool,
) -> None:
    """A second encoder's list: a stored vector for every passage, and its FAISS file and
    manifest (rebuilt from SQLite with `repair`; a stale one heals at the next writable open)."""
    model = store.get_meta("second_model")
    if not model:
        return
    dim = int(store.get_meta("second_dim") or 0)
    held = store.passage_ids(SECOND)
    if not np.array_equal(held, ids):
        report.problems.append(
            f"{len(ids)} passages, {len(held)} vectors of the second model {model!r}: run "
            f"`newsearch rebuild --add-model {split_model_id(model)[0]}`"
        )
        return
    problem = _check_vectors(files, store, model, dim, ids, files.second)
    _settle(settings, files, store, report, problem, model, dim, files.second, repair)


def _settle(
    settings: Settings,
    files: IndexFiles,
    store: Store,
    report: CheckReport,
    problem: str | None,
    model: str,
    dim: int,
    which: VectorFiles,
    repair: bool,
) -> None:
    """What check does with one list's finding: a stale file is a note (the next writable
    open heals it) unless repairing; any other problem is reported and, with `repair`, the
    file and its manifest rebuilt from SQLite."""
    name = which.vectors.name
    if problem == STALE and not repair:
        report.notes.append(
            f"{name} is older than the database (a write was interrupted): " + STALE_HEALS
        )
    elif problem:
        report.problems.append(problem)
        if repair:
            vectors = rebuild_vectors(store, dim, settings.ann_policy(), which.table)
            files.save_vectors(vectors, model, dim, store.generation(), which)
            report.repaired.append(f"rebuilt {name} and {which.manifest} from SQLite")
            report.problems.remove(problem)


def rebuild_with_model(
    settings: Settings, progress: Callable[[int], None] | None = None
) -> tuple[int, str]:
    """Re-embeds every stored passage with settings.model in one transaction and rewrites the
    vectors: the articles' text comes from SQLite, so the original files are not needed."""
    with _writing(settings) as (files, store):
        encoder, rows, vecs = _embed_stored(store, settings.model, settings, progress)
        with store.transaction() as tx:
            store.set_embeddings(tx, [pid for pid, _ in rows], vecs)
            store.set_meta(tx, "model", encoder.name)
            store.set_meta(tx, "dim", str(encoder.dim))
            generation = store.bump_generation(tx)
        vectors = rebuild_vectors(store, encoder.dim, settings.ann_policy())
        files.save_vectors(vectors, encoder.name, encoder.dim, generation)
        _save_second(settings, files, store, generation)
        return len(rows), encoder.name


def _save_second(settings: Settings, files: IndexFiles, store: Store, generation: int) -> None:
    """A second encoder's vector file (if the index keeps one) rebuilt from SQLite and saved
    at this generation, beside a first list just saved at it."""
    model = store.get_meta("second_model")
    if model:
        dim = int(store.get_meta("second_dim") or 0)
        vectors = rebuild_vectors(store, dim, settings.ann_policy(), SECOND)
        files.save_vectors(vectors, model, dim, generation, files.second)


def add_second_model(
    settings: Settings, name: str, progress: Callable[[int], None] | None = None
) -> tuple[int, str]:
    """Embeds every stored passage with a second model and keeps its dense list beside the
    first (service.ensemble), replacing any second list the index had: the text comes from
    SQLite, the first list is left as it is. One transaction; the second's vector file is
    built from what it wrote."""
    with _writing(settings, verify=True) as (files, store):
        encoder, rows, vecs = _embed_stored(store, name, settings, progress)
        files.drop_second()  # a crash from here rebuilds it from what SQLite holds
        with store.transaction() as tx:
            store.clear_second(tx)
            store.set_second_embeddings(tx, [pid for pid, _ in rows], vecs)
            store.set_meta(tx, "second_model", encoder.name)
            store.set_meta(tx, "second_dim", str(encoder.dim))
        vectors = rebuild_vectors(store, encoder.dim, settings.ann_policy(), SECOND)
        files.save_vectors(vectors, encoder.name, encoder.dim, store.generation(), files.second)
        return len(rows), encoder.name


def drop_second_model(settings: Settings) -> str:
    """Stops keeping the second model's dense list: its vectors go from SQLite in one
    transaction, then its files; the index searches with its own model alone again. The
    model dropped; InputError where the index keeps none."""
    with _writing(settings) as (files, store):
        model = store.get_meta("second_model")
        if not model:
            raise InputError(f"index '{files.dir}' keeps no second model")
        files.verified_manifest(writable=True)  # the database is about to change
        with store.transaction() as tx:
            store.clear_second(tx)
            store.delete_meta(tx, "second_model")
            store.delete_meta(tx, "second_dim")
        files.drop_second()  # a crash before this leaves files nothing reads
        return split_model_id(model)[0]


def _embed_stored(
    store: Store, name: str, settings: Settings, progress: Callable[[int], None] | None
) -> tuple[Encoder, list[tuple[int, str]], np.ndarray]:
    """Every stored passage embedded with the model `name`: the encoder, (id, text) rows and
    their vectors, refused where the model gave a non-finite one."""
    encoder = load_encoder(name, settings.backend, settings.cache_dir)
    rows = store.passage_texts()
    vecs = encoder.encode(
        [text for _, text in rows], batch_size=settings.batch_size, progress=progress
    )
    if len(vecs) and not np.isfinite(vecs).all():
        raise NewsearchError("the model produced non-finite vectors")
    return encoder, rows, vecs


@contextlib.contextmanager
def _writing(settings: Settings, *, verify: bool = False) -> Iterator[tuple[IndexFiles, Store]]:
    """The index's files and database with its writer lock held; with `verify`, the database
    checked against its manifest first, as it is about to change."""
    files = _existing(settings)
    lock = WriterLock(files.dir)
    lock.acquire()
    try:
        if verify:
            files.verified_manifest(writable=True)
        store = Store(files.db)
        try:
            yield files, store
        finally:
            store.close()
    finally:
        lock.release()


@dataclass(frozen=True)
class SnapshotInfo:
    path: str
    documents: int
    passages: int
    generation: int


def snapshot(settings: Settings, dest: Path) -> SnapshotInfo:
    """A consistent copy of a live index: SQLite's online backup (one read transaction, so
    writers are never blocked and the copy is one point in time), then the FAISS file and
    manifest rebuilt from the copy's stored embeddings. `newsearch serve --index-dir DEST`
    opens it; restoring is pointing at it."""
    source = _existing(settings)
    if dest.exists() and any(dest.iterdir()):
        raise InputError(f"snapshot destination '{dest}' exists and is not empty")
    copy = IndexFiles(dest)
    copy.create()
    origin = Store(source.db)
    try:
        origin.backup_to(copy.db)
    finally:
        origin.close()
    store = Store(copy.db)
    try:
        model, dim = store.get_meta("model") or "", int(store.get_meta("dim") or 0)
        generation = store.generation()
        vectors = rebuild_vectors(store, dim, settings.ann_policy())
        copy.save_vectors(vectors, model, dim, generation)
        _save_second(settings, copy, store, generation)
        documents, passages = store.counts()
        store.checkpoint()
    finally:
        store.close()
    copy.seal(generation)  # a snapshot is closed cleanly: record its checksum
    return SnapshotInfo(str(dest), documents, passages, generation)


def prune_snapshots(folder: Path, keep: int, prefix: str = "snapshot-") -> list[Path]:
    """Removes all but the `keep` newest snapshots named `prefix<UTC time>` in `folder` (those a
    server makes); returns what it removed."""
    if keep < 1 or not folder.is_dir():
        return []
    made = sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(prefix))
    old = made[: max(0, len(made) - keep)]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old


def search_ok(index: NewsIndex) -> bool:
    """A smoke search through every mode (after recovery): dense must find something in an
    index that holds articles."""
    docs, _ = index.counts()
    for mode in MODES:
        hits = index.search(SearchRequest("news", k=1, mode=mode, highlight=False)).results
        if docs and mode == "dense" and not hits:
            return False
    return True
