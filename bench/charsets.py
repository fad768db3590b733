"""Pages that are not UTF-8: is each read as its UTF-8 original is?

    .venv/bin/python bench/charsets.py [--data ../shared/data/article-extraction] [--limit N]

Every page of the article-extraction set (all UTF-8) with characters outside ASCII that a
legacy charset can hold (Windows-1252, ISO-8859-1 for Western pages; Windows-1251, KOI8-R for
Cyrillic ones) is re-encoded in it, its charset declaration rewritten to say so (or one put
at the top of <head>), and read by the indexer; the case counts when the article (title and
text) equals the one read from the UTF-8 original. The same pages with the declaration taken
out test the guess (charset-normalizer), which is also reported."""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.ingest import Notice, read_articles  # noqa: E402
from service.records import Article  # noqa: E402

CHARSETS = ("windows-1252", "iso-8859-1", "windows-1251", "koi8-r")
_DECLARATION = re.compile(r"(<meta[^>]+charset\s*=\s*[\"']?)utf-?8", re.IGNORECASE)


def legacy_pages(data: Path, limit: int | None = None) -> Iterator[tuple[str, str, bytes]]:
    """(page name, charset, the page re-encoded with its declaration saying so)."""
    pages = sorted((data / "html").glob("*.html.gz"))
    found = 0
    for number, page in enumerate(pages):
        html = gzip.decompress(page.read_bytes()).decode("utf-8")
        if html.isascii():
            continue
        turn = number % len(CHARSETS)  # each charset gets its share of the pages it can hold
        for charset in CHARSETS[turn:] + CHARSETS[:turn]:
            try:
                raw = declared(html, charset).encode(charset)
            except UnicodeEncodeError:
                continue
            yield page.name.removesuffix(".html.gz"), charset, raw
            found += 1
            if limit and found >= limit:
                return
            break  # one charset a page


def declared(html: str, charset: str) -> str:
    if _DECLARATION.search(html):
        return _DECLARATION.sub(rf"\g<1>{charset}", html)
    head = re.search(r"<head[^>]*>", html, re.IGNORECASE)
    at = head.end() if head else 0
    return f'{html[:at]}<meta charset="{charset}">{html[at:]}'


def undeclared(raw: bytes) -> bytes:
    return re.sub(rb"(<meta[^>]+)charset\s*=\s*[\"']?[a-z0-9_-]+", rb"\1", raw, flags=re.IGNORECASE)


def read(raw: bytes, folder: Path, name: str) -> tuple[Article | None, list[str]]:
    path = folder / f"{name}.html"
    path.write_bytes(raw)
    items = list(read_articles([path], folder))
    article = next((i for i in items if isinstance(i, Article)), None)
    return article, [str(i) for i in items if isinstance(i, Notice)]


def same(a: Article | None, b: Article | None) -> bool:
    return a is not None and b is not None and (a.title, a.text) == (b.title, b.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/article-extraction")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    counts: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, charset, raw in legacy_pages(args.data, args.limit):
            original_page = gzip.decompress((args.data / "html" / f"{name}.html.gz").read_bytes())
            original, _ = read(original_page, folder, "original")
            legacy, notes = read(raw, folder, "legacy")
            guessed, guess_notes = read(undeclared(raw), folder, "guessed")
            row = counts.setdefault(charset, [0, 0, 0, 0])
            row[0] += 1
            row[1] += same(original, legacy) and not notes
            row[2] += same(original, guessed)
            row[3] += bool(guess_notes)
    heads = ("pages", "declared: equal", "undeclared: equal", "warned")
    print(f"{'charset':<14}{heads[0]:>6}{heads[1]:>17}{heads[2]:>19}{heads[3]:>8}")
    for charset, (pages, equal, guessed_equal, warned) in counts.items():
        print(f"{charset:<14}{pages:>6}{equal:>17}{guessed_equal:>19}{warned:>8}")
    total = [sum(c[i] for c in counts.values()) for i in range(4)]
    print(f"{'all':<14}{total[0]:>6}{total[1]:>17}{total[2]:>19}{total[3]:>8}")


if __name__ == "__main__":
    main()
