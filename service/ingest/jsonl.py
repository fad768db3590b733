"""JSON Lines -> Articles: one article per line with `id` and `text`, optional `title`, `url`,
`date`, `outlet`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from service.errors import InputError
from service.ingest.cleaning import drop_noise
from service.ingest.metadata import read_date
from service.ingest.text import split_blocks
from service.records import Article
from service.validate import check_doc_id, check_text

MAX_LINE_BYTES = 10 * 1024 * 1024


def article_from_fields(
    fields: Any, *, source_path: str | None = None, notes: list[str] | None = None
) -> Article:
    """An Article from the JSONL/HTTP article fields; raises InputError naming what is wrong.
    A date that cannot be read is a note in `notes` and no date (an archive's line is kept),
    or, with `notes` None (a caller who can send it again), an InputError."""
    if not isinstance(fields, dict):
        raise InputError("an article must be a JSON object with 'id' and 'text'")
    doc_id = fields.get("id", fields.get("_id"))
    if not isinstance(doc_id, str | int) or isinstance(doc_id, bool):
        raise InputError("article has no 'id' (a string)")
    doc_id = check_doc_id(str(doc_id))
    text = fields.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"article {doc_id!r} has no 'text'")
    check_text(text, f"article {doc_id!r}: 'text'")
    optional: dict[str, str | None] = {}
    for key in ("title", "url", "date", "outlet"):
        value = fields.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"article {doc_id!r}: {key!r} must be a string")
        if isinstance(value, str):
            check_text(value, f"article {doc_id!r}: {key!r}")
        optional[key] = value.strip() if isinstance(value, str) and value.strip() else None
    paragraphs = drop_noise(split_blocks(text, markdown=False))
    if not paragraphs:
        raise InputError(f"article {doc_id!r} has no news text left after cleaning")
    return Article(
        doc_id=doc_id,
        text="\n\n".join(paragraphs),
        title=optional["title"] or "",  # none given: the page and CLI name it by source
        date=_date(doc_id, optional["date"], notes),
        outlet=optional["outlet"],
        url=optional["url"],
        source_path=source_path,
    )


def _date(doc_id: str, value: str | None, notes: list[str] | None) -> str | None:
    kept: list[str] | None = None if notes is None else []
    try:
        return read_date(value, kept)
    finally:
        if notes is not None and kept:
            notes += [f"article {doc_id!r}: {note}" for note in kept]


def articles_from_jsonl(
    lines: Iterator[bytes], *, source_path: str
) -> Iterator[Article | tuple[int, InputError | str]]:
    """Each good line's Article; (line number, InputError) for a bad one, (line number, a
    note) for a line read with something its owner should know."""
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_BYTES:
            yield number, InputError(f"line is {len(line):,} bytes, over {MAX_LINE_BYTES:,}")
            continue
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except (UnicodeDecodeError, ValueError) as exc:
            yield number, InputError(f"not valid JSON ({exc})")
            continue
        notes: list[str] = []
        try:
            yield article_from_fields(fields, source_path=source_path, notes=notes)
        except InputError as exc:
            yield number, exc
        yield from ((number, note) for note in notes)
