"""Offline study for #21: sentence-level vectors. Each passage's dense score blends its own
vector's cosine with its best sentence's (questions often match one sentence), before any of
it is built into the index.

    newsearch eval ../shared/data/scifact --index-dir /tmp/s            # builds the index
    .venv/bin/python bench/sentence_vectors.py ../shared/data/scifact /tmp/s \\
        [--model NAME] [--ignore-identical-ids]

For each question: the exact cosine of every stored passage vector and of every sentence of
every passage (service.chunking.sentence_spans, embedded with the index's own encoder); a
passage scores (1 - w_s) · cos(passage) + w_s · max cos(its sentences), then is fused with
FTS5's bm25 top DEPTH by z-scores (bench/fuse_encoders.py's Fusion: leads, grouping and phrase
checks left out, so the w_s = 0 column is the baseline, not `newsearch eval`'s figure). Also
prints what the sentence vectors cost: how many there are a passage, and the seconds to embed
them against embedding the passages in the same run. Tune on SciFact; report the others.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuse_encoders import Fusion, keyword_hits, questions_of  # noqa: E402

from service import NewsIndex, Settings  # noqa: E402
from service.chunking import sentence_spans  # noqa: E402
from service.config import DEFAULT_MODEL  # noqa: E402

BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)
KEYWORD_WEIGHTS = (0.0, 0.3, 0.4, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--ignore-identical-ids", action="store_true")
    args = parser.parse_args()
    data, qids, questions = questions_of(args.dataset)
    with NewsIndex.open(Settings(index_dir=args.index_dir, model=args.model)) as index:
        ids, vecs = index.store.all_vectors(index.dim)
        texts = dict(index.store.passage_texts())
        docs = index.store.passage_docs()
        keyword = keyword_hits(index, questions)
        queries = np.vstack([index.encoder.encode_query(q) for q in questions])
        sentences: list[str] = []
        owner: list[int] = []  # the passage row of each sentence
        for row, pid in enumerate(ids):
            text = texts[int(pid)]
            spans = sentence_spans(text) or [(0, len(text))]
            sentences += [text[a:b] for a, b in spans]
            owner += [row] * len(spans)
        passages = [texts[int(pid)] for pid in ids]
        began = time.perf_counter()
        index.encoder.encode(passages)
        passage_s = time.perf_counter() - began
        began = time.perf_counter()
        sentence_vecs = index.encoder.encode(sentences)
        sentence_s = time.perf_counter() - began
    print(
        f"{args.dataset.name}: {len(ids):,} passages, {len(sentences):,} sentences "
        f"({len(sentences) / len(ids):.1f} a passage); embedding them took {sentence_s:.1f} s "
        f"against {passage_s:.1f} s for the passages ({sentence_s / passage_s:.2f}x)"
    )
    passage_cos = queries @ vecs.T
    sentence_cos = queries @ np.asarray(sentence_vecs, np.float32).T
    starts = np.searchsorted(np.asarray(owner), np.arange(len(ids)))  # owner is ascending
    best_sentence = np.maximum.reduceat(sentence_cos, starts, axis=1)
    fusion = Fusion(data, qids, ids, docs, keyword, args.ignore_identical_ids)
    print("nDCG@10, keyword weight (rows) by the best sentence's share w_s (columns)")
    print("w_keyword " + "".join(f"{b:>8.2f}" for b in BLENDS))
    for w in KEYWORD_WEIGHTS:
        row = [fusion.ndcg(w, [(1.0, (1 - b) * passage_cos + b * best_sentence)]) for b in BLENDS]
        print(f"{w:>9.1f} " + "".join(f"{v:>8.4f}" for v in row))


if __name__ == "__main__":
    main()
