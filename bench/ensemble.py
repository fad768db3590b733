"""Search latency with a second model's list, as a multiple of encoding the question with
MiniLM, measured in one run on the same questions:

    .venv/bin/python bench/ensemble.py --index INDEX_DIR [--index INDEX_DIR ...]
                                       [--data ../shared/data/realtimeqa-news] [--questions 300]

Each --index is an existing index (e.g. the ones `newsearch eval DATASET --index-dir DIR
[--second-model multilingual-e5-small]` keeps). For each question, in turn: MiniLM encodes
it (its cache cleared, as for a question never asked), then every index answers it
in-process (`NewsIndex.search`, hybrid, k 10, grouping and highlights on, the questions'
vectors not cached), so the rows share the machine's state. Prints p50 and p99 of each, and
each p50 as a multiple of MiniLM's question encoding."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import NewsIndex, SearchRequest, Settings  # noqa: E402
from service.encoders import load_encoder  # noqa: E402
from service.encoders.models import split_model_id  # noqa: E402
from service.evaluate import load_dataset  # noqa: E402
from service.opening import recorded_model  # noqa: E402


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, action="append", required=True)
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "data" / "realtimeqa-news"
    )
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    questions = list(load_dataset(args.data).queries.values())[: args.questions]
    minilm = load_encoder("all-MiniLM-L6-v2", "onnx-int8")
    indexes = []
    for folder in args.index:
        model, backend = split_model_id(recorded_model(folder) or "")
        settings = Settings(index_dir=folder, model=model, backend=backend or "onnx-int8")
        index = NewsIndex.open(settings.with_(nlp="off"))
        index.search(SearchRequest("warm up the models", k=10))
        indexes.append(index)
    minilm.encode_query("warm up")
    timings: dict[str, list[float]] = {"MiniLM question encoding": []}
    names = [
        f"{i.index_dir.name} ({i.model}{' + ' + i.second.model if i.second else ''})"
        for i in indexes
    ]
    for name in names:
        timings[name] = []
    for question in questions:
        for encoder in [minilm] + [e for i in indexes for e in _encoders(i)]:
            clear = getattr(encoder, "clear_cache", None)
            if clear:
                clear()
        started = time.perf_counter()
        minilm.encode_query(question)
        timings["MiniLM question encoding"].append(ms_since(started))
        for name, index in zip(names, indexes, strict=True):
            started = time.perf_counter()
            index.search(SearchRequest(question, k=10, mode="hybrid"))
            timings[name].append(ms_since(started))
    base = statistics.median(timings["MiniLM question encoding"])
    print(f"{len(questions)} questions from {args.data.name}")
    print("| what | p50 ms | p99 ms | p50 ÷ MiniLM question encoding |")
    print("|---|---|---|---|")
    for name, values in timings.items():
        p50 = statistics.median(values)
        p99 = statistics.quantiles(values, n=100)[-1]
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {p50 / base:.2f} |")
    for index in indexes:
        index.close()


def _encoders(index: NewsIndex) -> list[object]:
    found: list[object] = [index.encoder]
    if index.second:
        found.append(index.second.encoder.get())
    return found


if __name__ == "__main__":
    main()
