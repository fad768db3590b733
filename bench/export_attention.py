"""How the attention is exported decides how fast ONNX Runtime runs the model: prints a table
and writes JSON.

    .venv/bin/python bench/export_attention.py [--model NAME_OR_DIR] [--runs 40]
                                               [--out bench/results/export_attention.json]

Exports the model three ways into a temporary folder, each int8-quantized per channel as the
encoder does: traced through PyTorch's scaled-dot-product attention ("sdpa", the transformers
default and this project's export until export version 2, the baseline), through eager
attention (plain MatMul/Softmax nodes: the export now), and the eager graph run through
onnxruntime's transformer optimizer (fused Attention, SkipLayerNormalization, BiasGelu), each
quantized with the encoder's own recipe (service.encoders.export.quantize_int8). Then
it times one text a run on one thread, as the CPU encoder does, at 16 to 256 tokens of the seed
articles, the variants interleaved so that drift hits all alike, and reports each one's cosine
to the sdpa export's vector."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import DEFAULT_MODEL  # noqa: E402
from service.encoders import resolve_model_path  # noqa: E402
from service.encoders.export import _export, _quiet, quantize_int8  # noqa: E402

LENGTHS = (16, 32, 64, 96, 128, 192, 256)


def build(model_dir: Path, work: Path) -> dict[str, Path]:
    import onnx
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_dir / "config.json").read_text())
    fp32 = {}
    with _quiet():
        for attention in ("sdpa", "eager"):
            fp32[attention] = work / f"{attention}.onnx"
            _export(model_dir, fp32[attention], attention)
        fused = optimize_model(
            str(fp32["eager"]),
            model_type="bert",
            num_heads=int(config.get("num_attention_heads", 12)),
            hidden_size=int(config.get("hidden_size", 384)),
        )
        fp32["eager, fused"] = work / "fused.onnx"
        fused.save_model_to_file(str(fp32["eager, fused"]))
        out = {}
        for name, path in fp32.items():
            out[name] = path.with_suffix(".int8.onnx")
            # the fused graph's custom ops hide tensor types from shape inference
            quantize_int8(path, out[name], {"DefaultTensorType": onnx.TensorProto.FLOAT})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "export_attention.json"
    )
    args = parser.parse_args()
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model_dir = Path(resolve_model_path(args.model))
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    words = " ".join(p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt")))
    ids_all = tokenizer.encode(words).ids
    with tempfile.TemporaryDirectory(prefix="newsearch-export-") as tmp:
        paths = build(model_dir, Path(tmp))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sessions = {
            n: ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"])
            for n, p in paths.items()
        }
        rows: list[dict[str, Any]] = []
        for length in LENGTHS:
            # [CLS] ... [SEP] around length - 2 word pieces from the seeds
            ids = np.array([[ids_all[0], *ids_all[1 : length - 1], ids_all[-1]]], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            feeds, vectors = {}, {}
            for n, s in sessions.items():
                typed = "token_type_ids" in {i.name for i in s.get_inputs()}
                feeds[n] = {**feed, "token_type_ids": np.zeros_like(ids)} if typed else feed
                hidden = s.run(None, feeds[n])[0][0].mean(axis=0)  # also the warm-up run
                vectors[n] = hidden / np.linalg.norm(hidden)
            times: dict[str, list[float]] = {n: [] for n in sessions}
            for _ in range(args.runs):
                for n, s in sessions.items():
                    start = time.perf_counter()
                    s.run(None, feeds[n])
                    times[n].append((time.perf_counter() - start) * 1000)
            base = statistics.median(times["sdpa"])
            for n in sessions:
                ms = statistics.median(times[n])
                rows.append(
                    {
                        "tokens": length,
                        "export": n,
                        "p50_ms": ms,
                        "speed_vs_sdpa": base / ms,
                        "cosine_to_sdpa": float(vectors[n] @ vectors["sdpa"]),
                    }
                )
    print(f"{'tokens':>6}  " + "  ".join(f"{n:>22}" for n in sessions))
    for length in LENGTHS:
        cells = [r for r in rows if r["tokens"] == length]
        print(
            f"{length:>6}  "
            + "  ".join(
                f"{r['p50_ms']:>7.2f} ms {r['speed_vs_sdpa']:>5.2f}x c{r['cosine_to_sdpa']:.3f}"
                for r in cells
            )
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
