"""Durable files: atomic replacement (temp file, fsync, rename, fsync of the folder) and sha256
checksums, for the index files that are not SQLite."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from service.errors import InsufficientStorage

_FULL = {errno.ENOSPC, errno.EDQUOT}


def replace_atomically(path: Path, write: Callable[[Path], object], *, prefix: str) -> str:
    """Calls write(tmp) on a temp file beside `path`, makes it durable and renames it over
    `path`, so a reader sees the old file or the new one, never a part. Returns the sha256 of
    what was written. A failed write leaves no temp file behind; a full disk raises
    InsufficientStorage."""
    try:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            with open(tmp, "rb+") as handle:
                digest = sha256_of(handle)
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(path.parent)
    except (OSError, RuntimeError) as exc:  # FAISS reports a failed write as RuntimeError
        if disk_full(exc):
            raise disk_full_error(path) from exc
        raise
    return digest


def disk_full_error(where: Path | str) -> InsufficientStorage:
    return InsufficientStorage(
        f"no space left on the disk that holds '{where}': free some space and retry "
        "(everything committed before is kept)"
    )


def disk_full(exc: BaseException) -> bool:
    """Whether an error is a full disk (or quota), as the OS or FAISS reports it."""
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return True
    return "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc)


def fsync_dir(path: Path) -> None:
    """Makes a rename inside `path` durable (POSIX keeps directory entries separately)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return sha256_of(handle)


def sha256_of(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def sha256_files(paths: list[Path]) -> dict[Path, str]:
    """sha256 of each file that exists and reads, hashed concurrently: hashlib releases the
    GIL, so on two cores a database and a vector file take about the time of the larger.
    Unreadable files are left out for the caller's own check to report."""

    def one(path: Path) -> tuple[Path, str | None]:
        try:
            return path, sha256_file(path)
        except OSError:
            return path, None

    with ThreadPoolExecutor(max_workers=max(1, len(paths))) as pool:
        found = list(pool.map(one, paths))
    return {path: digest for path, digest in found if digest is not None}


def cache_key(version: str, sources: list[Path]) -> str:
    """What names a cached product of `sources` (their paths, sizes and times) made by recipe
    `version`: a new file or recipe gets a new name, never a stale copy."""
    key = hashlib.sha256(version.encode())
    for p in sources:
        stat = p.stat()
        key.update(f"{p.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return key.hexdigest()[:16]
