"""Settings: built once at the edges (CLI, app factory) and passed down; nothing reads the
environment below this module's `from_env`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from service.errors import InputError
from service.vectors import AnnPolicy

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_INDEX_DIR = Path("index")

# Every environment variable newsearch reads, with what it sets (a test keeps README in step).
ENV_VARS: dict[str, str] = {
    "NEWSEARCH_INDEX_DIR": "index directory (default: index/)",
    "NEWSEARCH_MODEL": "embedding model: a sentence-transformers directory or name",
    "NEWSEARCH_BACKEND": "encoder runtime: onnx-int8 (default), onnx or torch",
    "NEWSEARCH_CACHE_DIR": "where exported ONNX models are kept (default ~/.cache/newsearch)",
    "NEWSEARCH_SERVER": "URL of a running `newsearch serve` for ask/add",
    "NEWSEARCH_API_KEY": "bearer token required on write endpoints",
    "NEWSEARCH_RERANK": "cross-encoder directory or name to rerank the top candidates",
    "NEWSEARCH_ANN_THRESHOLD": "passages from which search is approximate (IVF; default 20000)",
    "NEWSEARCH_ANN_NPROBE": "IVF lists scanned per query: recall against speed (default 64)",
    "NEWSEARCH_KEYWORD_CACHE": "keyword postings held in memory (default 10000000; 0: FTS5 bm25())",
}


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX_DIR
    model: str = DEFAULT_MODEL
    backend: str = "onnx-int8"  # onnx-int8 | onnx | torch (see README: quality and speed)
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "newsearch")
    batch_size: int = 64
    # passages longer than this are split at sentence ends; 0 keeps each document whole
    max_passage_words: int = 180
    # a sentence-transformers CrossEncoder dir or name; None: no reranking
    rerank_model: str | None = None
    rerank_top_n: int = 50
    # approximate search (service.vectors.AnnPolicy): from how many vectors, how hard to look
    ann_threshold: int = 20_000
    ann_nprobe: int = 64
    # keyword ranking from cached FTS5 postings (service.keywords); 0 leaves it to FTS5
    keyword_cache: int = 10_000_000
    # HTTP service
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    protect_reads: bool = False
    max_query_chars: int = 2000
    max_body_bytes: int = 10 * 1024 * 1024
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    workers: int = 8  # threads serving requests (each holds one SQLite connection)
    # how often a server saves a changed FAISS file (SQLite already holds every write)
    flush_seconds: float = 5.0
    # where POST /snapshot writes (default: <index_dir>-snapshots beside the index)
    snapshot_dir: Path | None = None
    # replicas of `serve --ray` share one snapshot and refuse writes
    read_only: bool = False

    def snapshots(self) -> Path:
        return self.snapshot_dir or self.index_dir.parent / f"{self.index_dir.name}-snapshots"

    def ann_policy(self) -> AnnPolicy:
        return AnnPolicy(threshold=self.ann_threshold, nprobe=self.ann_nprobe)

    def with_(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; None values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        settings = cls()
        return settings.with_(
            index_dir=Path(env["NEWSEARCH_INDEX_DIR"]) if env.get("NEWSEARCH_INDEX_DIR") else None,
            model=env.get("NEWSEARCH_MODEL") or None,
            backend=env.get("NEWSEARCH_BACKEND") or None,
            cache_dir=Path(env["NEWSEARCH_CACHE_DIR"]) if env.get("NEWSEARCH_CACHE_DIR") else None,
            api_key=env.get("NEWSEARCH_API_KEY") or None,
            rerank_model=env.get("NEWSEARCH_RERANK") or None,
            ann_threshold=_positive(env, "NEWSEARCH_ANN_THRESHOLD"),
            ann_nprobe=_positive(env, "NEWSEARCH_ANN_NPROBE"),
            keyword_cache=_whole(env, "NEWSEARCH_KEYWORD_CACHE"),
        )


def _positive(env: Mapping[str, str], name: str) -> int | None:
    value = _whole(env, name)
    if value is not None and value < 1:
        raise InputError(f"{name} must be a positive whole number, got {env[name]!r}")
    return value


def _whole(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise InputError(f"{name} must be a whole number, got {raw!r}")
    return int(raw)
