"""Readers that turn files and folders of articles (.txt, .md, .html, .jsonl, web crawls and
feeds) into Articles."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.errors import InputError
from service.ingest.decoding import Decoded, decode
from service.ingest.feeds import FEED, items_from_feed
from service.ingest.html import article_from_html
from service.ingest.jsonl import article_from_fields, articles_from_jsonl
from service.ingest.text import article_from_text
from service.ingest.units import Unit, jsonl_range, line_number, plan_units
from service.ingest.warc import WARC, is_warc, pages_from_warc
from service.records import Article
from service.validate import check_doc_id

__all__ = [
    "SUPPORTED",
    "Notice",
    "Skipped",
    "article_from_fields",
    "collect_articles",
    "discover",
    "doc_id_for",
    "plan_units",
    "read_articles",
    "read_unit",
]

HTML = (".html", ".htm", ".xhtml")
SUPPORTED = (".txt", ".md", ".markdown", *HTML, ".jsonl", *WARC, *FEED)
MAX_FILE_BYTES = 50 * 1024 * 1024  # one .txt/.md/.html article or feed; .jsonl and WARC stream


@dataclass(frozen=True)
class Skipped:
    """An input that was not indexed, and why (one line for a person)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Notice:
    """An input that was indexed, with something its owner should know (one line)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def discover(
    paths: list[Path], *, follow_links: bool = False, skipped: list[Skipped] | None = None
) -> list[Path]:
    """Every supported regular file under `paths` (folders recursively, hidden names left
    out), sorted; InputError for a path that does not exist or a file of an unsupported type
    named directly. Left out, each added to `skipped`: FIFOs, devices and sockets (reading
    one blocks or never ends), and, unless `follow_links`, a link in a folder that leads out
    of it (a link to /etc/passwd is not an article of the archive). A file named directly
    is read through its links: its name was the user's choice."""
    found: list[Path] = []
    left: list[Skipped] = [] if skipped is None else skipped
    for path in paths:
        if not path.exists():
            raise InputError(f"{str(path)!r} does not exist")
        if path.is_dir():
            found += _walk(path, follow_links, left)
        elif not supported(path):
            raise InputError(
                f"{str(path)!r} is not a supported article file ({', '.join(SUPPORTED)})"
            )
        elif _regular(path, left):
            found.append(path)
    unique: dict[Path, None] = dict.fromkeys(p.resolve() for p in found)
    return list(unique)


def _walk(folder: Path, follow_links: bool, skipped: list[Skipped]) -> list[Path]:
    base = folder.resolve()
    out = f"a link out of {shown(str(folder))} (--follow-links follows it)"
    seen = {base}  # followed links can loop
    found = []
    for top, dirs, files in os.walk(folder, followlinks=follow_links):
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            sub = Path(top, name)
            real = sub.resolve()
            if sub.is_symlink() and not follow_links:
                if not real.is_relative_to(base):
                    skipped.append(Skipped(shown(str(sub)), out))
            elif real not in seen:
                seen.add(real)
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            path = Path(top, name)
            if name.startswith(".") or not supported(path):
                continue
            if not follow_links and path.is_symlink() and not path.resolve().is_relative_to(base):
                skipped.append(Skipped(shown(str(path)), out))
            elif _regular(path, skipped):
                found.append(path)
    return sorted(found)


def supported(path: Path) -> bool:
    return path.name.lower().endswith(SUPPORTED)


def _regular(path: Path, skipped: list[Skipped]) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # a broken link, a file gone since the listing
        skipped.append(Skipped(shown(str(path)), f"cannot read ({exc.strerror or exc})"))
        return False
    if stat.S_ISREG(mode):
        return True
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    skipped.append(Skipped(shown(str(path)), f"{kind}, not a file (skipped)"))
    return False


def doc_id_for(path: Path, root: Path) -> str:
    """Stable id of a file: its real path (links and `..` resolved) relative to `root` (the
    folder that holds the index: NewsIndex.root), else absolute; InputError when that cannot
    be an id (control characters, bytes that are not UTF-8: service.validate)."""
    resolved = path.resolve()
    try:
        name = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        name = resolved.as_posix()
    try:
        return check_doc_id(name)
    except InputError as exc:
        raise InputError(
            f"{shown(name)}: its name cannot be an article id ({exc.message})"
        ) from None


