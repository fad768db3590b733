"""The fusion weights of an index with a second model, tuned on SciFact with the product's own
retrieval (leads and all), as `newsearch eval` scores it:

    .venv/bin/newsearch eval ../shared/data/scifact --second-model multilingual-e5-small \\
        --index-dir bench/cache/scifact-ensemble
    .venv/bin/python bench/tune_ensemble.py ../shared/data/scifact bench/cache/scifact-ensemble

For each pair of the grid (the keyword list's weight, the second dense list's share of the
dense weight) it sets the two constants search reads (service.search.fusion's
ENSEMBLE_KEYWORD_WEIGHT and SECOND_SHARE) and scores every query's hybrid ranking: nDCG@10,
one line a pair, best last. The questions are encoded once (the encoders' caches hold them)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytrec_eval

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import Filters, NewsIndex, Settings  # noqa: E402
from service.evaluate import load_dataset, rank_documents  # noqa: E402
from service.search import fusion, retrieval  # noqa: E402

KEYWORD_WEIGHTS = (0.3, 0.4, 0.5, 0.6)
SHARES = (0.3, 0.4, 0.5, 0.6, 0.7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("index_dir", type=Path)
    args = parser.parse_args()
    data = load_dataset(args.dataset)
    scores = []
    with NewsIndex.open(Settings(index_dir=args.index_dir, nlp="off")) as index:
        if index.second is None:
            raise SystemExit(f"{args.index_dir} keeps no second model")
        doc_of = index.store.passage_docs()
        evaluator = pytrec_eval.RelevanceEvaluator(data.qrels, {"ndcg_cut.10"})
        for weight in KEYWORD_WEIGHTS:
            for share in SHARES:
                retrieval.ENSEMBLE_KEYWORD_WEIGHT = weight  # what the retriever passes
                fusion.SECOND_SHARE = share  # what ensemble_fusion reads
                retrieval.SECOND_SHARE = share  # and the leads' scale
                run = {
                    qid: rank_documents(
                        index.searcher.ranked(question, "hybrid", Filters()), doc_of, None
                    )
                    for qid, question in data.queries.items()
                }
                found = evaluator.evaluate(run)
                ndcg = sum(s["ndcg_cut_10"] for s in found.values()) / len(data.queries)
                scores.append((ndcg, weight, share))
                print(f"keyword {weight:.2f}  second share {share:.2f}  nDCG@10 {ndcg:.4f}")
    ndcg, weight, share = max(scores)
    print(f"best: keyword {weight:.2f}, second share {share:.2f}: nDCG@10 {ndcg:.4f}")


if __name__ == "__main__":
    main()
