"""A multilingual check of answer quality: real pages in seven languages among English ones.

    .venv/bin/python bench/multilingual.py [--models all-MiniLM-L6-v2 multilingual-e5-small]
                                           [--out DIR]

The corpus is the true text of all 181 real pages of ../shared/data/article-extraction (161
English, 20 in Portuguese, Russian, Korean, Italian, Indonesian, German and Japanese, as
newsearch's language detector reads them). bench/multilingual/questions.tsv holds two
questions for each of the 20 pages not in English, written for this check (not tuned on):
one in the page's language, one in English. The script writes them as two BEIR folders
under DIR (`native`, `english`: the same corpus, one question set each), evaluates every
model on both with `newsearch eval`'s own code (one index a model, reused for both sets) and
prints nDCG@10, MRR@10 and Recall@100 per mode. Needs the e5 extra for multilingual-e5-small."""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import Settings  # noqa: E402
from service.evaluate import evaluate  # noqa: E402

PAGES = ROOT.parent / "shared" / "data" / "article-extraction" / "ground-truth.json.gz"
QUESTIONS = ROOT / "bench" / "multilingual" / "questions.tsv"
MODES = ["dense", "keyword", "hybrid"]
ID_CHARS = 12  # a page is named by the start of its file's sha256


def write_sets(out: Path) -> dict[str, Path]:
    """The two BEIR folders (native, english) under `out`."""
    with gzip.open(PAGES, "rt", encoding="utf-8") as handle:
        pages = json.load(handle)
    corpus = [
        {"_id": key[:ID_CHARS], "title": "", "text": page["articleBody"]}
        for key, page in pages.items()
    ]
    with QUESTIONS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    known = {doc["_id"] for doc in corpus}
    missing = sorted({r["page"] for r in rows} - known)
    if missing:
        raise SystemExit(f"questions name pages the corpus lacks: {missing}")
    folders = {}
    for name in ("native", "english"):
        folder = out / name
        (folder / "qrels").mkdir(parents=True, exist_ok=True)
        with (folder / "corpus.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(doc, ensure_ascii=False) + "\n" for doc in corpus)
        chosen = [r for r in rows if (r["language"] == "en") == (name == "english")]
        with (folder / "queries.jsonl").open("w", encoding="utf-8") as handle:
            for r in chosen:
                item = {"_id": f"{r['language']}-{r['page']}", "text": r["question"]}
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        with (folder / "qrels" / "test.tsv").open("w", encoding="utf-8") as handle:
            handle.write("query-id\tcorpus-id\tscore\n")
            handle.writelines(f"{r['language']}-{r['page']}\t{r['page']}\t1\n" for r in chosen)
        folders[name] = folder
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["all-MiniLM-L6-v2", "multilingual-e5-small"]
    )
    parser.add_argument(
        "--out", type=Path, help="where the sets and indexes go (default: temporary)"
    )
    args = parser.parse_args()
    if not PAGES.exists():
        raise SystemExit(f"{PAGES} is missing: this check reads ../shared/data")
    with tempfile.TemporaryDirectory(prefix="newsearch-multilingual-") as tmp:
        out = args.out or Path(tmp)
        folders = write_sets(out)
        print("| model | questions | mode | nDCG@10 | MRR@10 | Recall@100 |")
        print("|---|---|---|---|---|---|")
        for model in args.models:
            settings = Settings(index_dir=out / "unused", model=model)
            index_dir = out / f"index-{model}"
            for name, folder in folders.items():
                results = evaluate(folder, settings, MODES, index_dir=index_dir)
                for r in results:
                    print(
                        f"| {model} | {name} ({r.queries}) | {r.mode} | {r.ndcg10:.4f} | "
                        f"{r.mrr10:.4f} | {r.recall100:.4f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
