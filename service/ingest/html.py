"""HTML pages -> Article, with trafilatura doing the main-text and metadata extraction."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from service.errors import InputError
from service.ingest.cleaning import drop_noise
from service.ingest.htmlmeta import page_meta
from service.ingest.metadata import domain, outlet_name, title_without_site
from service.ingest.pagekind import non_article
from service.ingest.text import split_blocks
from service.records import Article
from service.validate import normalise_date

SCANT_CHARS = 500  # less than a news article's body: the extraction may have missed it
EARLIEST = "1800"  # a declared year before it is a template's placeholder


def article_from_html(
    doc_id: str,
    html: str,
    *,
    source_path: str | None,
    url: str | None = None,
    fallback_date: str | None = None,
) -> Article:
    data = _extract(html, favor_precision=True)
    found = data.get("text") or ""
    if len(found) < SCANT_CHARS:
        # precision mode can find a line where the article is: take what the plain mode
        # finds when it is more than twice as much
        plain = _extract(html, favor_precision=False)
        if len(plain.get("text") or "") > 2 * len(found):
            data = plain
    if not data:
        raise InputError("no article text found in the HTML")
    body = "\n".join(map(_row, (data.get("text") or "").split("\n")))
    paragraphs = drop_noise(split_blocks(body.replace("\n", "\n\n"), markdown=False))
    if not paragraphs:
        raise InputError("no article text found in the HTML")
    meta = page_meta(html)
    url = url or data.get("url") or meta.url or None
    outlet = outlet_name(*meta.site_names, data.get("sitename"), url=url or data.get("hostname"))
    names = [outlet, data.get("sitename"), *meta.site_names, domain(url)]
    return Article(
        doc_id=doc_id,
        text="\n\n".join(paragraphs),
        title=title_without_site((data.get("title") or "").strip(), *names),
        date=_published([*meta.published, data.get("date"), fallback_date]),
        outlet=outlet,
        url=url,
        source_path=source_path,
        non_article=non_article(meta, url, paragraphs),
    )


def _extract(html: str, *, favor_precision: bool) -> dict[str, Any]:
    """trafilatura's text and metadata of the page, {} when it finds none; tables kept (a
    results or standings page is mostly its table)."""
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - a broken install
        raise InputError("reading .html needs trafilatura: pip install trafilatura") from exc
    doc: Any = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        favor_precision=favor_precision,
    )
    if doc is None:
        return {}
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def _row(line: str) -> str:
    """A table row as trafilatura writes it ("| Team | Points |") as one line of its cells,
    header cells too ("Team | Points"); its "|---|" rule line goes (no words)."""
    if not line.startswith("|"):
        return line
    return " | ".join(c.strip() for c in line.strip().strip("|").split("|") if c.strip())


def _published(candidates: list[str | None]) -> str | None:
    """The first of the dates, best first (declared by the page, found by trafilatura in
    its address or text, the capture's), that reads as a date."""
    for value in candidates:
        if value:
            with contextlib.suppress(InputError):
                day = normalise_date(value)
                if EARLIEST <= day[:4] <= str(datetime.date.today().year + 1):
                    return day  # not a placeholder: pages declare 0001-01-01 too
    return None
