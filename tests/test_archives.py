"""Web crawls (WARC) and feeds (RSS, Atom) as newsrooms keep them: built here with the same
libraries crawlers and publishers use, indexed with the right ids, dates and outlets, once,
and pruned when the file goes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from service.ingest import Notice, Skipped, collect_articles, plan_units, read_unit
from service.records import Article

warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

BLINKEN = (
    "<p>Secretary of State Antony Blinken met Palestinian President Mahmoud Abbas in Ramallah "
    "on Tuesday, pledging aid for the reconstruction of Gaza.</p>"
    "<p>He said the United States would reopen its consulate in Jerusalem, which handled "
    "relations with Palestinians until it was closed in 2019.</p>"
)
CEASEFIRE = (
    "<p>The ceasefire between Israel and Hamas held through a second day on Saturday, as "
    "residents of Gaza returned to homes damaged in eleven days of fighting.</p>"
    "<p>Egyptian mediators said talks on a longer truce would begin in Cairo next week.</p>"
)


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
        f"{body}</article></body></html>"
    ).encode()


def _response(
    writer: WARCWriter,
    uri: str,
    body: bytes,
    *,
    status: str = "200 OK",
    kind: str = "text/html; charset=utf-8",
    captured: str = "2021-05-26T08:00:00Z",
) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": captured},
    )
    writer.write_record(record)


def write_crawl(path: Path, *, repeat: int = 1) -> None:
    """A crawl as a crawler writes one: pages, a request, a redirect, an error, an image,
    the same page captured twice, a page sent as Windows-1252 with no declaration in it."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        for n in range(repeat):
            suffix = f"-{n}" if n else ""
            request = writer.create_warc_record(
                f"https://wire.example/blinken{suffix}",
                "request",
                payload=io.BytesIO(b"GET /blinken HTTP/1.1\r\nHost: wire.example\r\n\r\n"),
            )
            writer.write_record(request)
            head = (
                '<meta property="og:site_name" content="Wire One">'
                '<meta property="article:published_time" content="2021-05-25T14:03:00Z">'
            )
            base = "https://wire.example/"
            _response(writer, f"{base}blinken{suffix}", _page("Blinken", BLINKEN, head))
            _response(writer, f"{base}old{suffix}", b"", status="301 Moved")
            _response(writer, f"{base}gone{suffix}", _page("x", CEASEFIRE), status="404 Not")
            _response(writer, f"{base}logo{suffix}.png", b"\x89PNG", kind="image/png")
            euro = _page("Cease-fire holds", CEASEFIRE.replace("Saturday", "Saturday \u2013 again"))
            _response(
                writer,
                f"https://other.example/ceasefire{suffix}",
                euro.decode().encode("cp1252"),
                kind="text/html; charset=windows-1252",
            )
            # captured again later, changed: the later capture is the article
            _response(
                writer,
                f"https://wire.example/blinken{suffix}",
                _page("Blinken", BLINKEN.replace("Tuesday", "Tuesday morning"), head),
                captured="2021-05-27T08:00:00Z",
            )  # fmt: skip


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_crawl_indexes_its_pages_by_address(tmp_path: Path, name: str) -> None:
    write_crawl(tmp_path / name)
    articles, skipped, notices = collect_articles([tmp_path], tmp_path)
    assert not skipped
    by_id: dict[str, Article] = {}
    for article in articles:
        by_id[article.doc_id] = article  # the last copy wins, as the index keeps it
    assert sorted(by_id) == ["https://other.example/ceasefire", "https://wire.example/blinken"]
    blinken = by_id["https://wire.example/blinken"]
    assert "Tuesday morning" in blinken.text
    assert (blinken.outlet, blinken.date) == ("Wire One", "2021-05-25T14:03:00+00:00")
    assert blinken.source_path == name and blinken.url == "https://wire.example/blinken"
    ceasefire = by_id["https://other.example/ceasefire"]
    assert "Saturday \u2013 again" in ceasefire.text  # the server's charset, not a guess
    assert ceasefire.outlet == "other.example"
    assert ceasefire.date == "2021-05-26T08:00:00+00:00"  # no date on the page: the capture's
    assert [str(n) for n in notices] == [
        f"{name}: 4 record(s) that are not HTML pages with status 200 left out"
    ]


