"""Pages that are not one article (a site's front page, a tag or section index, a list of
headlines) are skipped with a warning unless kept; articles, even with a column of related
headlines or an address that looks like a section's, are indexed as before."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from service.ingest import Article, Notice, collect_articles
from tests.conftest import ROOT

EXTRACTION = ROOT.parent / "shared" / "data" / "article-extraction"

STORIES = [
    (f"Story number {n} about the talks in the capital", f"/news/2021/05/story-{n}-talks-capital")
    for n in range(1, 16)
]
BODY = " ".join(
    f"Paragraph {n} of the report says the ministers met again on Tuesday in the capital and "
    "agreed, after a long night of talks over the ceasefire and the aid convoys waiting at the "
    "border, to continue their talks after the holiday weekend, officials from both sides "
    "said in a joint statement."
    for n in range(1, 9)
)


def page(
    *,
    canonical: str | None = None,
    og_type: str | None = None,
    json_ld: dict[str, object] | None = None,
    teasers: int = 0,
    summaries: bool = True,
    body: str = "",
) -> str:
    head = ["<title>The Daily Example</title>", '<meta property="og:site_name" content="Example">']
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if og_type:
        head.append(f'<meta property="og:type" content="{og_type}">')
    if json_ld:
        head.append(f'<script type="application/ld+json">{json.dumps(json_ld)}</script>')
    main = []
    if body:
        main.append("<article><h1>Ministers agree to keep talking</h1>")
        main += [f"<p>{s.strip()}.</p>" for s in body.split(".") if s.strip()]
        main.append("</article>")
    if teasers:
        main.append("<section>")
        for title, href in STORIES[:teasers]:
            main.append(f'<div class="teaser"><h2><a href="{href}">{title}</a></h2>')
            if summaries:
                main.append(f"<p>What happened in {title.lower()}, in a line or two.</p>")
            main.append("</div>")
        main.append("</section>")
    return (
        f"<html><head>{''.join(head)}</head><body><nav><a href='/'>Home</a></nav>"
        f"<main>{''.join(main)}</main></body></html>"
    )


def read(tmp_path: Path, html: str) -> Article:
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    articles, skipped, _ = collect_articles([path], tmp_path)
    assert not skipped and len(articles) == 1
    return articles[0]


@pytest.mark.parametrize(
    ("html", "why"),
    [
        (page(canonical="https://example.com/", og_type="website", teasers=12), "front page"),
        (page(canonical="https://example.com/index.html", teasers=12), "front page"),
        # a front page that calls itself an article is a front page all the same
        (page(canonical="https://example.com/", og_type="article", teasers=12), "front page"),
        (page(canonical="https://example.com/tag/talks/", teasers=12), "a tag index"),
        (page(canonical="https://example.com/news/page/2", teasers=12), "a page index"),
        (page(canonical="https://example.com/author/jane-doe", teasers=6), "an author index"),
        (
            page(json_ld={"@type": "CollectionPage", "name": "Politics"}, teasers=12),
            "(collectionpage)",
        ),
        # no address, nothing declared: its shape, a column of linked headlines
        (page(teasers=15), "a list of headlines (15 linking"),
        (page(teasers=15, summaries=False), "a list of headlines"),
    ],
)
def test_pages_that_are_not_one_article_are_told(tmp_path: Path, html: str, why: str) -> None:
    found = read(tmp_path, html)
    assert found.non_article and why.replace("an ", "a ") in found.non_article


@pytest.mark.parametrize(
    "html",
    [
        page(canonical="https://example.com/news/2021/05/ministers-agree", body=BODY),
        # a long column of related headlines under the story
        page(canonical="https://example.com/politics/ministers-agree", body=BODY, teasers=15),
        page(body=BODY, teasers=15, json_ld={"@type": "NewsArticle", "headline": "Talks"}),
        page(body=BODY, teasers=15, og_type="article"),
        # addresses that look like a section's: an article's address goes on to its slug
        page(canonical="https://example.com/category/news/2021/05/ministers-agree", body=BODY),
        page(canonical="https://example.com/about-bugs/", body=BODY),
        page(canonical="https://example.com/tag/talks/ministers-agree.html", body=BODY),
        page(canonical="https://example.com/page", body=BODY),
        page(canonical="https://example.com/?p=123", body=BODY),
        page(body=BODY),
    ],
)
def test_articles_stay_articles(tmp_path: Path, html: str) -> None:
    assert read(tmp_path, html).non_article is None


def test_the_cli_skips_a_front_page_with_a_warning_unless_kept(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(page(canonical="https://example.com/", teasers=12))
    (site / "story.html").write_text(page(canonical="https://example.com/a/talks-go-on", body=BODY))
    idx = str(tmp_path / "idx")
    done = cli("index", str(site), "--index-dir", idx)
    assert done.code == 0 and "1 new" in done.out
    assert "index.html: skipped, a site's front page, not an article" in done.err
    assert "--keep-non-articles" in done.err
    kept = cli("index", str(site), "--index-dir", idx, "--keep-non-articles")
    assert kept.code == 0 and "1 new" in kept.out and "1 unchanged" in kept.out
    assert "skipped" not in kept.err


def test_a_folder_of_front_pages_alone_says_why_nothing_was_indexed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "home.html").write_text(page(canonical="https://example.com/", teasers=12))
    done = cli("index", str(tmp_path / "home.html"), "--index-dir", str(tmp_path / "idx"))
    assert done.code != 0 and "front page" in done.err and "no articles to index" in done.err


@pytest.mark.skipif(not EXTRACTION.exists(), reason="../shared/data/article-extraction is absent")
def test_real_article_pages_are_articles(tmp_path: Path) -> None:
    # a slice of the benchmark's pages with the most headline links and <article> teasers
    # around the story (bench/extraction.py checks all 181)
    truth = json.loads(gzip.decompress((EXTRACTION / "ground-truth.json.gz").read_bytes()))
    keys = [k for k in sorted(truth) if any(s in truth[k]["url"] for s in WIDE)]
    assert len(keys) >= 4
    for key in keys:
        path = tmp_path / f"{key}.html"
        path.write_bytes(gzip.decompress((EXTRACTION / "html" / f"{key}.html.gz").read_bytes()))
    articles, _, notices = collect_articles([tmp_path], tmp_path)
    assert [a.doc_id for a in articles if a.non_article] == []
    assert all(isinstance(n, Notice) for n in notices)


WIDE = (
    "cbsnews.com/news/impeachment",
    "digg.com/2019",
    "sfgate.com/news/article/7-key",
    "vortexcannon.org/about-bugs",
)
