"""Pages that are not one article: a site's front page, a section, tag or author index, a list
of headlines. Told apart from what the page declares itself to be, its address and its shape,
so a saved site or a crawl does not become "articles" made of fifty teasers. Precision first:
a page that declares itself an article is one (unless it is the front page), and on the 181
real article pages of the extraction benchmark none is taken for a listing
(bench/extraction.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from service.ingest.htmlmeta import PageMeta, link_words

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "blogposting", "report",
    "analysisnewsarticle", "opinionnewsarticle", "liveblogposting", "backgroundnewsarticle",
    "reviewnewsarticle", "askpublicnewsarticle", "scholarlyarticle", "techarticle",
}  # fmt: skip
LISTING_TYPES = {"collectionpage", "searchresultspage", "profilepage"}
# a path segment that starts an index of other pages: /tag/x, /author/x, /category/x, /page/2
INDEX_SEGMENTS = {
    "tag", "tags", "topic", "topics", "category", "categories", "section", "sections",
    "author", "authors", "archive", "archives", "search", "page", "label", "labels",
}  # fmt: skip
_FRONT = re.compile(r"/?(?:(?:index|default|home)\.[a-z]+|home)?/?", re.IGNORECASE)
HEADLINES = 10  # links with a headline's words, at least, on a list of headlines
LINKED_SHARE = 0.4  # of the paragraphs found, at least this share are link texts on such a page
BODY_WORDS = 40  # an article's body has a paragraph this long; a teaser's line is shorter


def non_article(meta: PageMeta, url: str | None, paragraphs: list[str]) -> str | None:
    """Why the page is not one article (one line for a person), or None when it is one.
    `url`: the page's address, given or declared; `paragraphs`: the text found in it."""
    parts = urlsplit(url) if url else None
    path = parts.path if parts else None
    # ?p=123 on a site's root is an article's address (WordPress's plain links)
    if parts and not parts.query and _FRONT.fullmatch(parts.path):
        return "a site's front page, not an article"
    if meta.types & ARTICLE_TYPES:
        return None
    if meta.types & LISTING_TYPES:
        kind = sorted(meta.types & LISTING_TYPES)[0]
        return f"declares itself a list of pages ({kind}), not an article"
    if path is not None and (segment := _index_segment(path)):
        return f"a {segment} index (its address), not an article"
    if meta.headline_links < HEADLINES:
        return None
    texts = [link_words(p) for p in paragraphs]
    linked = sum(1 for t in texts if t in meta.anchor_texts)
    longest = max((len(t.split()) for t in texts), default=0)
    # teasers: the headlines (which the extractor mostly leaves out as links) and a line or
    # two under each; an article, even one with a column of related headlines, has its body
    if linked >= LINKED_SHARE * len(texts) or longest < BODY_WORDS:
        return f"a list of headlines ({meta.headline_links} linking to other pages), not an article"
    return None


def _index_segment(path: str) -> str | None:
    """The index word of an address like /tag/biden/ or /news/category/politics/page/2: the
    word, then at most one segment that is a name or a page number (an article's address
    goes on to its slug)."""
    segments = [s.lower() for s in path.split("/") if s]
    for n, segment in enumerate(segments):
        rest = segments[n + 1 :]
        if segment == "page":  # /page/2 is the second page of a listing; /page alone is not
            if len(rest) == 1 and rest[0].isdigit():
                return segment
        elif segment in INDEX_SEGMENTS and len(rest) <= 1 and not any("." in s for s in rest):
            return segment
    return None