def test_a_large_crawl_is_read_in_units_that_make_the_same_articles(tmp_path: Path) -> None:
    crawl = tmp_path / "big.warc.gz"
    write_crawl(crawl, repeat=12)
    whole, _, _ = collect_articles([crawl], tmp_path)
    units = plan_units([crawl], unit_bytes=2048)
    assert len(units) > 3
    parts = [a for unit in units for a in read_unit(unit, tmp_path) if isinstance(a, Article)]
    assert [(a.doc_id, a.text) for a in parts] == [(a.doc_id, a.text) for a in whole]
    assert len({a.doc_id for a in whole}) == 24


def test_a_file_that_is_not_a_crawl_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.warc").write_bytes(b"this is not a WARC file\n" * 10)
    articles, skipped, _ = collect_articles([tmp_path], tmp_path)
    assert not articles
    assert len(skipped) == 1 and "not a readable WARC file" in str(skipped[0])


def test_indexing_a_crawl_twice_and_pruning_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    crawl = tmp_path / "crawls" / "may.warc.gz"
    crawl.parent.mkdir()
    write_crawl(crawl)
    index = str(tmp_path / "idx")
    first = cli("index", str(crawl.parent), "--index-dir", index)
    assert first.code == 0, first.err
    assert "2 new" in first.out
    again = cli("index", str(crawl.parent), "--index-dir", index)
    assert "2 article(s) unchanged" in again.out
    shown = cli("show", "https://wire.example/blinken", "--index-dir", index)
    assert shown.code == 0 and "Wire One" in shown.out
    crawl.unlink()
    (crawl.parent / "keep.txt").write_text("The ceasefire held overnight in Gaza.\n")
    pruned = cli("index", str(crawl.parent), "--index-dir", index, "--prune")
    assert pruned.code == 0, pruned.err
    assert "pruned 2 article(s) whose files are gone" in pruned.out
    assert cli("show", "https://wire.example/blinken", "--index-dir", index).code != 0


RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Wire One | World news</title><link>https://wire.example/</link>
<item><title>Blinken meets Abbas</title><link>https://wire.example/blinken</link>
<pubDate>Tue, 25 May 2021 14:03:00 GMT</pubDate>
<description>Blinken met Abbas.</description>
<content:encoded><![CDATA[{BLINKEN}<script>alert(1)</script>]]></content:encoded></item>
<item><title>Ceasefire holds</title><link>https://wire.example/ceasefire</link>
<pubDate>the day after</pubDate><description><![CDATA[{CEASEFIRE}]]></description></item>
<item><title>No link</title><description>A story with nowhere to go.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Other Times</title>
<link href="https://other.example/"/><id>urn:other</id><updated>2021-05-27T00:00:00Z</updated>
<entry><title>Cairo talks</title><link href="https://other.example/cairo"/><id>urn:1</id>
<updated>2021-05-27T09:00:00Z</updated><published>2021-05-26T09:00:00Z</published>
<summary type="text">Egyptian mediators said talks on a longer truce would begin in Cairo
next week, after the ceasefire held through a second day.</summary></entry>
</feed>"""


def test_feeds_index_their_items(tmp_path: Path) -> None:
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "other.atom").write_text(ATOM, encoding="utf-8")
    (tmp_path / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>'
    )
    articles, skipped, notices = collect_articles([tmp_path], tmp_path)
    by_id = {a.doc_id: a for a in articles}
    assert sorted(by_id) == [
        "https://other.example/cairo",
        "https://wire.example/blinken",
        "https://wire.example/ceasefire",
    ]
    blinken = by_id["https://wire.example/blinken"]
    assert blinken.text.split("\n\n") == [
        "Secretary of State Antony Blinken met Palestinian President Mahmoud Abbas in Ramallah "
        "on Tuesday, pledging aid for the reconstruction of Gaza.",
        "He said the United States would reopen its consulate in Jerusalem, which handled "
        "relations with Palestinians until it was closed in 2019.",
    ]  # the full content, not the summary; no script
    assert (blinken.title, blinken.outlet) == ("Blinken meets Abbas", "Wire One")
    assert blinken.date == "2021-05-25T14:03:00+00:00" and blinken.source_path == "wire.rss"
    assert by_id["https://wire.example/ceasefire"].date is None
    cairo = by_id["https://other.example/cairo"]
    assert (cairo.outlet, cairo.date) == ("Other Times", "2021-05-26T09:00:00+00:00")
    assert "Cairo next week" in cairo.text  # a plain-text summary's line break is a space
    reasons = sorted(str(s) for s in skipped)
    assert reasons == [
        "sitemap.xml: not an RSS or Atom feed",
        "wire.rss: wire.rss item 3: an item with no link or id",
    ]
    assert len(notices) == 1 and "'the day after'" in str(notices[0])
    assert isinstance(notices[0], Notice) and isinstance(skipped[0], Skipped)
