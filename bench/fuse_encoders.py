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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("index_a", type=Path)
    parser.add_argument("index_b", type=Path)
    parser.add_argument("--model-a", default=DEFAULT_MODEL)
    parser.add_argument("--model-b", required=True)
    parser.add_argument("--ignore-identical-ids", action="store_true")
    args = parser.parse_args()
    data = load_dataset(args.dataset)
    qids = sorted(data.queries)
    questions = [data.queries[q] for q in qids]
    ids_a, dense_a = dense_matrix(args.index_a, args.model_a, questions)
    ids_b, dense_b = dense_matrix(args.index_b, args.model_b, questions)
    with NewsIndex.open(Settings(index_dir=args.index_a, model=args.model_a)) as index:
        rows = dict(index.store.conn.execute("SELECT id, doc_id FROM passages"))
        texts_a = index.store.passage_texts()
        keyword = []
        for q in questions:
            match = fts_query(q)
            hits = index.store.keyword_search(match, DEPTH, Filters()) if match else []
            keyword.append(dict(hits))
    with NewsIndex.open(Settings(index_dir=args.index_b, model=args.model_b)) as index:
        if index.store.passage_texts() != texts_a or not np.array_equal(ids_a, ids_b):
            raise SystemExit("the two indexes do not hold the same passages under the same ids")
    row_of = {int(i): r for r, i in enumerate(ids_a)}
    evaluator = pytrec_eval.RelevanceEvaluator({q: data.qrels[q] for q in qids}, {"ndcg_cut.10"})

    def ndcg(w_keyword: float, share_b: float) -> float:
        run = {}
        for n, q in enumerate(qids):
            a, b = dense_a[n], dense_b[n]
            kw = {row_of[i]: s for i, s in keyword[n].items()}
            pool = set(np.argpartition(-a, DEPTH)[:DEPTH]) | set(np.argpartition(-b, DEPTH)[:DEPTH])
            pool = np.array(sorted(pool | set(kw)))
            k = np.array([kw.get(int(r), 0.0) for r in pool])
            dense_w = 1 - w_keyword
            fused = (
                dense_w * (1 - share_b) * zs(a[pool])
                + dense_w * share_b * zs(b[pool])
                + w_keyword * zs(k)
            )
            best: dict[str, float] = {}
            for r in pool[np.argsort(-fused)]:
                doc = str(rows[int(ids_a[r])])
                if args.ignore_identical_ids and doc == q:
                    continue
                best.setdefault(doc, float(fused[np.searchsorted(pool, r)]))
                if len(best) >= 100:
                    break
            run[q] = best
        scores = evaluator.evaluate(run)
        return sum(v["ndcg_cut_10"] for v in scores.values()) / len(qids)

    print(f"{args.dataset.name}: nDCG@10, keyword weight (rows) by the second list's share of")
    print(f"the dense weight (columns; 0 = {args.model_a} alone, 1 = {args.model_b} alone)")
    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    print("w_keyword " + "".join(f"{s:>8.2f}" for s in shares))
    for w in (0.0, 0.2, 0.3, 0.4, 0.5):
        print(f"{w:>9.1f} " + "".join(f"{ndcg(w, s):>8.4f}" for s in shares))


if __name__ == "__main__":
    main()
