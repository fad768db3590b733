"""The one-off export of a sentence-transformers model to ONNX (eager attention), int8-quantized
per channel, cached by the weights it came from."""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.encoders.models import quiet_transformers
from service.errors import MissingDependency
from service.fileutil import cache_key

log = logging.getLogger("newsearch.export")
# bump when the export recipe changes (2: eager attention; 3: 7-bit weights)
EXPORT_VERSION = "3"


def exported_model(model_dir: Path, cache_dir: Path, quantized: bool) -> Path:
    """The cached ONNX file for this model directory, exporting it first if needed."""
    weights = [p for p in sorted(model_dir.iterdir()) if p.suffix in (".safetensors", ".bin")]
    target_dir = cache_dir / cache_key(EXPORT_VERSION, [model_dir / "config.json", *weights])
    target = target_dir / ("model-int8.onnx" if quantized else "model.onnx")
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    kind = "int8 " if quantized else ""
    log.info(
        "exporting the model in %s to ONNX (%sonce, about 20 s on 2 cores; kept in %s)",
        model_dir,
        kind,
        target_dir,
    )
    with tempfile.TemporaryDirectory(dir=target_dir) as tmp, _quiet():
        fp32 = Path(tmp) / "model.onnx"
        _export(model_dir, fp32)
        if quantized:
            int8 = Path(tmp) / "model-int8.onnx"
            quantize_int8(fp32, int8)
            os.replace(int8, target)
        else:
            shutil.move(str(fp32), target)
    return target


def quantize_int8(fp32: Path, int8: Path, extra_options: dict[str, Any] | None = None) -> None:
    """int8 weights, one scale per output channel (one scale a tensor moves the vectors much
    further from the float model's); activations are quantized per run. The weights use 7
    bits of the 8 (reduce_range): on x86 CPUs without VNNI (AVX2 alone, as on some of our
    machines) ONNX Runtime multiplies u8 by s8 in pairs summed into 16 bits, which can
    saturate with full-range weights; 7-bit ones cannot (ONNX Runtime's advice for such
    CPUs), and they measure closer to the float model there (docs/benchmarks)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=True,
        extra_options=extra_options,
    )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The one-off export warns about tracing and pre-processing; none of it applies here."""
    quiet_transformers()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _export(model_dir: Path, path: Path, attention: str = "eager") -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise MissingDependency(
            "exporting the model to ONNX", "torch==2.13.0 transformers"
        ) from None

    # Eager attention exports as plain MatMul/Softmax nodes, which ONNX Runtime runs faster
    # than the graph traced from PyTorch's scaled-dot-product attention ("sdpa"), for the same
    # vectors (bench/export_attention.py, docs/benchmarks)
    inner = AutoModel.from_pretrained(str(model_dir), attn_implementation=attention)
    # BERT-style models take token_type_ids; MPNet and others do not
    typed = "token_type_ids" in inspect.signature(inner.forward).parameters

    class Wrapped(torch.nn.Module):
        """Fixes the input order; newer transformers take more positional arguments."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, *rest: Any) -> Any:
            extra = {"token_type_ids": rest[0]} if rest else {}
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, **extra
            ).last_hidden_state

    model = Wrapped()
    model.eval()
    ids = torch.ones((1, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if typed else [])
    inputs = (ids, torch.ones_like(ids)) + ((torch.zeros_like(ids),) if typed else ())
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            model,
            inputs,
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
