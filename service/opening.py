"""Opening an index directory: take the writer lock if asked, verify the files, check the model
against the one the index was built with, and load (or recover) the vectors."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from service.config import Settings
from service.encoders import Encoder, LazyEncoder, load_encoder, model_id
from service.encoders.models import split_model_id
from service.ensemble import SecondList
from service.errors import IndexMismatch, IndexMissing
from service.indexfiles import IndexFiles
from service.locks import WriterLock
from service.store import DB_NAME, Store, peek_meta
from service.vectors import VectorIndex


@dataclass
class OpenedIndex:
    """The parts of an open index, for the facade (service.newsindex) to assemble."""

    settings: Settings
    files: IndexFiles
    store: Store
    vectors: VectorIndex
    model: str
    dim: int
    encoder: LazyEncoder
    writer_lock: WriterLock | None
    created: bool = False  # this open made the index
    root: Path = Path(".")  # the folder files' ids are relative to (NewsIndex.root)
    second: SecondList | None = None  # a second encoder's dense list (service.ensemble)


def open_index(
    settings: Settings,
    *,
    encoder: Encoder | None = None,
    writable: bool = False,
    create: bool = False,
    one_shot: bool = False,
) -> OpenedIndex:
    """Opens (or with create=True makes) the index in settings.index_dir. A writable index
    holds the directory's writer lock until the caller releases it. `one_shot`: a read-only
    open for a question or two (`newsearch ask`) memory-maps the vector file instead of
    reading it: far quicker to open a large index, slower per search, so long-lived readers
    read it (docs/benchmarks)."""
    files = IndexFiles(settings.index_dir)
    created = not files.exists()
    if created:
        if not create:
            raise IndexMissing(
                f"no index in '{files.dir}' — build one with "
                f"`newsearch index seeds --index-dir {files.dir}`"
            )
        files.create()
    lock = WriterLock(files.dir) if writable else None
    if lock:
        lock.acquire()
    try:
        if writable:
            files.remove_orphans()
        manifest, digests = files.verified_manifest(writable=writable)
        store = Store(files.db)
        wanted = encoder.name if encoder else model_id(settings.model, settings.backend)
        model = store.get_meta("model")
        if model is None:  # a new index takes the model's identity, which needs the model
            encoder = encoder or _load(settings)
            with store.transaction() as tx:
                store.set_meta(tx, "model", wanted)
                store.set_meta(tx, "dim", str(encoder.dim))
                # files' ids are relative to the folder the index is made from (NewsIndex.root)
                here = os.path.relpath(Path.cwd().resolve(), Path(files.dir).resolve())
                store.set_meta(tx, "root", Path(here).as_posix())
                if settings.second_model:  # a second dense list, chosen as the index is made
                    second_encoder = _load_second(settings.second_model, settings)
                    store.set_meta(tx, "second_model", second_encoder.name)
                    store.set_meta(tx, "second_dim", str(second_encoder.dim))
            model = wanted
        elif model != wanted:
            raise IndexMismatch(
                f"index '{files.dir}' was built with model {model!r}, not {wanted!r}; use "
                f"that model (--model/--backend), or re-embed the index with "
                f"`newsearch rebuild --model {settings.model!r} --backend "
                f"{settings.backend} --index-dir {files.dir}`"
            )
        dim = int(store.get_meta("dim") or 0)
        # the folder the index was made from, recorded relative to it (so a project folder
        # moved whole keeps its ids); an index from before that was recorded: its parent
        root = (Path(files.dir).resolve() / (store.get_meta("root") or "..")).resolve()
        vectors = files.load_vectors(
            store,
            manifest,
            model,
            dim,
            policy=settings.ann_policy(),
            save=writable,
            digest=digests.get(files.vectors),
            mapped=one_shot and not writable,
        )
        second = _second_list(settings, files, store, writable=writable, one_shot=one_shot)
    except BaseException:
        if lock:
            lock.release()
        raise
    lazy = LazyEncoder.of(encoder) if encoder else LazyEncoder(model, dim, lambda: _load(settings))
    return OpenedIndex(
        settings, files, store, vectors, model, dim, lazy, lock, created, root, second
    )


def _second_list(
    settings: Settings, files: IndexFiles, store: Store, *, writable: bool, one_shot: bool
) -> SecondList | None:
    """The second encoder's list the index records, its vectors loaded (or rebuilt from
    SQLite, as the first's are)."""
    model = store.get_meta("second_model")
    asked = settings.second_model
    if asked and model != model_id(asked, settings.backend):
        kept = f"a second list of {model!r}" if model else "no second model"
        raise IndexMismatch(
            f"index '{files.dir}' keeps {kept}, not {asked!r}; add (or replace) it with "
            f"`newsearch rebuild --add-model {asked} --index-dir {files.dir}`"
        )
    if not model:
        return None
    dim = int(store.get_meta("second_dim") or 0)
    vectors = files.load_vectors(
        store,
        files.read_manifest(files.second),
        model,
        dim,
        policy=settings.ann_policy(),
        save=writable,
        mapped=one_shot and not writable,
        which=files.second,
    )
    name, backend = split_model_id(model)
    encoder = LazyEncoder(
        model, dim, lambda: load_encoder(name, backend or settings.backend, settings.cache_dir)
    )
    return SecondList(model, dim, encoder, vectors)


def _load_second(name: str, settings: Settings) -> Encoder:
    return load_encoder(name, settings.backend, settings.cache_dir)


def recorded_model(index_dir: Path) -> str | None:
    """The model an existing index records, read without opening it (None: no index there,
    or one not readable now; opening it will say why)."""
    return peek_meta(index_dir / DB_NAME, "model")


def _load(settings: Settings) -> Encoder:
    return load_encoder(settings.model, settings.backend, settings.cache_dir)
