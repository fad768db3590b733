"""manifest.json: which model built the index and which database generation the FAISS file
holds. Written atomically; SQLite stays the source of truth for everything else."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from service.errors import IndexCorrupt
from service.vectors import fsync_dir

MANIFEST_NAME = "manifest.json"
FORMAT = "newsearch-index/1"


@dataclass(frozen=True)
class Manifest:
    model: str
    dim: int
    generation: int  # the database generation the vectors file was written at
    vectors_sha256: str
    vectors_rows: int
    format: str = FORMAT


def read_manifest(index_dir: Path) -> Manifest | None:
    """None when there is no manifest yet (a fresh index, or a kill before the first save)."""
    path = index_dir / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        manifest = Manifest(**data)
        if manifest.format != FORMAT or not isinstance(manifest.dim, int):
            raise ValueError(f"unknown format {manifest.format!r}")
        return manifest
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(
            f"{path} is damaged ({str(exc)[:80]}); run `newsearch check --repair` to rewrite it"
        ) from None


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=index_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(manifest), handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, index_dir / MANIFEST_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(index_dir)
