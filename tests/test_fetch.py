"""`newsearch index URL...`: pages and feeds fetched from a real HTTP server on loopback,
indexed by their address after redirects; errors, limits and odd answers one line each."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service.errors import InputError
from service.ingest import Notice, Skipped
from service.ingest.fetch import USER_AGENT, fetch, read_urls
from service.records import Article
from tests.test_archives import BLINKEN, RSS

PAGE = (
    "<html><head><title>Blinken meets Abbas - Wire One</title>"
    '<meta property="og:site_name" content="Wire One">'
    '<meta property="article:published_time" content="2021-05-25">'
    f"</head><body><article><h1>Blinken meets Abbas</h1>{BLINKEN}</article></body></html>"
)
LATIN = PAGE.replace("Abbas in Ramallah", "Abbas \u00e0 Ramallah")
SEEN_AGENTS: list[str] = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, kind: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path in ("/page", "/"):
            self._send(200, "text/html; charset=utf-8", PAGE.encode())
        elif path == "/latin":
            self._send(200, "text/html; charset=iso-8859-1", LATIN.encode("latin-1"))
        elif path == "/feed":
            self._send(200, "application/rss+xml", RSS.encode())
        elif path == "/feed-as-text":
            self._send(200, "text/plain", RSS.encode())
        elif path == "/old":
            self._send(301, "text/html", b"", Location="/page")
        elif path == "/loop":
            self._send(302, "text/html", b"", Location="/loop")
        elif path == "/logo.png":
            self._send(200, "image/png", b"\x89PNG\r\n")
        elif path == "/big":
            self._send(200, "text/html", b"<p>" + b"x" * 100_000 + b"</p>")
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"<p>drip</p>")
                self.wfile.flush()
                time.sleep(0.05)
        else:
            self._send(404, "text/html", b"not here")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_by_its_address_after_redirects(site: str) -> None:
    (article,) = read_urls([f"{site}/old"])
    assert isinstance(article, Article)
    assert article.doc_id == article.url == f"{site}/page"
    assert (article.title, article.outlet, article.date) == (
        "Blinken meets Abbas",
        "Wire One",
        "2021-05-25",
    )
    assert article.source_path is None  # not a file: --prune leaves it alone
    assert SEEN_AGENTS[-1] == USER_AGENT


def test_the_servers_charset_is_honoured(site: str) -> None:
    (article,) = read_urls([f"{site}/latin"])
    assert isinstance(article, Article) and "Abbas \u00e0 Ramallah" in article.text


@pytest.mark.parametrize("path", ["/feed", "/feed-as-text"])
def test_a_feed_by_its_address(site: str, path: str) -> None:
    items = list(read_urls([f"{site}{path}"]))
    ids = sorted(a.doc_id for a in items if isinstance(a, Article))
    assert ids == ["https://wire.example/blinken", "https://wire.example/ceasefire"]
    assert sum(isinstance(i, Skipped) for i in items) == 1  # the item with no link
    assert sum(isinstance(i, Notice) for i in items) == 1  # its unreadable date


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "the server answered HTTP 404"),
        ("/loop", "more than 5 redirects"),
        ("/logo.png", "not a page or a feed (image/png)"),
    ],
)
def test_what_cannot_be_indexed_is_one_line(site: str, path: str, reason: str) -> None:
    (item,) = read_urls([f"{site}{path}"])
    assert isinstance(item, Skipped) and (item.where, item.reason) == (f"{site}{path}", reason)


def test_size_and_time_limits_hold_whatever_the_server_does(site: str) -> None:
    with pytest.raises(InputError, match="over the 10,000-byte limit"):
        fetch(f"{site}/big", max_bytes=10_000)
    with pytest.raises(InputError, match="took over 0.5 s|no answer within 0.5 s"):
        fetch(f"{site}/slow", timeout=0.5)
    with pytest.raises(InputError, match="cannot fetch it"):
        fetch("http://127.0.0.1:9/")  # nothing listens on the discard port


def test_newsearch_index_url(cli, site: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = str(tmp_path / "idx")
    first = cli("index", f"{site}/page", f"{site}/feed", f"{site}/missing", "--index-dir", index)
    assert first.code == 1  # something was skipped: said, and the rest indexed
    assert "3 new" in first.out
    assert f"{site}/missing: the server answered HTTP 404" in first.err
    again = cli("index", f"{site}/page", "--index-dir", index)
    assert again.code == 0 and "1 article(s) unchanged" in again.out
    shown = cli("show", f"{site}/page", "--index-dir", index)
    assert shown.code == 0 and "Wire One" in shown.out


def test_a_sites_front_page_is_skipped_unless_kept(cli, site: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = str(tmp_path / "idx")
    first = cli("index", f"{site}/", f"{site}/page", "--index-dir", index)
    assert first.code == 0 and "1 new" in first.out
    assert f"{site}/: skipped, a site's front page, not an article" in first.err
    kept = cli("index", f"{site}/", "--index-dir", index, "--keep-non-articles")
    assert kept.code == 0 and "1 new" in kept.out