def shown(name: str) -> str:
    """A file name as it can be printed (bytes that are not UTF-8 as \\x escapes)."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


Read = Article | Skipped | Notice


def read_articles(files: list[Path], root: Path) -> Iterator[Read]:
    for path in files:
        yield from _read_file(path, root)


def read_unit(unit: Unit, root: Path) -> Iterator[Read]:
    """The articles of one work unit, in input order."""
    for part in unit.parts:
        path = Path(part.path)
        if path.suffix.lower() == ".jsonl":
            yield from _read_jsonl(path, root, part.start, part.end)
        elif is_warc(path):
            yield from _read_warc(path, root, part.start, part.end)
        else:
            yield from _read_file(path, root)


def _read_jsonl(path: Path, root: Path, start: int = 0, end: int | None = None) -> Iterator[Read]:
    """The articles of the lines that start in [start, end) of a .jsonl file; a bad line is
    named by its line number in the file."""
    try:
        doc_id = doc_id_for(path, root)
    except InputError as exc:
        yield Skipped(shown(str(path)), exc.message)
        return
    try:
        lines = jsonl_range(path, start, end)
        for item in articles_from_jsonl(lines, source_path=doc_id):
            if isinstance(item, Article):
                yield item
            elif isinstance(item[1], str):
                yield Notice(f"{doc_id}:{line_number(path, start, item[0])}", item[1])
            else:
                yield Skipped(f"{doc_id}:{line_number(path, start, item[0])}", item[1].message)
    except OSError as exc:
        yield Skipped(doc_id, f"cannot read ({exc.strerror or exc})")


def _read_warc(path: Path, root: Path, start: int = 0, end: int | None = None) -> Iterator[Read]:
    """The pages of the records that start in [start, end) of a WARC file, each named by its
    address and the file."""
    try:
        doc_id = doc_id_for(path, root)
    except InputError as exc:
        yield Skipped(shown(str(path)), exc.message)
        return
    try:
        for item in pages_from_warc(path, doc_id, start, end):
            if isinstance(item, Article):
                yield item
            elif item[0]:
                yield Skipped(f"{doc_id}: {item[0]}", item[1])
            else:
                yield Notice(doc_id, item[1])
    except InputError as exc:
        yield Skipped(doc_id, exc.message)
    except OSError as exc:
        yield Skipped(doc_id, f"cannot read ({exc.strerror or exc})")


def _read_feed(path: Path, doc_id: str) -> Iterator[Read]:
    data = _read_bytes(path)
    for item in items_from_feed(data, source_path=doc_id, where=doc_id):
        if isinstance(item, Article):
            yield item
        elif item[1].startswith("note: "):
            yield Notice(f"{doc_id}: {item[0]}", item[1].removeprefix("note: "))
        else:
            yield Skipped(f"{doc_id}: {item[0]}", item[1])


def _read_file(path: Path, root: Path) -> Iterator[Read]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _read_jsonl(path, root)
        return
    if is_warc(path):
        yield from _read_warc(path, root)
        return
    try:
        doc_id = doc_id_for(path, root)
    except InputError as exc:
        yield Skipped(shown(str(path)), exc.message)
        return
    notes: list[str] = []
    try:
        if suffix in FEED:
            yield from _read_feed(path, doc_id)
            return
        decoded = _read_text(path, html=suffix in HTML)
        raw = decoded.text
        if decoded.guessed:
            yield Notice(doc_id, f"not UTF-8 and no charset declared: read as {decoded.encoding}")
        if suffix in HTML:
            yield article_from_html(doc_id, raw, source_path=doc_id)
        else:
            article = article_from_text(
                doc_id,
                raw,
                markdown=suffix in (".md", ".markdown"),
                source_path=doc_id,
                notes=notes,
            )
            if not article.text:
                yield Skipped(doc_id, "no news text in the file")
            else:
                yield article
    except InputError as exc:
        yield Skipped(doc_id, exc.message)
    except OSError as exc:
        yield Skipped(doc_id, f"cannot read ({exc.strerror or exc})")
    yield from (Notice(doc_id, note) for note in notes)


def _read_text(path: Path, *, html: bool) -> Decoded:
    return decode(_read_bytes(path), html=html)


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as handle:  # bounded by what is read: a reported size can lie
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"file is over the {MAX_FILE_BYTES:,}-byte limit for one article")
    return data


def collect_articles(
    paths: list[Path], root: Path, *, follow_links: bool = False
) -> tuple[list[Article], list[Skipped], list[Notice]]:
    """All articles under `paths`, what was skipped and the notices; InputError for a
    missing path."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    notices: list[Notice] = []
    files = discover(paths, follow_links=follow_links, skipped=skipped)
    for item in read_articles(files, root):
        if isinstance(item, Article):
            articles.append(item)
        elif isinstance(item, Skipped):
            skipped.append(item)
        else:
            notices.append(item)
    return articles, skipped, notices
