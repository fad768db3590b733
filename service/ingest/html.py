"""HTML pages -> Article, with trafilatura doing the main-text and metadata extraction."""

from __future__ import annotations

from typing import Any

from service.errors import InputError
from service.ingest.cleaning import drop_noise
from service.ingest.text import split_blocks
from service.records import Article


def article_from_html(doc_id: str, html: str, *, source_path: str | None) -> Article:
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - a broken install
        raise InputError("reading .html needs trafilatura: pip install trafilatura") from exc
    doc: Any = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, with_metadata=True
    )
    if doc is None:
        raise InputError("no article text found in the HTML")
    data: dict[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = data.get("text") or ""
    paragraphs = drop_noise(split_blocks(body.replace("\n", "\n\n"), markdown=False))
    if not paragraphs:
        raise InputError("no article text found in the HTML")
    return Article(
        doc_id=doc_id,
        text="\n\n".join(paragraphs),
        title=(data.get("title") or "").strip(),
        date=data.get("date") or None,
        outlet=data.get("sitename") or data.get("hostname") or None,
        url=data.get("url") or None,
        source_path=source_path,
    )
