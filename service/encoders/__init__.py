"""Encoders: texts to unit vectors. The protocol and its shared parts (base), one module per
runtime (onnxrt, pytorch, hashing), the ONNX export, and load_encoder. Importing this package
loads no runtime: each is imported when an encoder of its kind is made."""

from service.encoders.base import Encoder, ProgressFn, QueryCache, batched
from service.encoders.hashing import HashingEncoder
from service.encoders.lazy import LazyEncoder
from service.encoders.loader import load_encoder
from service.encoders.models import BACKENDS, Backend, model_id, resolve_model_path

__all__ = [
    "BACKENDS",
    "Backend",
    "Encoder",
    "HashingEncoder",
    "LazyEncoder",
    "ProgressFn",
    "QueryCache",
    "batched",
    "load_encoder",
    "model_id",
    "resolve_model_path",
]
