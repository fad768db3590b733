"""Real web pages: how close is the text the index stores to each page's true article text,
and what passages does it make?

    .venv/bin/python bench/extraction.py [--data ../shared/data/article-extraction]

The 181 pages of the public article-extraction benchmark (SOURCE.md there), each read as
`newsearch index` reads a saved page, cleaned and chunked as the index stores it. Scored as
that benchmark scores: lower-cased \\w+ words in 4-word shingles, precision and recall per page
(multiset overlap with the true articleBody), averaged over the pages, F1 of the two averages,
±: the half-width of a 95 % bootstrap interval of F1 (1,000 resamples of the pages). Beside it:
the share of passages of at most 3 and 8 words (a Chinese or Japanese character counts as
a word: those scripts have no spaces), passages that repeat another of the same page,
and true article paragraphs a cleaning rule dropped."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.shingles import normalised, scores, summary  # noqa: E402
from service.ingest import read_articles  # noqa: E402
from service.ingest.cleaning import matching_rule  # noqa: E402
from service.pipeline import prepare_articles  # noqa: E402
from service.records import Article  # noqa: E402

SPACED = re.compile(r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # a character a word


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/article-extraction")
    args = parser.parse_args()
    truth = json.loads(gzip.decompress((args.data / "ground-truth.json.gz").read_bytes()))
    pairs: list[tuple[float, float]] = []
    lengths: list[int] = []
    repeats = dropped = 0
    listings: list[str] = []  # article pages taken for a front page or an index
    with tempfile.TemporaryDirectory() as tmp:
        for key in sorted(truth):
            body = truth[key]["articleBody"]
            page = Path(tmp, f"{key}.html")
            page.write_bytes(gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()))
            read = [a for a in read_articles([page], Path(tmp)) if isinstance(a, Article)]
            listings += [f"{key}: {a.non_article}" for a in read if a.non_article]
            prepared = prepare_articles(read, lambda ids: {}, 180, keep_non_articles=True)
            text = prepared.todo[0][0].text if prepared.todo else ""
            pairs.append(scores(text, body))
            passages = [p.text for _, _, ps in prepared.todo for p in ps]
            lengths += [len(SPACED.findall(p)) + len(CJK.findall(p)) for p in passages]
            seen = Counter(normalised(p) for p in passages)
            repeats += sum(n - 1 for n in seen.values())
            true_paragraphs = {normalised(x) for x in body.split("\n") if x.strip()}
            dropped += sum(
                1
                for line in body.split("\n")
                if line.strip()
                and matching_rule(line.strip())
                and normalised(line) in true_paragraphs
            )
            page.unlink()
    print(f"pages {len(pairs)}, passages {len(lengths)}")
    print(summary(pairs))
    short, brief = (sum(n <= most for n in lengths) / len(lengths) for most in (3, 8))
    print(f"passages of <= 3 words {short:.2%}, <= 8 words {brief:.2%}")
    print(f"in-page repeated passages {repeats}")
    print(f"true article paragraphs a cleaning rule drops {dropped}")
    print(f"article pages taken for a page that is not one article {len(listings)}")
    for line in listings:
        print(f"  {line}")


if __name__ == "__main__":
    main()
