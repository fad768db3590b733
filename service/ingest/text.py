"""Plain text and Markdown articles -> Article: paragraphs, title, date, front matter."""

from __future__ import annotations

import re

from service.ingest.cleaning import drop_noise, normalise_line
from service.ingest.metadata import read_date
from service.records import Article

# A leading "date 2021-05-13" (as scraped into seed 003) carries the article's date.
_LEADING_DATE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]+)?)\s+", re.I)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_FRONT_KEYS = {"title", "date", "outlet", "url", "source"}
_SENTENCE_END = re.compile(r"""[.!?:;"'”’)\]]$""")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def split_blocks(raw: str, *, markdown: bool) -> list[str]:
    """Paragraphs of a text. A paragraph is a blank-line-separated block; inside a block each
    line is its own paragraph unless the block is hard-wrapped prose (or Markdown), where the
    lines are one paragraph joined with spaces."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", raw):
        lines = [normalise_line(line) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        if markdown:
            lines = _markdown_lines(lines)
        if len(lines) > 1 and (markdown or _hard_wrapped(lines)):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def _hard_wrapped(lines: list[str]) -> bool:
    """True when every line but the last breaks mid-sentence at a similar width."""
    body = lines[:-1]
    return all(30 <= len(line) <= 100 and not _SENTENCE_END.search(line) for line in body)


def _markdown_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub("", line).strip()
        if line.startswith(">"):
            line = line.lstrip("> ").strip()
        if line:
            out.append(line)
    return out


def parse_front_matter(raw: str) -> tuple[dict[str, str], str]:
    """`---`-delimited `key: value` lines at the top of a file (title, date, outlet, url)."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _FRONT_KEYS:
            meta[key] = value.strip().strip("\"'")
    return meta, raw[match.end() :]


def looks_like_headline(paragraph: str) -> bool:
    words = paragraph.split()
    return 0 < len(words) <= 16 and not _SENTENCE_END.search(paragraph)


def article_from_text(
    doc_id: str,
    raw: str,
    *,
    markdown: bool,
    source_path: str | None,
    notes: list[str] | None = None,
) -> Article:
    """The article of a .txt or .md file. A date that cannot be read goes into `notes` and
    the article is kept without it."""
    meta, body = parse_front_matter(raw)
    date = meta.get("date")
    found = _LEADING_DATE.match(body)
    if found:
        date = date or found.group(1)
        body = body[found.end() :]
    title = meta.get("title", "")
    if markdown:
        heading = re.match(r"\s*#\s+(.+)\n", body)
        if heading:
            title = title or normalise_line(_MD_EMPHASIS.sub("", heading.group(1)))
            body = body[heading.end() :]
    paragraphs = [_MD_HEADING.sub("", p) for p in split_blocks(body, markdown=markdown)]
    paragraphs = drop_noise(paragraphs)
    if not title and len(paragraphs) > 1 and looks_like_headline(paragraphs[0]):
        title = paragraphs.pop(0)
    return Article(
        doc_id=doc_id,
        text="\n\n".join(paragraphs),
        title=title,  # none found: "" (the page and CLI name it by source and date)
        date=read_date(date, [] if notes is None else notes),
        outlet=meta.get("outlet") or meta.get("source"),
        url=meta.get("url"),
        source_path=source_path,
    )
