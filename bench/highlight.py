"""Answer highlighting: does the marked sentence hold the answer, and what does marking cost?

    .venv/bin/python bench/highlight.py [--data ../shared/data/realtimeqa-news]
                                        [--index-dir bench/cache/realtimeqa-news]

RealTime QA's questions come with their answer (the right choice of a multiple-choice quiz)
and the outlet's evidence paragraph. Every question whose evidence has two or more sentences,
with the answer in some of them but not all, is one case: the highlighter marks a sentence
of that paragraph, and the case counts as found when the marked sentence holds the answer
(case-insensitive). Beside the shipped highlighter: the first sentence (news puts the point
first) and the embedding model alone (the sentence closest to the question). Also how many
cases needed the model and the time a case takes. The index (for the words' document
frequencies and the encoder) is `newsearch eval`'s: it is built there if missing."""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import NewsIndex, Settings  # noqa: E402
from service.chunking import sentence_spans  # noqa: E402
from service.evaluate import evaluate, load_dataset  # noqa: E402
from service.search.highlight import best_sentences  # noqa: E402

Span = tuple[int, int]


def cases(data: Path) -> list[tuple[str, str, str]]:
    """(question, evidence text, answer) for every question the measure can judge."""
    dataset = load_dataset(data)
    with gzip.open(data / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        corpus = {d["_id"]: d["text"] for d in map(json.loads, handle)}
    answers: dict[str, str] = {}
    with gzip.open(data / "raw" / "weekly_qa.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            try:
                answers.setdefault(row["question_id"], row["choices"][int(row["answer"][0])])
            except (KeyError, IndexError, ValueError, TypeError):
                continue
    out = []
    for qid, question in dataset.queries.items():
        answer = answers.get(qid, "").strip().lower()
        docs = list(dataset.qrels.get(qid, {}))
        if len(answer) < 2 or len(docs) != 1 or docs[0] not in corpus:
            continue
        text = corpus[docs[0]]
        holds = [answer in text[s:e].lower() for s, e in sentence_spans(text)]
        if len(holds) >= 2 and 0 < sum(holds) < len(holds):
            out.append((question, text, answer))
    return out


def measure(
    name: str, pick: Callable[[str, str], Span], judged: list[tuple[str, str, str]]
) -> dict[str, Any]:
    found, times = 0, []
    for question, text, answer in judged:
        started = time.perf_counter()
        start, end = pick(question, text)
        times.append((time.perf_counter() - started) * 1000)
        found += answer in text[start:end].lower()
    return {
        "method": name,
        "cases": len(judged),
        "found": round(found / len(judged), 4),
        "p50_ms": round(statistics.median(times), 3),
        "mean_ms": round(statistics.mean(times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/realtimeqa-news")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "bench/cache/realtimeqa-news")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/highlight.json")
    args = parser.parse_args()
    if not (args.data / "raw" / "weekly_qa.jsonl.gz").exists():
        sys.exit(f"no RealTime QA data at {args.data}: skipped")
    settings = Settings().with_(index_dir=args.index_dir)
    if not (args.index_dir / "newsearch.db").exists():
        evaluate(args.data, Settings(), ["dense"], index_dir=args.index_dir, limit_queries=1)
    judged = cases(args.data)
    with NewsIndex.open(settings) as index:
        model_calls = 0
        encode_few = index.encoder.encode_few

        def counted(texts: Any) -> np.ndarray:
            nonlocal model_calls
            model_calls += 1
            return encode_few(texts)

        def shipped(question: str, text: str) -> Span:
            return best_sentences(question, [text], index.keywords.idf, index.encoder)[0]

        def first(question: str, text: str) -> Span:
            return sentence_spans(text)[0]

        def model_only(question: str, text: str) -> Span:
            spans = sentence_spans(text)
            sims = encode_few([text[s:e] for s, e in spans]) @ index.encoder.encode_query(question)
            return spans[int(np.argmax(sims))]

        for question, _, _ in judged:  # question vectors cached alike for every method
            index.encoder.encode_query(question)
        index.encoder.encode_few = counted  # type: ignore[method-assign]
        rows = [measure("newsearch highlight", shipped, judged)]
        rows[0]["model_share"] = round(model_calls / len(judged), 4)
        index.encoder.encode_few = encode_few  # type: ignore[method-assign]
        rows.append(measure("first sentence", first, judged))
        rows.append(measure("embedding model alone", model_only, judged))
    print(f"{len(judged)} questions, answer in some sentences of the evidence but not all")
    print(f"{'method':24} {'answer marked':>13} {'needs model':>11} {'p50 ms':>8} {'mean ms':>8}")
    for r in rows:
        share = f"{r['model_share']:.1%}" if "model_share" in r else "-"
        print(
            f"{r['method']:24} {r['found']:>13.1%} {share:>11} {r['p50_ms']:>8.2f} "
            f"{r['mean_ms']:>8.2f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
