"""Pages and feeds fetched over http(s) for `newsearch index URL...`: one polite request each
(a user agent that says who asks, redirects followed a few times, a time limit for the whole
fetch and a size limit on the bytes read, whatever the server says), then read as a saved
page or a feed file is. A page's id is its address after redirects."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from service.errors import InputError
from service.ingest import Notice, Skipped
from service.ingest.decoding import decode
from service.ingest.feeds import items_from_feed
from service.ingest.html import article_from_html
from service.records import Article
from service.validate import check_doc_id

USER_AGENT = "newsearch/0.1 (news archive indexer; one request per address given)"
TIMEOUT_S = 30.0  # the whole fetch, a slow trickle included
MAX_BYTES = 50 * 1024 * 1024  # as for a saved page
MAX_REDIRECTS = 5
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
               "application/rdf+xml", "application/feed+json")  # fmt: skip


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    data: bytes


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def fetch(url: str, *, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> Fetched:
    """The body of a 200 answer to GET `url`; InputError naming what went wrong."""
    import httpx

    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=httpx.Timeout(timeout),
                headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,"
                         "application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"},
            ) as client,
            client.stream("GET", url) as response,
        ):  # fmt: skip
            if response.status_code != 200:
                raise InputError(f"the server answered HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"the answer is over the {max_bytes:,}-byte limit")
                if time.monotonic() > deadline:
                    raise InputError(f"the answer took over {timeout:g} s")
                chunks.append(chunk)
            kind = response.headers.get("content-type", "")
            return Fetched(str(response.url), kind, b"".join(chunks))
    except httpx.InvalidURL as exc:
        raise InputError(f"not an address that can be fetched ({exc})") from None
    except httpx.TooManyRedirects:
        raise InputError(f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        raise InputError(f"no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise InputError(f"cannot fetch it ({type(exc).__name__}: {exc})") from None


def read_urls(urls: list[str]) -> Iterator[Article | Skipped | Notice]:
    """The articles of each page or feed at `urls`, what could not be read, and notices."""
    for url in urls:
        try:
            yield from _articles(fetch(url))
        except InputError as exc:
            yield Skipped(url, exc.message)


def _articles(page: Fetched) -> Iterator[Article | Skipped | Notice]:
    kind = page.content_type.split(";")[0].strip().lower()
    head = page.data[:4096].lower()
    sniffed = head.lstrip().startswith((b"<rss", b"<feed", b"<?xml")) and (
        b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head
    )  # servers send feeds as text/plain and text/html too
    if kind.startswith(_FEED_TYPES) or sniffed:
        for item in items_from_feed(page.data, source_path=None, where=page.url):
            if isinstance(item, Article):
                yield item
            elif item[1].startswith("note: "):
                yield Notice(item[0], item[1].removeprefix("note: "))
            else:
                yield Skipped(item[0], item[1])
        return
    if kind and kind not in ("text/html", "application/xhtml+xml"):
        raise InputError(f"not a page or a feed ({kind})")
    charset = page.content_type.partition("charset=")[2].split(";")[0].strip(" \"'") or None
    decoded = decode(page.data, html=True, charset=charset)
    if decoded.guessed:
        yield Notice(page.url, f"no charset declared: read as {decoded.encoding}")
    yield article_from_html(check_doc_id(page.url), decoded.text, source_path=None, url=page.url)
