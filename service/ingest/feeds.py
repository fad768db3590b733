"""RSS and Atom feeds (.rss, .atom, .xml): each item is an article, its text the item's full
content where the feed carries it, else its summary; its id and address the item's link; its
date the one it was published (else updated); its outlet the feed's title. Read from bytes
only: feedparser given a string that looks like an address fetches it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

from service.errors import InputError
from service.ingest.cleaning import drop_noise
from service.ingest.metadata import outlet_name, read_date
from service.ingest.text import split_blocks
from service.records import Article
from service.validate import check_doc_id

FEED = (".rss", ".atom", ".xml")
_BLOCKS = {
    "p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr",
    "section", "article", "figure", "figcaption", "table", "ul", "ol", "dd", "dt",
}  # fmt: skip
_BREAK = "\ue000"  # where a block ends (a private-use character, taken out of the input)
_DROPPED = ("script", "style", "iframe", "noscript", "form")


def items_from_feed(
    data: bytes, *, source_path: str | None, where: str
) -> Iterator[Article | tuple[str, str]]:
    """The feed's items as Articles; an item that cannot be one as (where, why), an item
    read with something to know as (where, "note: …"). InputError when the file is not a
    feed (an .xml that is a sitemap, say)."""
    import feedparser

    feed: Any = feedparser.parse(data)
    if not feed.version:
        why = f" ({feed.bozo_exception})" if feed.get("bozo") else ""
        raise InputError(f"not an RSS or Atom feed{why}")
    channel = feed.feed
    home = channel.get("link")
    for number, item in enumerate(feed.entries, start=1):
        link = (item.get("link") or item.get("id") or "").strip()
        label = link or f"{where} item {number}"
        notes: list[str] = []
        try:
            if not link:
                raise InputError("an item with no link or id")
            paragraphs = drop_noise(_paragraphs(_body(item)))
            if not paragraphs:
                raise InputError("an item with no text (no content or summary)")
            yield Article(
                doc_id=check_doc_id(link),
                text="\n\n".join(paragraphs),
                title=" ".join((item.get("title") or "").split()),
                date=read_date(item.get("published") or item.get("updated"), notes),
                outlet=outlet_name(channel.get("title"), url=home or link),
                url=item.get("link") or None,
                source_path=source_path,
            )
        except InputError as exc:
            yield label, exc.message
        yield from ((label, f"note: {note}") for note in notes)


def _body(item: Any) -> tuple[str, bool]:
    """The item's longest full content, else its summary, and whether it is HTML."""
    parts = [c for c in item.get("content") or [] if c.get("value")]
    if parts:
        best = max(parts, key=lambda c: len(c["value"]))
        return best["value"], "html" in (best.get("type") or "html")
    detail = item.get("summary_detail") or {}
    return item.get("summary") or "", "html" in (detail.get("type") or "html")


def _paragraphs(body: tuple[str, bool]) -> list[str]:
    text, is_html = body
    if not text.strip():
        return []
    if is_html:
        try:
            tree = lxml_html.fromstring(f"<div>{text.replace(_BREAK, ' ')}</div>")
        except (ValueError, lxml_html.etree.ParserError):
            return []
        for node in [*tree.iter(*_DROPPED)]:
            node.drop_tree()
        for node in tree.iter():  # line breaks in the markup are spaces, as a browser shows
            if node.tag in _BLOCKS:
                node.text = _BREAK + (node.text or "")
                node.tail = _BREAK + (node.tail or "")
            elif node.tag == "br":
                node.tail = _BREAK + (node.tail or "")
        text = "\n\n".join(" ".join(part.split()) for part in tree.text_content().split(_BREAK))
    return split_blocks(text, markdown=False)
