"""Offline study for #21: what a second dense list (another encoder over the same passages) adds
to the hybrid, with z-score convex fusion as search does it (service.search.fusion), before any
of it is built into the index.

    newsearch eval ../shared/data/scifact --index-dir /tmp/a            # MiniLM, the default
    newsearch eval ../shared/data/scifact --index-dir /tmp/b --model multilingual-e5-small
    .venv/bin/python bench/fuse_encoders.py ../shared/data/scifact /tmp/a /tmp/b \\
        --model-b multilingual-e5-small [--ignore-identical-ids]

For each question: both encoders' exact dense scores over every passage, FTS5's bm25 top
DEPTH; candidates are the union of each list's top DEPTH, each list standardised over them
(a keyword non-match scores 0), added with weights (keyword w_k, the rest split between the
two dense lists), articles ranked by their best passage, nDCG@10. Leads, grouping and the
phrase checks of a real search are left out, so the row with the second list at 0 is the
baseline to compare with, not `newsearch eval`'s figure. Tune on SciFact; report the others.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytrec_eval

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import NewsIndex, Settings  # noqa: E402
from service.analysis import fts_query  # noqa: E402
from service.config import DEFAULT_MODEL  # noqa: E402
from service.evaluate import load_dataset  # noqa: E402
from service.search import Filters  # noqa: E402

DEPTH = 100


def dense_matrix(index_dir: Path, model: str, questions: list[str]) -> tuple[np.ndarray, ...]:
    with NewsIndex.open(Settings(index_dir=index_dir, model=model)) as index:
        ids, vecs = index.store.all_vectors(index.dim)
        order = np.argsort(ids)
        queries = np.vstack([index.encoder.encode_query(q) for q in questions])
        return ids[order], queries @ vecs[order].T


def zs(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return (values - values.mean()) / std if std > 0 else np.zeros_like(values)


def questions_of(dataset: Path) -> tuple[Any, list[str], list[str]]:
    """A BEIR-style set, its question ids in order and their texts."""
    data = load_dataset(dataset)
    qids = sorted(data.queries)
    return data, qids, [data.queries[q] for q in qids]


def keyword_hits(index: NewsIndex, questions: list[str]) -> list[dict[int, float]]:
    """FTS5's bm25 top DEPTH for each question: passage id -> score."""
    out = []
    for q in questions:
        match = fts_query(q)
        out.append(dict(index.store.keyword_search(match, DEPTH, Filters()) if match else []))
    return out


class Fusion:
    """nDCG@10 of dense lists (one matrix of scores a list: questions by passage rows) fused
    with the keyword list by weights, articles ranked by their best passage."""

    def __init__(
        self,
        data: Any,
        qids: list[str],
        ids: np.ndarray,
        docs: dict[int, str],
        keyword: list[dict[int, float]],
        ignore_identical_ids: bool,
    ) -> None:
        self.qids, self.ids, self.docs, self.ignore = qids, ids, docs, ignore_identical_ids
        row_of = {int(i): r for r, i in enumerate(ids)}
        self.keyword = [{row_of[i]: s for i, s in hits.items()} for hits in keyword]
        self.evaluator = pytrec_eval.RelevanceEvaluator(
            {q: data.qrels[q] for q in qids}, {"ndcg_cut.10"}
        )

    def ndcg(self, w_keyword: float, dense: list[tuple[float, np.ndarray]]) -> float:
        """`dense`: (share of the dense weight, matrix) a list; the shares add up to 1."""
        run = {}
        for n, q in enumerate(self.qids):
            kw = self.keyword[n]
            pool_set = set(kw)
            for _, matrix in dense:
                pool_set |= set(np.argpartition(-matrix[n], DEPTH)[:DEPTH])
            pool = np.array(sorted(pool_set))
            fused = w_keyword * zs(np.array([kw.get(int(r), 0.0) for r in pool]))
            for share, matrix in dense:
                fused = fused + (1 - w_keyword) * share * zs(matrix[n][pool])
            best: dict[str, float] = {}
            for at in np.argsort(-fused):
                doc = str(self.docs[int(self.ids[pool[at]])])
                if self.ignore and doc == q:
                    continue
                best.setdefault(doc, float(fused[at]))
                if len(best) >= 100:
                    break
            run[q] = best
        scores = self.evaluator.evaluate(run)
        return sum(v["ndcg_cut_10"] for v in scores.values()) / len(self.qids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("index_a", type=Path)
    parser.add_argument("index_b", type=Path)
    parser.add_argument("--model-a", default=DEFAULT_MODEL)
    parser.add_argument("--model-b", required=True)
    parser.add_argument("--ignore-identical-ids", action="store_true")
    args = parser.parse_args()
    data, qids, questions = questions_of(args.dataset)
    ids_a, dense_a = dense_matrix(args.index_a, args.model_a, questions)
    ids_b, dense_b = dense_matrix(args.index_b, args.model_b, questions)
    with NewsIndex.open(Settings(index_dir=args.index_a, model=args.model_a)) as index:
        docs = index.store.passage_docs()
        texts_a = index.store.passage_texts()
        keyword = keyword_hits(index, questions)
    with NewsIndex.open(Settings(index_dir=args.index_b, model=args.model_b)) as index:
        if index.store.passage_texts() != texts_a or not np.array_equal(ids_a, ids_b):
            raise SystemExit("the two indexes do not hold the same passages under the same ids")
    fusion = Fusion(data, qids, ids_a, docs, keyword, args.ignore_identical_ids)

    print(f"{args.dataset.name}: nDCG@10, keyword weight (rows) by the second list's share of")
    print(f"the dense weight (columns; 0 = {args.model_a} alone, 1 = {args.model_b} alone)")
    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    print("w_keyword " + "".join(f"{s:>8.2f}" for s in shares))
    for w in (0.0, 0.2, 0.3, 0.4, 0.5):
        row = [fusion.ndcg(w, [(1 - s, dense_a), (s, dense_b)]) for s in shares]
        print(f"{w:>9.1f} " + "".join(f"{v:>8.4f}" for v in row))


if __name__ == "__main__":
    main()
