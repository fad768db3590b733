"""Stories as `newsearch index` gives them, on the seeds and PolNeAR (../shared/data/polnear):

    .venv/bin/python bench/stories.py [--split dev] [--model MODEL]

Indexes the five seed articles (one event, May 2021) and the split's articles (2016 US campaign
coverage from 7 outlets, dated by metadata.tsv) into one fresh index with the default model and
quote finding on, then prints: whether the seeds are one story and kept apart from PolNeAR,
how PolNeAR's articles fall into stories, every story of two or more articles with its titles
(to judge by eye: PolNeAR marks no events), and the seconds stories cost per article against
the whole indexing run."""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import Article, NewsIndex, Settings  # noqa: E402
from service.ingest import collect_articles  # noqa: E402
from service.stories import assign_story  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "polnear"


def polnear(split: str) -> list[Article]:
    with open(DATA / "metadata.tsv", encoding="utf-8") as f:
        meta = {r["filename"]: r for r in csv.DictReader(f, delimiter="\t")}
    out = []
    for path in sorted((DATA / split / "text").glob("*.txt")):
        row = meta.get(path.stem, {})
        out.append(
            Article(
                doc_id=f"polnear/{path.stem}",
                text=path.read_text(encoding="utf-8"),
                title=row.get("title") or "",
                date=row.get("publication_date") or None,
                outlet=row.get("publisher") or None,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"no PolNeAR data at {DATA}")
    seeds, _, _ = collect_articles([ROOT / "seeds"], ROOT)
    articles = [*seeds, *polnear(args.split)]
    spent = [0.0]

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return assign_story(*a, **k)
        finally:
            spent[0] += time.perf_counter() - began

    import service.reading

    service.reading.assign_story = timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "idx").with_(model=args.model)
        with NewsIndex.open(settings, writable=True, create=True) as index:
            began = time.perf_counter()
            index.add_articles(articles)
            total = time.perf_counter() - began
            stories = index.stories(at_least=1, limit=1000)
    of = {doc: s for s in stories for doc in s.doc_ids}
    seed_stories = {of[a.doc_id].story_id for a in seeds}
    mixed = [d for s in stories if s.story_id in seed_stories for d in s.doc_ids if "polnear" in d]
    print(
        f"seeds: {len(seeds)} articles in {len(seed_stories)} story(ies); "
        f"PolNeAR articles in a seed story: {len(mixed)}"
    )
    pn = [s for s in stories if s.story_id not in seed_stories]
    sizes = Counter(s.articles for s in pn)
    print(
        f"PolNeAR {args.split}: {sum(s.articles for s in pn)} articles in {len(pn)} stories; "
        f"sizes {dict(sorted(sizes.items()))}"
    )
    for s in sorted(pn, key=lambda s: -s.articles):
        if s.articles < 2:
            break
        print(f"- {s.articles} articles, {s.first_date} – {s.last_date}, {len(s.outlets)} outlets:")
        for doc in s.doc_ids:
            title = next(a.title for a in articles if a.doc_id == doc)
            print(f"    {doc.removeprefix('polnear/')[:40]:<40} {title[:70]}")
    per = spent[0] / len(articles) * 1000
    print(f"stories: {spent[0]:.2f} s of {total:.1f} s indexing ({per:.1f} ms an article)")


if __name__ == "__main__":
    main()
