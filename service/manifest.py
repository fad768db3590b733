"""manifest.json: which model built the index, which database generation the FAISS file
holds, the FAISS file's checksum and, after a clean close, the database file's checksum. It
carries a checksum of itself, so a damaged manifest is named as such. Written atomically."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from service.errors import IndexCorrupt
from service.fileutil import replace_atomically, sha256_file

MANIFEST_NAME = "manifest.json"
FORMAT = "newsearch-index/2"
REPAIR = "run `newsearch check --repair` to rewrite it from the database"


@dataclass(frozen=True)
class Manifest:
    model: str
    dim: int
    generation: int  # the database generation the vectors file was written at
    vectors_sha256: str
    vectors_rows: int
    # sha256 of newsearch.db as a writer left it at a clean close; None while a writer has the
    # index open (or was killed), when the file legitimately changes without a new manifest
    database_sha256: str | None = None
    format: str = FORMAT

    def with_database(self, digest: str | None) -> Manifest:
        return replace(self, database_sha256=digest)


def _self_digest(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def read_manifest(index_dir: Path, name: str = MANIFEST_NAME) -> Manifest | None:
    """None when there is no manifest yet (a fresh index, or a kill before the first save).
    `name`: the file's (a second encoder's vectors have a manifest of their own)."""
    path = index_dir / name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {path} ({exc.strerror}); {REPAIR}") from None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, this newsearch writes {FORMAT!r}")
        claimed = data.pop("manifest_sha256", None)
        if claimed != _self_digest(data):
            raise ValueError("its checksum does not match its content")
        return Manifest(**data)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{path} is damaged ({str(exc)[:80]}); {REPAIR}") from None


def write_manifest(index_dir: Path, manifest: Manifest, name: str = MANIFEST_NAME) -> None:
    fields = asdict(manifest)
    fields["manifest_sha256"] = _self_digest(asdict(manifest))
    text = json.dumps(fields, indent=2)
    replace_atomically(
        index_dir / name, lambda tmp: tmp.write_text(text, "utf-8"), prefix=".manifest-"
    )


def verify_database(
    index_dir: Path, db_name: str, manifest: Manifest | None, digest: str | None = None
) -> None:
    """Checks the database file against the checksum a clean close recorded (if any).
    `digest`: the file's sha256 if the caller already computed it."""
    if manifest is None or manifest.database_sha256 is None:
        return
    path = index_dir / db_name
    try:
        if digest is None:
            digest = sha256_file(path)
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {path} ({exc.strerror})") from None
    if digest != manifest.database_sha256:
        raise IndexCorrupt(
            f"{path} does not match the checksum recorded when it was last closed: it was "
            "damaged or changed outside newsearch; restore a snapshot (`newsearch snapshot`) "
            "or re-index with `newsearch index`"
        )
