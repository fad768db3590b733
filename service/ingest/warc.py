"""Web crawls as news archives hold them: WARC files (.warc, .warc.gz; CC-News, Heritrix,
wget --warc-file, browsertrix). Each HTML response with status 200 is a page, read as a saved
page is; its id is the address it was captured from (the same address in two crawls is one
article, the later capture kept), its fallback date the capture's. Requests, metadata,
revisits, redirects, images and scripts are not articles and are counted, not listed."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.errors import InputError
from service.ingest.decoding import decode
from service.ingest.html import article_from_html
from service.records import Article
from service.validate import check_doc_id

WARC = (".warc", ".warc.gz")
MAX_PAGE_BYTES = 50 * 1024 * 1024  # as for a saved page
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC)


def record_offsets(path: Path) -> list[int]:
    """Where each record of the file starts (for splitting a crawl into work units; a gzip
    WARC can only be entered at a record's start)."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        return [records.get_record_offset() for _ in records]


def pages_from_warc(
    path: Path, source_path: str, start: int = 0, end: int | None = None
) -> Iterator[Article | tuple[str, str]]:
    """The articles of the records that start in [start, end) of a WARC file, each page that
    could not be read as (its address, why), and a last ("", a count of the records that are
    not pages) when there were any. InputError when the file is not a WARC file."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    others = 0
    with path.open("rb") as handle:
        handle.seek(start)
        _check_start(handle.read(4096))
        handle.seek(start)
        records = ArchiveIterator(handle, no_record_parse=False)
        try:
            for record in records:
                page = _page(record)  # read before asking the offset, which skips the rest
                if end is not None and records.get_record_offset() >= end:
                    break
                if page is None:
                    others += 1
                    continue
                try:
                    yield _article(record, page, source_path)
                except InputError as exc:
                    yield _uri(record) or "(no address)", exc.message
        except ArchiveLoadFailed as exc:
            raise InputError(f"not a readable WARC file ({str(exc).splitlines()[0]})") from None
    if others:
        yield "", f"{others:,} record(s) that are not HTML pages with status 200 left out"


def _check_start(head: bytes) -> None:
    """InputError unless `head` starts a WARC record, gzipped or not (warcio reads
    anything as records of some kind)."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 64)
        except zlib.error:
            head = b""
    if not head.startswith(b"WARC/"):
        raise InputError("not a readable WARC file (it does not start with a WARC record)")


def _page(record: Any) -> bytes | None:
    """The HTML payload of a page response (content and transfer encodings undone), else
    None."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    kind = (record.http_headers.get_header("Content-Type") or "").lower()
    if not kind.startswith(_HTML_TYPES):
        return None
    data = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        return b""  # named as too big by _article
    return bytes(data)


def _article(record: Any, page: bytes, source_path: str) -> Article:
    uri = _uri(record)
    if not uri:
        raise InputError("a response with no WARC-Target-URI")
    doc_id = check_doc_id(uri)
    if not page:
        raise InputError(f"page is empty or over the {MAX_PAGE_BYTES:,}-byte limit")
    kind = record.http_headers.get_header("Content-Type") or ""
    charset = kind.partition("charset=")[2].split(";")[0].strip(" \"'") or None
    text = decode(page, html=True, charset=charset).text
    return article_from_html(
        doc_id,
        text,
        source_path=source_path,
        url=uri,
        fallback_date=record.rec_headers.get_header("WARC-Date"),
    )


def _uri(record: Any) -> str:
    return (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
