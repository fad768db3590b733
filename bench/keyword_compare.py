"""Keyword retrieval: SQLite FTS5 bm25 (what newsearch uses) vs bm25s on the same documents.

    .venv/bin/python bench/keyword_compare.py ../shared/data/scifact [--ignore-identical-ids]

Needs `pip install bm25s PyStemmer` (bench only). FTS5 runs through `newsearch eval --mode
keyword` machinery with a throwaway hashing encoder (keyword mode never reads embeddings)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pytrec_eval

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service import Settings  # noqa: E402
from service.evaluate import evaluate, iter_corpus, load_dataset  # noqa: E402


def bm25s_run(data_dir: Path, ignore_ids: bool, k1: float, b: float) -> tuple[float, float]:
    import bm25s
    import Stemmer

    data = load_dataset(data_dir)
    docs = list(iter_corpus(data.corpus))
    stemmer = Stemmer.Stemmer("english")
    started = time.perf_counter()
    tokens = bm25s.tokenize(
        [d.text for d in docs], stopwords="en", stemmer=stemmer, show_progress=False
    )
    model = bm25s.BM25(method="lucene", k1=k1, b=b)
    model.index(tokens, show_progress=False)
    build = time.perf_counter() - started
    qids = sorted(data.queries)
    q_tokens = bm25s.tokenize(
        [data.queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False
    )
    results, scores = model.retrieve(q_tokens, k=101, show_progress=False, n_threads=1)
    run = {}
    for row, qid in enumerate(qids):
        ranked = {}
        for idx, score in zip(results[row], scores[row], strict=True):
            doc = docs[int(idx)].doc_id
            if ignore_ids and doc == qid:
                continue
            ranked[doc] = float(score)
        run[qid] = dict(list(ranked.items())[:100])
    ev = pytrec_eval.RelevanceEvaluator({q: data.qrels[q] for q in qids}, {"ndcg_cut.10"})
    out = ev.evaluate(run)
    return sum(v["ndcg_cut_10"] for v in out.values()) / len(qids), build


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--ignore-identical-ids", action="store_true")
    args = parser.parse_args()
    print(f"{'system':<44} {'nDCG@10':>8}")
    for words in (0, 180):
        started = time.perf_counter()
        (fts,) = evaluate(
            args.dataset,
            Settings(model="hashing-8", max_passage_words=words),
            ["keyword"],
            ignore_identical_ids=args.ignore_identical_ids,
        )
        label = f"FTS5 bm25 (k1=1.2 b=0.75), passages<={words or 'doc'}"
        print(
            f"{label:<44} {fts.ndcg10:>8.4f}   ({time.perf_counter() - started:.1f} s incl. "
            "indexing)"
        )
    for k1, b in ((1.2, 0.75), (0.9, 0.4), (1.5, 0.75)):
        score, _ = bm25s_run(args.dataset, args.ignore_identical_ids, k1, b)
        print(f"{f'bm25s lucene k1={k1} b={b}, whole docs':<44} {score:>8.4f}")


if __name__ == "__main__":
    main()
