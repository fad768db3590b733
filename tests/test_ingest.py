from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.errors import InputError
from service.ingest import collect_articles, discover
from service.ingest.text import article_from_text, split_blocks


def test_txt_paragraphs_are_lines_or_blocks() -> None:
    raw = "First line.\nSecond line.\n\nThird block.\n"
    assert split_blocks(raw, markdown=False) == ["First line.", "Second line.", "Third block."]


def test_hard_wrapped_prose_is_one_paragraph() -> None:
    raw = (
        "The secretary of state spoke with the president of the Palestinian\n"
        "Authority on Wednesday, the department said in a statement.\n\nNext."
    )
    blocks = split_blocks(raw, markdown=False)
    assert blocks[0].startswith("The secretary") and blocks[0].endswith("statement.")
    assert blocks[1] == "Next."


def test_markdown_title_front_matter_and_links(tmp_path: Path) -> None:
    raw = (
        "---\noutlet: Example Times\nurl: https://example.com/a\ndate: 2021-05-12\n---\n"
        "# Envoy heads to the region\n\nHady **Amr** will [travel](https://x) today.\n"
        "He leaves at noon.\n"
    )
    article = article_from_text("a.md", raw, markdown=True, source_path="a.md")
    assert article.title == "Envoy heads to the region"
    assert article.outlet == "Example Times"
    assert article.date == "2021-05-12"
    assert article.url == "https://example.com/a"
    assert article.text == "Hady Amr will travel today. He leaves at noon."


def test_html_uses_a_real_extractor(tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Envoy to travel | Example News</title>"
        '<meta property="og:site_name" content="Example News"></head><body>'
        "<nav>Home | World | Subscribe</nav><article><h1>Envoy to travel</h1>"
        "<p>Hady Amr will travel to the region immediately to meet Israeli and Palestinian "
        "leaders, the State Department said on Wednesday.</p>"
        "<p>Read: Another story entirely</p>"
        "<p>He will urge a de-escalation of violence on behalf of President Biden, "
        "Blinken told reporters in Washington.</p></article>"
        "<footer>Copyright 2021</footer></body></html>",
        encoding="utf-8",
    )
    (article,), skipped, _ = collect_articles([page], tmp_path)
    assert not skipped
    assert "Envoy to travel" in article.title
    assert "Hady Amr will travel" in article.text
    assert "Read: Another story" not in article.text
    assert "Copyright" not in article.text


def test_jsonl_fields_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        {
            "id": "a1",
            "text": "Blinken spoke with Abbas.",
            "title": "T",
            "date": "2021-05-12",
            "outlet": "Wire",
            "url": "https://example.com/a1",
        },
        {"id": "a2", "title": "no text here"},
        {"id": "a3", "text": "Bad date.", "date": "yesterday"},
        {"id": "a4", "text": "Another date form.", "date": "May 12, 2021"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    articles, skipped, notices = collect_articles([path], tmp_path)
    # an unreadable date is a warning, never a lost article
    assert [a.doc_id for a in articles] == ["a1", "a3", "a4"]
    assert articles[0].outlet == "Wire" and articles[0].date == "2021-05-12"
    assert articles[1].date is None and articles[2].date == "2021-05-12"
    reasons = [str(s) for s in skipped]
    assert any(":2: article 'a2' has no 'text'" in r for r in reasons)
    assert any(":5: not valid JSON" in r for r in reasons)
    assert [str(n) for n in notices] == [
        "feed.jsonl:3: article 'a3': date 'yesterday' is not a date like 2021-05-13 or "
        "May 13, 2021: indexed without a date"
    ]


def test_binary_files_are_skipped_and_other_encodings_read_with_a_notice(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Blinken spoke with Abbas.", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (tmp_path / "latin.txt").write_bytes("Le caf\xe9 de l'\xe9t\xe9 est ferm\xe9.".encode("cp1252"))
    articles, skipped, notices = collect_articles([tmp_path], tmp_path)
    assert [a.doc_id for a in articles] == ["good.txt", "latin.txt"]
    assert articles[1].text == "Le caf\xe9 de l'\xe9t\xe9 est ferm\xe9."
    assert [s.where for s in skipped] == ["bin.txt"]
    assert [n.where for n in notices] == ["latin.txt"] and "no charset" in notices[0].message


def test_missing_path_and_unsupported_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        discover([tmp_path / "nope"])
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match="not a supported"):
        discover([tmp_path / "x.pdf"])


def test_doc_ids_are_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("News.", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "b.txt").write_text("Hidden.", encoding="utf-8")
    articles, _, _ = collect_articles([tmp_path], tmp_path)
    assert [a.doc_id for a in articles] == ["sub/a.txt"]
