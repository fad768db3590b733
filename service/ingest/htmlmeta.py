"""What a page says about itself in its markup: the site's name, when it was published, its
address. Read from Open Graph and article meta tags, schema.org JSON-LD and microdata, the
way publishers write them for search engines and social cards, before any guess from the
page's text (a fact-check page's text is full of the dates of the claims it checks)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

# meta tags that carry the publication time, most specific first
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
)
_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "blogposting", "report",
    "analysisnewsarticle", "opinionnewsarticle", "webpage", "liveblogposting",
}  # fmt: skip
MAX_JSON_LD_CHARS = 1_000_000
_HEADINGS = {"h1", "h2", "h3", "h4"}
_WORD = re.compile(r"\w+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass
class PageMeta:
    site_names: list[str] = field(default_factory=list)  # og:site_name, then the publisher's
    published: list[str] = field(default_factory=list)  # as written, best first
    url: str | None = None  # canonical, else og:url
    # what the page's shape says of it (service.ingest.pagekind)
    types: set[str] = field(default_factory=set)  # og:type and JSON-LD @types, lower case
    headline_links: int = 0  # addresses linked from a heading of 3 words or more
    anchor_texts: set[str] = field(default_factory=set)  # every link's words, lower case


def page_meta(html: str) -> PageMeta:
    """The page's own metadata; an empty PageMeta when there is none or the markup cannot
    be parsed."""
    meta = PageMeta()
    try:
        # lxml refuses a str that declares its encoding, as XHTML pages do
        tree = lxml_html.fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return meta
    tags: dict[str, str] = {}
    for tag in tree.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = (tag.get("content") or "").strip()
        if key and content:
            tags.setdefault(key.strip(), content)
    if tags.get("og:site_name"):
        meta.site_names.append(tags["og:site_name"])
    objects = list(_json_ld(tree))
    for obj in objects:
        name = _name(obj.get("publisher"))
        if name:
            meta.site_names.append(name)
    if tags.get("og:type"):
        meta.types.add(tags["og:type"].lower())
    for obj in objects:
        kind = obj.get("@type")
        kinds = {str(k).lower() for k in (kind if isinstance(kind, list) else [kind])}
        meta.types |= kinds
        if kinds & _ARTICLE_TYPES and isinstance(obj.get("datePublished"), str):
            meta.published.append(obj["datePublished"])
    meta.published += [tags[key] for key in _PUBLISHED_META if key in tags]
    for node in tree.xpath('//*[@itemprop="datePublished"][@datetime]'):
        meta.published.append(node.get("datetime"))
    if tags.get("application-name"):
        meta.site_names.append(tags["application-name"])
    _shape(tree, meta)
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    meta.url = (canonical[0].strip() if canonical else None) or tags.get("og:url")
    return meta


def _shape(tree: Any, meta: PageMeta) -> None:
    """The page's links: the texts of all of them, and how many addresses headings link to
    (a front page or an index is a column of linked headlines)."""
    headlines: set[str] = set()
    for anchor in tree.iter("a"):
        words = link_words(anchor.text_content())
        if not words:
            continue
        meta.anchor_texts.add(words)
        href = anchor.get("href")
        if href and len(words.split()) >= 3 and _in_heading(anchor):
            headlines.add(href)
    meta.headline_links = len(headlines)


def link_words(text: str) -> str:
    """Lower-cased words, as link texts are kept (PageMeta.anchor_texts) and compared."""
    return " ".join(_WORD.findall(text.lower()))


def _in_heading(anchor: Any) -> bool:
    if any(str(a.tag) in _HEADINGS for a in anchor.iterancestors()):
        return True
    return any(str(d.tag) in _HEADINGS for d in anchor.iterdescendants())


def _json_ld(tree: Any) -> Iterator[dict[str, Any]]:
    """Every object in the page's JSON-LD blocks, @graph members included."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        text = script.text or ""
        if len(text) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(text, strict=False)  # raw line breaks inside strings are common
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None
