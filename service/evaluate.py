"""`newsearch eval`: BEIR-layout evaluation (nDCG@10, Recall@100, MRR@10, latency) of each
retrieval mode, with trec_eval's measures through pytrec_eval."""

from __future__ import annotations

import csv
import gzip
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.attribution import OFF
from service.config import Settings
from service.errors import InputError
from service.newsindex import NewsIndex
from service.records import Article
from service.reports import IndexProgress
from service.search import Filters

DEPTH = 100  # documents ranked per query (Recall@100)


@dataclass(frozen=True)
class Dataset:
    name: str
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


@dataclass(frozen=True)
class ModeResult:
    mode: str
    ndcg10: float
    recall100: float
    mrr10: float
    p50_ms: float
    p95_ms: float
    queries: int


def load_dataset(root: Path, split: str = "test") -> Dataset:
    corpus = next(
        (root / n for n in ("corpus.jsonl", "corpus.jsonl.gz") if (root / n).exists()), None
    )
    qrels_path = root / "qrels" / f"{split}.tsv"
    if corpus is None or not (root / "queries.jsonl").exists() or not qrels_path.exists():
        raise InputError(
            f"'{root}' is not a BEIR folder: it needs corpus.jsonl[.gz], queries.jsonl and "
            f"qrels/{split}.tsv"
        )
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header and header[0] != "query-id":  # no header line: that was data
            qrels.setdefault(header[0], {})[header[1]] = int(header[2])
        for row in reader:
            if len(row) >= 3:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries: dict[str, str] = {}
    with (root / "queries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                item = json.loads(line)
                if str(item["_id"]) in qrels:
                    queries[str(item["_id"])] = item["text"]
    return Dataset(root.name, corpus, queries, qrels)


def iter_corpus(path: Path) -> Iterator[Article]:
    """BEIR documents as articles: title + " " + text (the BEIR/MTEB convention)."""
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            title = (item.get("title") or "").strip()
            text = f"{title} {item.get('text') or ''}".strip()
            if text:
                yield Article(doc_id=str(item["_id"]), text=text, title=title)


def evaluate(
    dataset_dir: Path,
    settings: Settings,
    modes: list[str],
    *,
    ignore_identical_ids: bool = False,
    index_dir: Path | None = None,
    progress: IndexProgress | None = None,
    limit_queries: int | None = None,
) -> list[ModeResult]:
    """Indexes the corpus (into index_dir, reused if it holds it, else a temporary folder) and
    scores each mode over the test queries."""
    import pytrec_eval

    data = load_dataset(dataset_dir)
    with tempfile.TemporaryDirectory(prefix="newsearch-eval-") as tmp:
        # retrieval is scored: who said what changes no ranking, so its cost is left out
        local = settings.with_(index_dir=index_dir or Path(tmp) / "index", nlp=OFF)
        with NewsIndex.open(local, writable=True, create=True) as index:
            index.add_articles(iter_corpus(data.corpus), progress=progress)
            doc_of = index.store.passage_docs()
            query_ids = (
                sorted(data.queries)[:limit_queries] if limit_queries else sorted(data.queries)
            )
            results = []
            for mode in modes:
                second = index.second.encoder.get() if index.second else None
                for encoder in (index.encoder, second):
                    clear = getattr(encoder, "clear_cache", None)
                    if clear:
                        clear()
                run: dict[str, dict[str, float]] = {}
                timings: list[float] = []
                for qid in query_ids:
                    started = time.perf_counter()
                    # exactly the product's retrieval (same candidate depth and fusion)
                    ranked = index.searcher.ranked(data.queries[qid], mode, Filters())
                    timings.append((time.perf_counter() - started) * 1000)
                    run[qid] = rank_documents(ranked, doc_of, qid if ignore_identical_ids else None)
                qrels = {q: data.qrels[q] for q in query_ids}
                measures = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
                mrr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"})
                scores = measures.evaluate(run)
                top10 = {
                    q: dict(sorted(r.items(), key=lambda x: -x[1])[:10]) for q, r in run.items()
                }
                rr = mrr.evaluate(top10)
                # a query with nothing retrieved is absent from pytrec_eval's output: it scores 0
                n = len(query_ids)
                results.append(
                    ModeResult(
                        mode=mode,
                        ndcg10=sum(s["ndcg_cut_10"] for s in scores.values()) / n,
                        recall100=sum(s["recall_100"] for s in scores.values()) / n,
                        mrr10=sum(s["recip_rank"] for s in rr.values()) / n,
                        p50_ms=statistics.median(timings),
                        p95_ms=statistics.quantiles(timings, n=20)[-1] if n > 1 else timings[0],
                        queries=n,
                    )
                )
            return results


def rank_documents(
    ranked: list[tuple[int, float]], doc_of: dict[int, str], drop_id: str | None
) -> dict[str, float]:
    """A document's score is its best passage's; the top DEPTH documents."""
    best: dict[str, float] = {}
    for pid, score in ranked:
        doc = doc_of.get(pid)
        if doc is None or doc == drop_id or doc in best:
            continue
        best[doc] = score
        if len(best) >= DEPTH:
            break
    return best
