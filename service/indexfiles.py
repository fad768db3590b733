"""The files of an index directory: their names, the FAISS vectors with the manifest that vouches
for them (saved after SQLite commits, rebuilt from SQLite when they lag behind it), and the
checksums that tell damage from a legitimate change."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from service.errors import IndexCorrupt, IndexDamaged
from service.fileutil import sha256_file, sha256_files
from service.manifest import (
    MANIFEST_NAME,
    Manifest,
    read_manifest,
    verify_database,
    write_manifest,
)
from service.store import DB_NAME, PRIMARY, SECOND, Store
from service.vectors import AnnPolicy, VectorIndex

VECTORS_NAME = "vectors.faiss"
SECOND_VECTORS_NAME = "vectors-second.faiss"  # a second encoder's (service.ensemble)
SECOND_MANIFEST_NAME = "manifest-second.json"
WRITER_LOCK_NAME = ".writer"


@dataclass(frozen=True)
class VectorFiles:
    """One dense list's files: its FAISS vectors, the manifest that vouches for them, and the
    SQLite table its vectors are rebuilt from."""

    vectors: Path
    manifest: str
    table: str


class IndexFiles:
    """One index directory's files."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = index_dir
        self.db = index_dir / DB_NAME
        self.vectors = index_dir / VECTORS_NAME
        self.manifest = index_dir / MANIFEST_NAME
        self.primary = VectorFiles(self.vectors, MANIFEST_NAME, PRIMARY)
        self.second = VectorFiles(index_dir / SECOND_VECTORS_NAME, SECOND_MANIFEST_NAME, SECOND)

    def exists(self) -> bool:
        return self.db.exists()

    def create(self) -> None:
        """Makes the directory, readable by its owner alone."""
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)

    def remove_orphans(self) -> list[Path]:
        """Removes the temp files of saves a kill interrupted (only a writer makes them, so the
        holder of the writer lock may); returns what it removed."""
        orphans = [p for pattern in (".vectors-*", ".manifest-*") for p in self.dir.glob(pattern)]
        for path in orphans:
            path.unlink(missing_ok=True)
        return orphans

    def read_manifest(self, which: VectorFiles | None = None) -> Manifest | None:
        return read_manifest(self.dir, (which or self.primary).manifest)

    def verified_manifest(self, *, writable: bool) -> tuple[Manifest | None, dict[Path, str]]:
        """The manifest, after checking the database against the checksum a clean close
        recorded (both files are hashed at once then; their digests come back, so the vector
        file need not be hashed twice). A writer clears that checksum: from now on the
        database changes legitimately until it closes."""
        manifest = read_manifest(self.dir)
        digests: dict[Path, str] = {}
        if manifest is not None and manifest.database_sha256 is not None:
            digests = sha256_files([self.db, self.vectors])
        verify_database(self.dir, DB_NAME, manifest, digests.get(self.db))
        if writable and manifest is not None and manifest.database_sha256 is not None:
            manifest = manifest.with_database(None)
            write_manifest(self.dir, manifest)
        return manifest, digests

    def load_vectors(
        self,
        store: Store,
        manifest: Manifest | None,
        model: str,
        dim: int,
        *,
        policy: AnnPolicy,
        save: bool,
        digest: str | None = None,
        mapped: bool = False,
        which: VectorFiles | None = None,
    ) -> VectorIndex:
        """The vectors the manifest vouches for, or, when the database moved on after they were
        saved (a kill mid-write, or a fresh index), rebuilt from the embeddings stored in
        SQLite (nothing is re-embedded) and, with `save`, saved. `which`: the list (the
        model's own by default, or a second encoder's, with its own manifest)."""
        which = which or self.primary
        generation = store.generation()
        if manifest is not None and manifest.generation == generation:
            if manifest.model != model or manifest.dim != dim:
                raise IndexCorrupt(
                    f"{self.dir / which.manifest} names model {manifest.model!r} but the "
                    f"database says {model!r}; run `newsearch check --repair`"
                )
            vectors = VectorIndex.load(
                which.vectors, dim, manifest.vectors_sha256, policy.nprobe, digest, mapped=mapped
            )
            if len(vectors) != manifest.vectors_rows:
                raise IndexCorrupt(
                    f"{which.vectors} row count disagrees with the manifest; "
                    "run `newsearch check --repair`"
                )
            return vectors
        vectors = rebuild_vectors(store, dim, policy, which.table)
        if save:
            self.save_vectors(vectors, model, dim, generation, which)
        return vectors

    def save_vectors(
        self,
        vectors: VectorIndex,
        model: str,
        dim: int,
        generation: int,
        which: VectorFiles | None = None,
    ) -> None:
        """The vector file, then the manifest naming it (each replaced atomically)."""
        which = which or self.primary
        digest = vectors.save(which.vectors)
        manifest = Manifest(model, dim, generation, digest, len(vectors))
        write_manifest(self.dir, manifest, which.manifest)

    def drop_second(self) -> None:
        """Removes a second encoder's files (the database's rows go in their transaction)."""
        for path in (self.second.vectors, self.dir / self.second.manifest):
            path.unlink(missing_ok=True)

    def seal(self, generation: int) -> None:
        """After a clean close (the WAL folded in): records the database's checksum, so the
        next open can tell damage from a legitimate change. Only when the manifest's vectors
        are those of this generation."""
        manifest = read_manifest(self.dir)
        if manifest is not None and manifest.generation == generation:
            write_manifest(self.dir, manifest.with_database(sha256_file(self.db)))

    def damaged(self, problems: list[str]) -> IndexDamaged:
        """The error for a database its check found damaged, with the way out."""
        return IndexDamaged(
            f"{self.db} is damaged ({problems[0][:120]}): restore a snapshot (`newsearch serve "
            "--index-dir SNAPSHOT`, or copy its files back) or rebuild with `newsearch index`"
        )

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.dir.iterdir() if p.is_file())


def rebuild_vectors(
    store: Store, dim: int, policy: AnnPolicy | None = None, table: str = PRIMARY
) -> VectorIndex:
    """A vector index of every stored embedding (of `table`), shaped as the policy says for
    its size, read from one snapshot of the database a slice at a time."""
    with store.snapshot():
        ids = store.passage_ids(table)
        return VectorIndex.build_from(
            ids, lambda positions: store.embeddings(ids[positions], dim, table), dim, policy
        )
