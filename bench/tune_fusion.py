"""Offline fusion tuning on an evaluation index (dev set only: scifact).

    .venv/bin/newsearch eval ../shared/data/scifact --index-dir bench/cache/scifact-180
    .venv/bin/python bench/tune_fusion.py ../shared/data/scifact bench/cache/scifact-180

Caches each query's dense scores over every passage and its FTS5 top-1000, then re-fuses with
many settings in seconds. It prints nDCG@10 per setting; the chosen one goes into search.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytrec_eval

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service import NewsIndex, Settings  # noqa: E402
from service.analysis import STOPWORDS, WORD, fts_query  # noqa: E402
from service.evaluate import load_dataset  # noqa: E402
from service.search import Filters  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--ignore-identical-ids", action="store_true")
    parser.add_argument(
        "--title-prefix",
        action="store_true",
        help="also re-embed every passage after an article's first with its title in front",
    )
    args = parser.parse_args()
    data = load_dataset(args.dataset)
    index = NewsIndex.open(Settings(index_dir=args.index_dir))
    ids, vecs = index.store.all_vectors(index.dim)
    doc_of_row = np.array(
        [d for _, d in index.store.conn.execute("SELECT id, doc_id FROM passages ORDER BY id")]
    )
    row_of_id = {int(i): r for r, i in enumerate(ids)}
    qids = sorted(data.queries)
    qvecs = index.encoder.encode([data.queries[q] for q in qids])
    dense_all = qvecs @ vecs.T  # (queries, passages)
    keyword: list[dict[int, float]] = []
    for q in qids:
        match = fts_query(data.queries[q])
        hits = index.store.keyword_search(match, 1000, Filters()) if match else []
        keyword.append({row_of_id[i]: s for i, s in hits})
    qrels = {q: data.qrels[q] for q in qids}
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"})

    def score(fuse, lists=None) -> float:  # type: ignore[no-untyped-def]
        run = {}
        for n, q in enumerate(qids):
            fused = fuse(dense_all[n], (lists or keyword)[n])
            order = np.argsort(-fused)[:400]
            best: dict[str, float] = {}
            for r in order:
                d = str(doc_of_row[r])
                if args.ignore_identical_ids and d == q:
                    continue
                if d not in best:
                    best[d] = float(fused[r])
                if len(best) >= 100:
                    break
            run[q] = best
        out = ev.evaluate(run)
        return sum(v["ndcg_cut_10"] for v in out.values()) / len(qids)

    def convex(alpha: float, depth: int, fill: bool, norm: str):  # type: ignore[no-untyped-def]
        def fuse(dense: np.ndarray, kw: dict[int, float]) -> np.ndarray:
            top_d = np.argsort(-dense)[:depth]
            kw_top = dict(sorted(kw.items(), key=lambda x: -x[1])[:depth])
            cand = set(top_d.tolist()) | set(kw_top)
            rows = np.array(sorted(cand))
            d = dense[rows]
            if not fill:
                dset = set(top_d.tolist())
                d = np.array([dense[r] if r in dset else np.nan for r in rows])
                d = np.where(np.isnan(d), np.nanmin(d), d)
            k = np.array([(kw if fill else kw_top).get(r, 0.0) for r in rows])
            if norm == "minmax":
                d = (d - d.min()) / (np.ptp(d) or 1)
                k = (k - k.min()) / (np.ptp(k) or 1)
            elif norm == "z":
                d = (d - d.mean()) / (d.std() or 1)
                k = (k - k.mean()) / (k.std() or 1)
            elif norm == "max":
                d = d / (d.max() or 1)
                k = k / (k.max() or 1)
            out = np.full(len(dense), -1e9)
            out[rows] = alpha * d + (1 - alpha) * k
            return out

        return fuse

    def rrf(k0: int, depth: int, alpha: float = 0.5):  # type: ignore[no-untyped-def]
        def fuse(dense: np.ndarray, kw: dict[int, float]) -> np.ndarray:
            out = np.full(len(dense), -1e9)
            top_d = np.argsort(-dense)[:depth]
            scores: dict[int, float] = {}
            for rank, r in enumerate(top_d):
                scores[int(r)] = scores.get(int(r), 0) + 2 * alpha / (k0 + rank + 1)
            for rank, (r, _) in enumerate(sorted(kw.items(), key=lambda x: -x[1])[:depth]):
                scores[r] = scores.get(r, 0) + 2 * (1 - alpha) / (k0 + rank + 1)
            for r, s in scores.items():
                out[r] = s
            return out

        return fuse

    print("dense only", round(score(lambda d, k: d), 4))
    for alpha in (0.5, 0.6, 0.7):
        print(f"z alpha={alpha}: {score(convex(alpha, 200, True, 'z')):.4f}")

    def confident(alpha: float, power: float):  # type: ignore[no-untyped-def]
        """z fusion where each list's weight grows with how far its best candidate stands
        out (its top z-score): a retriever that found something distinctive counts more."""

        def fuse(dense: np.ndarray, kw: dict[int, float]) -> np.ndarray:
            top_d = np.argsort(-dense)[:200]
            kw_top = dict(sorted(kw.items(), key=lambda x: -x[1])[:200])
            rows = np.array(sorted(set(top_d.tolist()) | set(kw_top)))
            d = dense[rows]
            k = np.array([kw.get(r, 0.0) for r in rows])
            d = (d - d.mean()) / (d.std() or 1)
            k = (k - k.mean()) / (k.std() or 1)
            cd, ck = max(d.max(), 1e-3) ** power, max(k.max(), 1e-3) ** power
            wd = alpha * cd / (alpha * cd + (1 - alpha) * ck)
            out = np.full(len(dense), -1e9)
            out[rows] = wd * d + (1 - wd) * k
            return out

        return fuse

    for alpha in (0.5, 0.6):
        for power in (0.5, 1.0, 2.0):
            print(f"confident alpha={alpha} power={power}: {score(confident(alpha, power)):.4f}")

    # Query term frequency: a word the query repeats counts as often as it occurs (Lucene's
    # BM25 does this; the searcher counts each distinct word once).
    repeated: list[dict[int, float]] = []
    for q in qids:
        words = [w for w in WORD.findall(data.queries[q].lower()) if w not in STOPWORDS]
        kept = set(list(dict.fromkeys(words))[:64])
        match = " OR ".join(f'"{w}"' for w in words if w in kept)
        hits = index.store.keyword_search(match, 1000, Filters()) if match else []
        repeated.append({row_of_id[i]: s for i, s in hits})
    keyword_only = convex(0.0, 200, True, "z")
    print(
        f"keyword, distinct words / repeats counted: {score(keyword_only):.4f} / "
        f"{score(keyword_only, repeated):.4f}"
    )
    print(f"z alpha=0.6, repeats counted: {score(convex(0.6, 200, True, 'z'), repeated):.4f}")

    # Lead blending: a passage's dense score mixed with its document's first passage (title
    # and lead), i.e. passage-plus-document scoring.
    first: dict[str, int] = {}
    for r, d in enumerate(doc_of_row):
        first.setdefault(str(d), r)
    lead = np.array([first[str(d)] for d in doc_of_row])

    def lead_blend(alpha: float, beta: float):  # type: ignore[no-untyped-def]
        def fuse(dense: np.ndarray, kw: dict[int, float]) -> np.ndarray:
            return convex(alpha, 200, True, "z")((1 - beta) * dense + beta * dense[lead], kw)

        return fuse

    for beta in (0.2, 0.35, 0.5):
        print(f"dense only, lead blend beta={beta}: {score(lead_blend(1.0, beta)):.4f}")
        print(f"z alpha=0.6, lead blend beta={beta}: {score(lead_blend(0.6, beta)):.4f}")

    if args.title_prefix:  # contextual passages: "title. passage" embedded for later passages
        rows = index.store.conn.execute(
            "SELECT p.id, d.title, p.text FROM passages p JOIN documents d "
            "ON d.doc_id = p.doc_id WHERE p.paragraph > 1 AND d.title != '' ORDER BY p.id"
        ).fetchall()
        prefixed = vecs.copy()
        prefixed[[row_of_id[i] for i, _, _ in rows]] = index.encoder.encode(
            [f"{title}. {text}" for _, title, text in rows]
        )
        dense_all[:] = qvecs @ prefixed.T
        print(
            f"title-prefixed later passages ({len(rows)}): dense only "
            f"{score(lambda d, k: d):.4f}, z alpha=0.6 {score(convex(0.6, 200, True, 'z')):.4f}"
        )


if __name__ == "__main__":
    main()
