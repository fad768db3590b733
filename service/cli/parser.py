"""The `newsearch` argument parser, and the one translation of parsed flags into Settings."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from service.cli.output import PROGRESS
from service.config import DEFAULT_MODEL, Settings, setting_fields
from service.encoders import BACKENDS
from service.encoders.models import split_model_id
from service.logs import FORMATS
from service.opening import recorded_model
from service.search import BUCKETS, MAX_DEPTH, MAX_K, MODES, SORTS

# flag destination -> the Settings field it sets (every command goes through settings_from)
ARG_SETTINGS = {
    "index_dir": "index_dir",
    "model": "model",
    "second_model": "second_model",
    "backend": "backend",
    "rerank": "rerank_model",
    "max_passage_words": "max_passage_words",
    "host": "host",
    "port": "port",
    "protect_reads": "protect_reads",
    "cors_origin": "cors_origins",
    "allowed_host": "allowed_hosts",
    "keep_snapshots": "keep_snapshots",
    "max_body_bytes": "max_body_bytes",
    "max_query_chars": "max_query_chars",
    "flush_seconds": "flush_seconds",
    "check_seconds": "check_seconds",
    "header_timeout": "header_timeout",
    "body_timeout": "body_timeout",
    "max_connections": "max_connections",
    "log_format": "log_format",
    "snapshot_dir": "snapshot_dir",
    "server": "server",
}


def settings_from(args: argparse.Namespace) -> Settings:
    """The environment's settings (Settings.from_env) with every flag the user gave on top.
    Where neither names a model, an existing index's own model reads it: an index built with
    `--model multilingual-e5-small` is then asked, served and added to without the flag."""
    given: dict[str, Any] = {}
    for dest, name in ARG_SETTINGS.items():
        value = getattr(args, dest, None)
        if isinstance(value, list):
            value = tuple(value)
        given[name] = value
    settings = Settings.from_env().with_(**given)
    env = {f.name: f.metadata["env"] for f in setting_fields()}
    if not model_named(args):
        recorded = recorded_model(settings.index_dir)
        if recorded is not None:
            model, backend = split_model_id(recorded)
            chosen = given["backend"] or os.environ.get(env["backend"])
            settings = settings.with_(model=model, backend=None if chosen else backend)
    return settings


def model_named(args: argparse.Namespace) -> bool:
    """Whether the user named a model, by flag or environment (else an index's own reads it,
    or a new one takes what service.modelchoice says)."""
    env = {f.name: f.metadata["env"] for f in setting_fields()}
    return getattr(args, "model", None) is not None or bool(os.environ.get(env["model"]))


def _index_options(p: argparse.ArgumentParser, *, index_help: str | None = None) -> None:
    """The flags of every command that opens an index: where it is and which model reads it."""
    p.add_argument(
        "--index-dir",
        type=Path,
        default=None,
        help=index_help or "index directory (default: $NEWSEARCH_INDEX_DIR or index/)",
    )
    p.add_argument(
        "--model",
        default=None,
        help=f"sentence-transformers model dir or name (default: {DEFAULT_MODEL})",
    )
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="encoder runtime (default: $NEWSEARCH_BACKEND or onnx-int8)",
    )
    p.add_argument(
        "--second-model", help="a new index also keeps this model's dense list (an ensemble)"
    )


def _ray_address(group: argparse._ArgumentGroup, help_text: str) -> None:
    group.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="auto|local|ADDRESS",
        help=help_text,
    )


def _progress(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        choices=PROGRESS,
        default="auto",
        help="a bar on a terminal, a line every 5 s elsewhere (auto), or none",
    )


def _server(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--server", default=None, metavar="URL", help=help_text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsearch",
        description="Semantic search over news archives: index articles, ask questions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "index",
        help="index article files and folders (.txt .md .html .jsonl, .warc crawls, RSS/Atom "
        "feeds) and pages or feeds at http(s) addresses",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders and http(s) addresses")
    p.add_argument(
        "--prune",
        action="store_true",
        help="also delete the articles whose files under PATH are gone",
    )
    p.add_argument(
        "--follow-links",
        action="store_true",
        help="follow links that lead out of a folder (by default they are skipped, with a warning)",
    )
    p.add_argument(
        "--keep-non-articles",
        action="store_true",
        help="index pages that are not one article too: a site's front page, a section, tag "
        "or author index, a list of headlines (by default skipped, with a warning)",
    )
    _progress(p)
    ray = p.add_argument_group("Ray (pip install 'newsearch[ray]')")
    _ray_address(
        ray,
        "read, chunk and embed on a Ray cluster: auto joins the running one (else starts "
        "a local one), local starts one here, ADDRESS joins that head (e.g. 10.0.0.5:6379)",
    )
    ray.add_argument(
        "--ray-actors", type=int, default=None, help="embedding actors (default: fill the CPUs)"
    )
    ray.add_argument(
        "--ray-cpus-per-actor", type=float, default=1.0, help="CPUs (threads) per actor"
    )
    ray.add_argument(
        "--ray-gpus-per-actor", type=float, default=0.0, help="> 0 embeds on GPUs (CUDA)"
    )
    _index_options(p)

    p = sub.add_parser("ask", help="ask a question; prints the answering passages")
    p.add_argument(
        "question",
        metavar="QUESTION",
        help='a plain question; "phrases", -exclusions, OR, outlet:, after:, before: work too',
    )
    p.add_argument("-k", type=int, default=5, help=f"number of results (1-{MAX_K}, default 5)")
    p.add_argument(
        "--offset", type=int, default=0, help=f"results to skip: the next page (below {MAX_DEPTH})"
    )
    p.add_argument("--sort", choices=SORTS, default="relevance", help="order (default: relevance)")
    p.add_argument(
        "--recent",
        type=float,
        default=None,
        metavar="DAYS",
        help="favour newer articles: the score halves every DAYS of age",
    )
    p.add_argument(
        "--facets", action="store_true", help="also count outlets and dates among the matches"
    )
    p.add_argument(
        "--date-bucket", choices=BUCKETS, default="month", help="the date facet's bucket"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--mode", choices=MODES, default=None, help="retrieval mode (default: hybrid)")
    p.add_argument("--outlet", help="only passages from this outlet or source file")
    p.add_argument("--date-from", help="only articles dated on or after (YYYY-MM-DD)")
    p.add_argument("--date-to", help="only articles dated on or before (YYYY-MM-DD)")
    p.add_argument("--doc-id", help="only passages of this article")
    p.add_argument("--speaker", help="only passages quoting this speaker (Blinken: Antony Blinken)")
    p.add_argument("--person", help="only passages naming this person")
    p.add_argument("--org", help="only passages naming this organisation")
    p.add_argument("--place", help="only passages naming this place")
    p.add_argument("--story", help="only articles of this story (see `newsearch stories`)")
    p.add_argument("--language", help="only articles written in this language (en, ru, pt-BR)")
    p.add_argument(
        "--no-group", action="store_true", help="list near-duplicate passages separately"
    )
    _server(p, "ask a running `newsearch serve` (default: $NEWSEARCH_SERVER)")
    _index_options(p)

    p = sub.add_parser("serve", help="run the HTTP search service")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port to bind (default 8000)")
    p.add_argument(
        "--protect-reads",
        action="store_true",
        default=None,
        help="require NEWSEARCH_API_KEY on searches and reads too",
    )
    p.add_argument(
        "--cors-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="allow browser calls from ORIGIN (repeatable; default: none)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="NAME",
        help="a Host name to answer to besides loopback and --host (repeatable; * for any)",
    )
    p.add_argument(
        "--max-body-bytes", type=int, default=None, help="largest request body (default 10 MB)"
    )
    p.add_argument(
        "--log-format",
        choices=FORMATS,
        default=None,
        help="access log and messages as text lines or JSON objects (default text)",
    )
    p.add_argument(
        "--keep-snapshots",
        type=int,
        default=None,
        help="snapshots POST /snapshot keeps, oldest removed first (default 5)",
    )
    p.add_argument(
        "--max-query-chars", type=int, default=None, help="longest question (default 2000)"
    )
    p.add_argument(
        "--header-timeout",
        type=float,
        default=None,
        help="seconds a client has to send a request's head (default 10)",
    )
    p.add_argument(
        "--body-timeout",
        type=float,
        default=None,
        help="seconds a client has to send a request body (default 60)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help="open connections held at most; beyond, 503 (default 4096)",
    )
    p.add_argument(
        "--flush-seconds",
        type=float,
        default=None,
        help="how often a changed FAISS file is saved (default 5; SQLite has every write)",
    )
    p.add_argument(
        "--check-seconds",
        type=float,
        default=None,
        help="how often the database is checked for damage (default 600; 0: only at shutdown)",
    )
    p.add_argument(
        "--snapshot-dir",
        type=Path,
        default=None,
        help="where POST /snapshot writes (default: <index-dir>-snapshots)",
    )
    ray = p.add_argument_group("Ray Serve (pip install 'newsearch[ray]')")
    _ray_address(ray, "serve read-only replicas of a snapshot on a Ray cluster (writes refused)")
    ray.add_argument("--replicas", type=int, default=2, help="with --ray (default 2)")
    ray.add_argument(
        "--ray-cpus-per-replica", type=float, default=1.0, help="CPUs per replica (default 1)"
    )
    _index_options(p)

    p = sub.add_parser("add", help="send article files to a running server")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files and folders")
    _server(p, "server URL (default: $NEWSEARCH_SERVER)")

    p = sub.add_parser("quotes", help="a speaker's quotes, newest first, across outlets")
    p.add_argument("speaker", metavar="SPEAKER", help="who said it (Blinken: Antony Blinken)")
    p.add_argument(
        "question", metavar="QUESTION", nargs="?", help="only quotes that answer this question"
    )
    p.add_argument("-k", type=int, default=10, help=f"number of quotes (1-{MAX_K}, default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _server(p, "ask a running `newsearch serve` (default: $NEWSEARCH_SERVER)")
    _index_options(p)

    p = sub.add_parser("stories", help="stories (articles on one event), newest first")
    p.add_argument("--since", help="only stories with an article on or after (YYYY-MM-DD)")
    p.add_argument("--limit", type=int, default=20, help="stories listed (default 20)")
    p.add_argument(
        "--at-least", type=int, default=2, help="articles a story has at least (default 2)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _server(p, "ask a running `newsearch serve` (default: $NEWSEARCH_SERVER)")
    _index_options(p)

    p = sub.add_parser("timeline", help="a story's passages that answer a question, by date")
    p.add_argument("question", metavar="QUESTION", help="what the passages answer")
    p.add_argument("--story", help="the story (default: that of the best answer)")
    p.add_argument("-k", type=int, default=20, help=f"passages (1-{MAX_K}, default 20)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _server(p, "ask a running `newsearch serve` (default: $NEWSEARCH_SERVER)")
    _index_options(p)

    p = sub.add_parser("similar", help="articles like this one (more like this)")
    p.add_argument("doc_id", metavar="DOC_ID", help="the article's id")
    p.add_argument("-k", type=int, default=5, help=f"number of results (1-{MAX_K}, default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--no-group", action="store_true", help="list near-duplicate passages separately"
    )
    _index_options(p)

    p = sub.add_parser("delete", help="remove one article from the index")
    p.add_argument("doc_id", metavar="DOC_ID", help="the article's id (see `newsearch show`)")
    _index_options(p)

    p = sub.add_parser("show", help="print one indexed article")
    p.add_argument("doc_id", metavar="DOC_ID", help="the article's id")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _index_options(p)

    p = sub.add_parser("check", help="verify the index; --repair rebuilds FAISS from SQLite")
    p.add_argument(
        "--repair", action="store_true", help="rebuild the vectors and manifest from SQLite"
    )
    _index_options(p)

    p = sub.add_parser("snapshot", help="consistent copy of a (live) index into DEST")
    p.add_argument("dest", type=Path, metavar="DEST", help="an empty or new folder")
    _index_options(p)

    p = sub.add_parser("rebuild", help="re-embed every stored passage with --model")
    second = p.add_mutually_exclusive_group()
    second.add_argument("--add-model", help="keep a second model's dense list too (re-embeds)")
    second.add_argument("--drop-second-model", action="store_true", help="stop keeping it")
    _index_options(p)

    p = sub.add_parser("eval", help="nDCG@10, Recall@100, MRR@10 on a BEIR-layout dataset")
    p.add_argument("dataset", type=Path, metavar="DATASET_DIR", help="a BEIR-layout folder")
    p.add_argument(
        "--mode",
        action="append",
        choices=MODES,
        help="mode to score (repeatable; default: all three)",
    )
    p.add_argument(
        "--ignore-identical-ids",
        action="store_true",
        help="drop a retrieved document whose id equals the query's (ArguAna)",
    )
    p.add_argument(
        "--max-passage-words",
        type=int,
        default=None,
        help="split documents into passages of at most N words (0: whole documents)",
    )
    p.add_argument("--limit-queries", type=int, default=None, help="score only the first N queries")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _progress(p)
    p.add_argument(
        "--rerank",
        default=None,
        metavar="MODEL",
        help="rerank the top candidates with this cross-encoder",
    )
    _index_options(p, index_help="keep the evaluation index here and reuse it (default: temporary)")

    p = sub.add_parser("stats", help="article and passage counts, model, size on disk")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _index_options(p)
    return parser
