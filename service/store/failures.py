"""What a SQLite error means for the person who met it: the one place that tells a full disk,
a damaged file, a busy database and a read-only file apart (the CLI and the API render the
NewsearchError it gives)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service.errors import IndexBusy, IndexCorrupt, NewsearchError, ReadOnly
from service.fileutil import disk_full_error

_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_FULL = {"SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}


def translate(exc: sqlite3.Error, path: Path | str | None = None) -> NewsearchError:
    """The NewsearchError for a SQLite error on the database at `path`."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    where = str(path) if path else "the index database"
    text = str(exc)
    if name in _FULL or name.startswith("SQLITE_FULL") or "disk is full" in text:
        return disk_full_error(where)
    if name in _DAMAGED or name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return IndexCorrupt(
            f"{where} is damaged ({text}): restore a snapshot (`newsearch serve --index-dir "
            "SNAPSHOT`) or rebuild the index with `newsearch index`"
        )
    if name in _BUSY or name.startswith("SQLITE_BUSY"):
        return IndexBusy(f"{where} is busy ({text}); retry in a moment")
    if name.startswith("SQLITE_READONLY"):
        return ReadOnly(f"{where} cannot be written ({text}): check the files' permissions")
    error = NewsearchError(f"the index database failed ({name or type(exc).__name__}: {text})")
    error.status, error.code = 500, "database_error"
    return error
