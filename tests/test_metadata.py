"""An article's date, outlet and title as real pages and archives write them: dates in the
common forms, outlets from the page's own metadata with the junk left out, spellings of one
outlet folded for the filter, site names cut from titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import Article, Filters, NewsIndex, SearchRequest, Settings
from service.dates import parse_date
from service.errors import InputError
from service.ingest import collect_articles
from service.ingest.html import article_from_html
from service.ingest.metadata import outlet_name, read_date, title_without_site
from service.records import outlet_key

BODY = (
    "<p>Secretary of State Antony Blinken met Palestinian President Mahmoud Abbas in Ramallah "
    "on Tuesday, pledging aid for the reconstruction of Gaza.</p>"
    "<p>He said the United States would reopen its consulate in Jerusalem, which handled "
    "relations with Palestinians until it was closed in 2019.</p>"
)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2021-05-25", "2021-05-25"),
        ("2021-05-25T14:03:00Z", "2021-05-25T14:03:00+00:00"),
        ("2021-05-25T14:03:00+0200", "2021-05-25T14:03:00+02:00"),
        ("2020/01/03", "2020-01-03"),
        ("2020.01.03", "2020-01-03"),
        ("Tue, 25 May 2021 14:03:00 GMT", "2021-05-25T14:03:00+00:00"),
        ("Tue, 25 May 2021 14:03:00 -0400", "2021-05-25T14:03:00-04:00"),
        ("May 12, 2021", "2021-05-12"),
        ("12 May 2021", "2021-05-12"),
        ("Sept. 3rd, 2019", "2019-09-03"),
        ("Tuesday, Nov. 19, 2019, 07:47 PM EST", "2019-11-19T19:47:00-05:00"),
        ("13/01/2020", "2020-01-13"),
        ("01/13/2020", "2020-01-13"),
    ],
)
def test_dates_in_the_forms_archives_write_them(written: str, stored: str) -> None:
    assert parse_date(written) == stored


@pytest.mark.parametrize("written", ["01/03/2020", "yesterday", "Smarch 3, 2020", "2021-02-30"])
def test_a_date_that_cannot_be_read_is_a_note_not_a_lost_article(written: str) -> None:
    notes: list[str] = []
    assert read_date(written, notes) is None
    assert len(notes) == 1 and "indexed without a date" in notes[0]
    with pytest.raises(InputError, match="is not a date like"):
        read_date(written, None)  # an API caller can send it again


def test_an_unreadable_date_in_a_file_keeps_the_article(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Ceasefire\ndate: the day after\n---\n\nThe ceasefire held overnight in Gaza.\n"
    )
    (tmp_path / "b.md").write_text(
        "---\ndate: May 21, 2021\n---\n\nThe ceasefire began at 2 a.m. local time on Friday.\n"
    )
    found, skipped, notices = collect_articles([tmp_path], tmp_path)
    articles = {a.doc_id: a for a in found}
    assert articles["a.md"].date is None and articles["b.md"].date == "2021-05-21"
    assert not skipped and len(notices) == 1
    assert str(notices[0]).startswith("a.md: date 'the day after'")


@pytest.mark.parametrize(
    ("candidates", "url", "outlet"),
    [
        (["Copyright 2014", None], "http://www.jaraguadosul.sc.gov.br/n", "jaraguadosul.sc.gov.br"),
        (["Hosted"], "https://hosted.ap.org/story", "hosted.ap.org"),
        (["https://www.hawaiinewsnow.com"], None, None),
        (["https://www.hawaiinewsnow.com", "Hawaii News Now"], None, "Hawaii News Now"),
        (["LinkNaija | Nigeria's popular news platform"], None, "LinkNaija"),
        (["@Reuters"], None, "Reuters"),
        ([None, "", "BGR"], None, "BGR"),
        ([], "https://www.nytimes.com/2021/05/25/world/blinken.html", "nytimes.com"),
    ],
)
def test_outlet_names_without_the_junk_sites_put_there(
    candidates: list[str | None], url: str | None, outlet: str | None
) -> None:
    assert outlet_name(*candidates, url=url) == outlet


@pytest.mark.parametrize(
    ("title", "site", "kept"),
    [
        ("Blinken meets Abbas - The Daily Wire", "The Daily Wire", "Blinken meets Abbas"),
        ("Spiced Honey Pear Jam | The Anti-June Cleaver", "The Anti-June Cleaver",
         "Spiced Honey Pear Jam"),
        ("TheHill | Blinken pledges aid for Gaza", "The Hill", "Blinken pledges aid for Gaza"),
        ("Blinken pledges aid - ZDNet UK", "ZDNet", "Blinken pledges aid"),
        # the site's name ending a headline that is not an affix
        ("Take C.A.R.E. - comwrap auf der DMEXCO 2018", "comwrap", "Take C.A.R.E. - comwrap "
         "auf der DMEXCO 2018"),
        ("The Guardian view on Gaza | Editorial", "The Guardian",
         "The Guardian view on Gaza | Editorial"),
        ("The Daily Wire", "The Daily Wire", "The Daily Wire"),
    ],
)  # fmt: skip
def test_site_names_cut_from_titles(title: str, site: str, kept: str) -> None:
    assert title_without_site(title, site) == kept


def test_one_outlet_however_it_is_spelled() -> None:
    keys = {outlet_key(n) for n in ("The Hill", "TheHill", "thehill.com", "THE HILL")}
    assert keys == {"hill"}
    assert outlet_key("Express.co.uk") == outlet_key("express")
    assert outlet_key("The Times") != outlet_key("The Sun")


def test_a_page_names_itself_in_its_metadata() -> None:
    page = (
        "<html><head><title>Blinken meets Abbas | Wire One News</title>"
        '<meta property="og:site_name" content="Wire One">'
        '<link rel="canonical" href="https://wireone.example/2021/05/25/blinken">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "NewsArticle", "datePublished": "2021-05-25T09:30:00-04:00",'
        ' "publisher": {"@type": "Organization", "name": "Wire One Media"}}]}</script>'
        "</head><body><article><h1>Blinken meets Abbas</h1>"
        # a fact-check's text is full of other dates
        f"<p>Posted on January 3, 2019.</p>{BODY}</article></body></html>"
    )
    article = article_from_html("a.html", page, source_path="a.html")
    assert article.outlet == "Wire One"
    assert article.date == "2021-05-25T09:30:00-04:00"
    assert article.url == "https://wireone.example/2021/05/25/blinken"
    assert article.title == "Blinken meets Abbas"


def test_a_placeholder_date_and_a_missing_site_name_fall_back() -> None:
    page = (
        '<html><head><title>Gaza aid</title><meta property="article:published_time" '
        'content="0001-01-01T00:00:00Z"><meta name="date" content="May 26, 2021">'
        '<meta property="og:url" content="https://www.hawaiinewsnow.com/gaza"></head>'
        f"<body><article><h1>Gaza aid</h1>{BODY}</article></body></html>"
    )
    article = article_from_html("b.html", page, source_path="b.html")
    assert article.date == "2021-05-26"
    assert article.outlet == "hawaiinewsnow.com"


def test_xhtml_pages_are_read(tmp_path: Path) -> None:
    (tmp_path / "page.xhtml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        '<head><title>Blinken meets Abbas</title><meta property="og:site_name" content="Wire One"/>'
        '<meta property="article:published_time" content="2021-05-25"/></head>'
        f"<body><article><h1>Blinken meets Abbas</h1>{BODY}</article></body></html>",
        encoding="utf-8",
    )
    (article,), skipped, _ = collect_articles([tmp_path], tmp_path)
    assert not skipped
    assert (article.doc_id, article.outlet, article.date) == (
        "page.xhtml",
        "Wire One",
        "2021-05-25",
    )


def test_the_outlet_filter_finds_every_spelling(settings: Settings) -> None:
    spellings = ["The Hill", "TheHill", "thehill.com", "Other"]
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(
            Article(doc_id=f"d{i}", text=f"Blinken met Abbas, report {i}.", outlet=spellings[i % 4])
            for i in range(40)
        )
        for asked in ("TheHill", "the hill", "thehill.com"):
            response = index.search(
                SearchRequest("Blinken Abbas", k=50, group=False, filters=Filters(outlet=asked))
            )
            assert len(response.results) == 30 and not response.notes, asked
            assert {h.source for h in response.results} == set(spellings[:3])
