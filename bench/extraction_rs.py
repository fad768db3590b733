"""rs-trafilatura (the best published extractor on the article-extraction benchmark) on the same
181 pages and by the same scoring as bench/extraction.py, so the two can be compared.

    /root/.pyenv/versions/3.12.1/bin/python -m venv /tmp/rs312
    /tmp/rs312/bin/pip install rs-trafilatura    # PyPI has a wheel for CPython 3.12 only
    /tmp/rs312/bin/python bench/extraction_rs.py [--data ../shared/data/article-extraction]

It runs in a Python of its own: the one wheel on PyPI is built for CPython 3.12 (the source
package needs crates.io to build), and newsearch runs on 3.11, so it cannot ship in the index.
Each page is given as its bytes (the extractor reads the charset), with its URL as the page
type classifier's hint; it also prints the page type the classifier gives each of these
article pages."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.shingles import scores, summary  # noqa: E402


def main() -> None:
    import rs_trafilatura

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/article-extraction")
    args = parser.parse_args()
    truth = json.loads(gzip.decompress((args.data / "ground-truth.json.gz").read_bytes()))
    variants = {
        "default": {},
        "favor_precision": {"favor_precision": True},
        "article type given": {"page_type": "article"},
    }
    pairs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    types: Counter[str] = Counter()
    for key in sorted(truth):
        page = gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes())
        url = truth[key].get("url")
        for name, options in variants.items():
            result = rs_trafilatura.extract_bytes(page, url=url, **options)
            pairs[name].append(scores(result.main_content or "", truth[key]["articleBody"]))
            if name == "default":
                types[str(result.page_type)] += 1
    print(f"pages {len(truth)}")
    for name, found in pairs.items():
        print(f"rs-trafilatura {name}: {summary(found)}")
    print(
        "page types it gives these article pages: "
        + ", ".join(f"{t} {n}" for t, n in types.most_common())
    )


if __name__ == "__main__":
    main()
