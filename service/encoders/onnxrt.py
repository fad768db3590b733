"""ONNX Runtime encoder: the same sentence-transformers model exported once from its local
weights (service.encoders.export; torch is needed only for that) and, by default,
int8-quantized per channel. Queries and ingest then run on onnxruntime + tokenizers alone."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from service.encoders.base import ProgressFn, QueryCache, batched
from service.encoders.export import exported_model
from service.encoders.models import resolve_model_path
from service.errors import InputError, MissingDependency


class OnnxEncoder:
    def __init__(
        self,
        name: str,
        *,
        quantized: bool = True,
        cache_dir: Path,
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise MissingDependency("the ONNX backend", "onnxruntime tokenizers") from None
        model_dir = Path(resolve_model_path(name))
        if not (model_dir / "tokenizer.json").exists():
            raise InputError(
                f"the ONNX backend needs a local sentence-transformers directory with "
                f"tokenizer.json; {name!r} is not one (use --backend torch)"
            )
        self.name = name
        self.backend = "onnx-int8" if quantized else "onnx"
        self._path = exported_model(model_dir, cache_dir, quantized)
        self._threads = threads or os.cpu_count() or 1
        self._providers = ["CPUExecutionProvider"]
        if device == "cuda":
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise MissingDependency(
                    "a GPU run of the ONNX backend", "onnxruntime-gpu", "use --backend torch"
                )
            self._providers.insert(0, "CUDAExecutionProvider")
        # On CPU every text is its own run, on one thread, `threads` runs at a time: faster
        # than padded batches on few cores (docs/benchmarks), and it makes a vector depend on
        # its text alone (int8 dynamic quantization scales activations per run, so in a batch
        # a vector would move with its batch-mates). Questions take the same path. A GPU gets
        # batches, one at a time, on a session of its own.
        self._cpu = device == "cpu"
        self._workers = self._threads if self._cpu else 1
        self._batch_session: Any = None
        self._query_session: Any = None
        self._inputs = {i.name for i in self._session_for(query=True).get_inputs()}
        max_len = int(
            _read_json(model_dir / "sentence_bert_config.json").get("max_seq_length", 256)
        )
        self._tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_len)
        # one text a run needs no padding; batches (a GPU) pad to their longest text
        self._plain: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._plain.enable_truncation(max_length=max_len)
        self._plain.no_padding()
        self._tokenizer.enable_padding()
        # what a model's card asks to put before questions and passages (e5: "query: ")
        prompts = _read_json(model_dir / "config_sentence_transformers.json").get("prompts") or {}
        self._query_prompt = str(prompts.get("query") or "")
        self._passage_prompt = str(prompts.get("passage") or prompts.get("document") or "")
        pooling = _read_json(model_dir / "1_Pooling" / "config.json")
        self._cls = bool(pooling.get("pooling_mode_cls_token"))
        self.dim = int(pooling.get("word_embedding_dimension") or self._probe_dim())
        self._cache = QueryCache()
        self._lock = threading.Lock()

    def _session_for(self, *, query: bool) -> Any:
        session = self._query_session if query else self._batch_session
        if session is not None:
            return session
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if query or self._cpu else self._threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between ops: on two cores shared with SQLite, FAISS and the web
        # server, spinning threads only steal time from them
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(self._path), options, providers=self._providers)
        if query:
            self._query_session = session
        else:
            self._batch_session = session
        return session

    def _probe_dim(self) -> int:
        return int(self._run(["dimension probe"]).shape[1])

    def _run(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        prompt = self._query_prompt if query else self._passage_prompt
        encodings = self._tokenizer.encode_batch([prompt + t for t in texts] if prompt else texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        # onnxruntime sessions take concurrent runs (batch, seq, dim)
        hidden = self._session_for(query=query).run(None, feed)[0]
        if self._cls:
            pooled = hidden[:, 0]
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return out

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: ProgressFn | None = None
    ) -> np.ndarray:
        with self._lock:  # one caller's texts at a time: each call already fills the cores
            if self._cpu:  # one text a run (see __init__)
                return self._per_text(texts, progress)
            self._session_for(query=False)  # made once, before any worker uses it
            return batched(texts, self.dim, batch_size, self._run, progress, self._workers)

    def _per_text(self, texts: Sequence[str], progress: ProgressFn | None) -> np.ndarray:
        """The CPU path: each text its own run on the questions' one-thread session, as many
        at a time as there are workers (the sessions take concurrent runs). All texts are
        tokenized in one call first: the Rust tokenizer does it outside the GIL, so the
        workers' Python time per text shrinks to building the feed."""
        prompt = self._passage_prompt
        texts = [prompt + t for t in texts] if prompt else list(texts)
        ids = [np.array(e.ids, dtype=np.int64) for e in self._plain.encode_batch(texts)]

        def run(one: list[np.ndarray]) -> np.ndarray:
            return self._embed_ids(one[0])[None, :]

        # sorted by token count, so equal shapes run back to back (ONNX Runtime reuses its
        # memory plan for a repeated shape)
        return batched(ids, self.dim, 1, run, progress, self._workers)

    def _embed_ids(self, ids: np.ndarray) -> np.ndarray:
        """One unpadded text's unit vector: mean (or CLS) pooling needs no mask here."""
        row = ids[None, :]
        feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(row)
        hidden = self._session_for(query=True).run(None, feed)[0][0]
        pooled = hidden[0] if self._cls else hidden.mean(axis=0)
        vec: np.ndarray = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return vec

    def encode_query(self, text: str) -> np.ndarray:
        prompted = self._query_prompt + text
        return self._cache.get(
            text, lambda: self._embed_ids(np.array(self._plain.encode(prompted).ids, np.int64))
        )

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        # encode()'s CPU path without its lock: a search must not queue behind an ingest
        return self._per_text(texts, None) if self._cpu else self.encode(texts)

    def clear_cache(self) -> None:
        self._cache.clear()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}
