"""The `newsearch` command: argument plumbing and printing over the library (and, with
--server, over the HTTP API). Every NewsearchError becomes one line and a non-zero exit."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.config import DEFAULT_MODEL, Settings
from service.errors import InputError, NewsearchError
from service.output import print_document, print_results, print_stats

if TYPE_CHECKING:
    from service.newsindex import AddReport, Stats

EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsearch",
        description="Semantic search over news archives: index articles, ask questions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--index-dir",
            type=Path,
            default=None,
            help="index directory (default: $NEWSEARCH_INDEX_DIR or index/)",
        )
        p.add_argument(
            "--model",
            default=None,
            help=f"sentence-transformers model dir or name (default: {DEFAULT_MODEL})",
        )

    p = sub.add_parser("index", help="index article files and folders (.txt .md .html .jsonl)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--backend", choices=("onnx-int8", "onnx", "torch"), default=None)
    ray = p.add_argument_group("Ray (pip install 'newsearch[ray]')")
    ray_address(
        ray,
        "read, chunk and embed on a Ray cluster: auto joins the running one (else starts "
        "a local one), local starts one here, ADDRESS joins that head (e.g. 10.0.0.5:6379)",
    )
    ray.add_argument(
        "--ray-actors", type=int, default=None, help="embedding actors (default: fill the CPUs)"
    )
    ray.add_argument("--ray-cpus-per-actor", type=float, default=1.0)
    ray.add_argument(
        "--ray-gpus-per-actor", type=float, default=0.0, help="> 0 embeds on GPUs (CUDA)"
    )
    common(p)

    p = sub.add_parser("ask", help="ask a question; prints the answering passages")
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("-k", type=int, default=5, help="number of results (1-100, default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--mode",
        choices=("hybrid", "dense", "keyword"),
        default=None,
        help="retrieval mode (default: hybrid)",
    )
    p.add_argument("--outlet", help="only passages from this outlet or source file")
    p.add_argument("--date-from", help="only articles dated on or after (YYYY-MM-DD)")
    p.add_argument("--date-to", help="only articles dated on or before (YYYY-MM-DD)")
    p.add_argument("--doc-id", help="only passages of this article")
    p.add_argument(
        "--no-group", action="store_true", help="list near-duplicate passages separately"
    )
    p.add_argument(
        "--server",
        default=None,
        help="ask a running `newsearch serve` (default: $NEWSEARCH_SERVER)",
    )
    common(p)

    p = sub.add_parser("serve", help="run the HTTP search service")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--protect-reads",
        action="store_true",
        help="require NEWSEARCH_API_KEY on searches and reads too",
    )
    p.add_argument(
        "--cors-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="allow browser calls from ORIGIN (repeatable; default: none)",
    )
    p.add_argument("--max-body-bytes", type=int, default=None)
    p.add_argument("--max-query-chars", type=int, default=None)
    p.add_argument(
        "--flush-seconds",
        type=float,
        default=None,
        help="how often a changed FAISS file is saved (default 5; SQLite has every write)",
    )
    p.add_argument(
        "--snapshot-dir",
        type=Path,
        default=None,
        help="where POST /snapshot writes (default: <index-dir>-snapshots)",
    )
    ray = p.add_argument_group("Ray Serve (pip install 'newsearch[ray]')")
    ray_address(ray, "serve read-only replicas of a snapshot on a Ray cluster (writes refused)")
    ray.add_argument("--replicas", type=int, default=2, help="with --ray (default 2)")
    ray.add_argument("--ray-cpus-per-replica", type=float, default=1.0)
    common(p)

    p = sub.add_parser("add", help="send article files to a running server")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--server", default=None, help="server URL (default: $NEWSEARCH_SERVER)")

    p = sub.add_parser("delete", help="remove one article from the index")
    p.add_argument("doc_id", metavar="DOC_ID")
    common(p)

    p = sub.add_parser("show", help="print one indexed article")
    p.add_argument("doc_id", metavar="DOC_ID")
    p.add_argument("--json", action="store_true")
    common(p)

    p = sub.add_parser("check", help="verify the index; --repair rebuilds FAISS from SQLite")
    p.add_argument("--repair", action="store_true")
    common(p)

    p = sub.add_parser("snapshot", help="consistent copy of a (live) index into DEST")
    p.add_argument("dest", type=Path, metavar="DEST")
    common(p)

    p = sub.add_parser("rebuild", help="re-embed every stored passage with --model")
    common(p)

    p = sub.add_parser("eval", help="nDCG@10, Recall@100, MRR@10 on a BEIR-layout dataset")
    p.add_argument("dataset", type=Path, metavar="DATASET_DIR")
    p.add_argument(
        "--mode",
        action="append",
        choices=("hybrid", "dense", "keyword"),
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
    p.add_argument("--limit-queries", type=int, default=None, help="score only the first N")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--index-dir",
        type=Path,
        default=None,
        help="keep the evaluation index here and reuse it (default: temporary)",
    )
    p.add_argument("--model", default=None)
    p.add_argument("--backend", choices=("onnx-int8", "onnx", "torch"), default=None)
    p.add_argument("--rerank", default=None, metavar="MODEL")

    p = sub.add_parser("stats", help="article and passage counts, model, size on disk")
    p.add_argument("--json", action="store_true")
    common(p)
    return parser


def ray_address(group: argparse._ArgumentGroup, help_text: str) -> None:
    group.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="auto|local|ADDRESS",
        help=help_text,
    )


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_(
        index_dir=args.index_dir,
        model=args.model,
        backend=getattr(args, "backend", None),
        rerank_model=getattr(args, "rerank", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args))
    except NewsearchError as exc:
        print(f"newsearch: error: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except sqlite3.DatabaseError as exc:
        print(
            f"newsearch: error: the index database is damaged ({exc}); run `newsearch check`",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("newsearch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


def cmd_index(args: argparse.Namespace) -> int:
    from service.ingest import discover
    from service.output import print_add_report

    settings = settings_from(args)
    root = Path.cwd()
    if not discover(args.paths):  # a missing path or no article files: say so, create nothing
        raise InputError("no article files in " + ", ".join(str(p) for p in args.paths))
    joined = False
    if args.ray:  # an unreachable cluster is reported before an index is created
        from service.distributed import connect

        joined = connect(args.ray)
    try:
        report, stats = _index(args, settings, root)
    finally:
        if joined:
            from service.distributed import import_ray

            import_ray().shutdown()
    for item in report.skipped:
        print(f"newsearch: warning: skipped {item}", file=sys.stderr)
    for line in report.warnings:
        print(f"newsearch: warning: {line}", file=sys.stderr)
    if not (report.added or report.updated or report.unchanged):
        raise InputError("no articles to index in " + ", ".join(str(p) for p in args.paths))
    print_add_report(report, stats)
    return EXIT_ERROR if report.skipped else 0


def _index(args: argparse.Namespace, settings: Settings, root: Path) -> tuple[AddReport, Stats]:
    from service.newsindex import NewsIndex
    from service.output import BarProgress

    with NewsIndex.open(settings, writable=True, create=True) as index:
        if args.ray:
            from service.distributed.ray_index import RayOptions, index_with_ray

            options = RayOptions(
                address=args.ray,
                actors=args.ray_actors,
                cpus_per_actor=args.ray_cpus_per_actor,
                gpus_per_actor=args.ray_gpus_per_actor,
            )
            report = index_with_ray(index, args.paths, root, options, progress=BarProgress())
        else:
            report = index.index_files(args.paths, root, progress=BarProgress())
        return report, index.stats()


def cmd_ask(args: argparse.Namespace) -> int:
    if args.k < 1 or args.k > 100:
        raise InputError(f"-k must be between 1 and 100, got {args.k}")
    if not args.question.strip():
        raise InputError('the question is empty — try: newsearch ask "what did Blinken tell Abbas"')
    request: dict[str, Any] = {
        "query": args.question,
        "k": args.k,
        "mode": args.mode or "hybrid",
        "outlet": args.outlet,
        "date_from": args.date_from,
        "date_to": args.date_to,
        "doc_id": args.doc_id,
        "group": not args.no_group,
    }
    server = args.server or os.environ.get("NEWSEARCH_SERVER")
    if server:
        from service.client import Client

        response = Client(server, api_key=os.environ.get("NEWSEARCH_API_KEY")).search(request)
    else:
        response = local_search(settings_from(args), request)
    if args.json:
        print(json.dumps(response, ensure_ascii=False, indent=2))
    else:
        print_results(response, color=sys.stdout.isatty())
    return 0


def local_search(settings: Settings, request: dict[str, Any]) -> dict[str, Any]:
    from service.newsindex import NewsIndex
    from service.search import SearchRequest
    from service.store import Filters

    filters = Filters(
        request["outlet"], request["date_from"], request["date_to"], request["doc_id"]
    )
    with NewsIndex.open(settings, one_shot=True) as index:
        return index.search(
            SearchRequest(
                request["query"], request["k"], request["mode"], filters, group=request["group"]
            )
        ).to_dict()


def cmd_delete(args: argparse.Namespace) -> int:
    from service.newsindex import NewsIndex

    with NewsIndex.open(settings_from(args), writable=True) as index:
        removed = index.delete(args.doc_id)
    print(f"deleted {args.doc_id} ({removed} passages)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from service.newsindex import NewsIndex

    with NewsIndex.open(settings_from(args)) as index:
        row, passages = index.document(args.doc_id)
    print_document(row, passages, as_json=args.json)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from service.newsindex import NewsIndex

    with NewsIndex.open(settings_from(args)) as index:
        stats = index.stats()
    print_stats(stats, as_json=args.json)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from service.maintenance import check

    report = check(settings_from(args), repair=args.repair)
    for line in report.repaired:
        print(f"repaired: {line}")
    for line in report.problems:
        print(f"problem: {line}")
    if report.ok:
        print(
            f"ok: {report.documents} articles, {report.passages} passages; FAISS, manifest "
            "and database agree"
        )
        return 0
    print("run `newsearch check --repair` to rebuild what SQLite can rebuild", file=sys.stderr)
    return EXIT_ERROR


def cmd_snapshot(args: argparse.Namespace) -> int:
    from service.maintenance import snapshot

    info = snapshot(settings_from(args), args.dest)
    print(
        f"snapshot of {info.documents} articles, {info.passages} passages in '{info.path}'; "
        f"serve it with `newsearch serve --index-dir {info.path}`"
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from service.maintenance import rebuild_with_model

    count, model = rebuild_with_model(settings_from(args))
    print(f"re-embedded {count} passages with {model}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.api import create_app

    settings = settings_from(args).with_(
        host=args.host,
        port=args.port,
        protect_reads=args.protect_reads or None,
        cors_origins=tuple(args.cors_origin) if args.cors_origin else None,
        max_body_bytes=args.max_body_bytes,
        max_query_chars=args.max_query_chars,
        snapshot_dir=args.snapshot_dir,
        flush_seconds=args.flush_seconds,
    )
    if settings.protect_reads and not settings.api_key:
        raise InputError("--protect-reads needs NEWSEARCH_API_KEY to be set")
    if args.ray:
        from service.distributed.ray_serve import ServeOptions, serve_with_ray

        if args.replicas < 1:
            raise InputError(f"--replicas must be at least 1, got {args.replicas}")
        serve_with_ray(settings, ServeOptions(args.ray, args.replicas, args.ray_cpus_per_replica))
        return 0
    print(
        f"newsearch: serving '{settings.index_dir}' on http://{settings.host}:{settings.port}"
        f" (docs at /docs)",
        file=sys.stderr,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from service.client import Client
    from service.ingest import collect_articles

    server = args.server or os.environ.get("NEWSEARCH_SERVER")
    if not server:
        raise InputError("add needs --server URL (or NEWSEARCH_SERVER)")
    articles, skipped = collect_articles(args.paths, Path.cwd())
    for item in skipped:
        print(f"newsearch: warning: skipped {item}", file=sys.stderr)
    client = Client(server, api_key=os.environ.get("NEWSEARCH_API_KEY"))
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for begin in range(0, len(articles), ADD_BATCH):
        reply = client.add(articles[begin : begin + ADD_BATCH])
        for doc in reply["documents"]:
            counts[doc["status"]] += 1
    client.close()
    print(
        f"sent {len(articles)} article(s) to {server}: {counts['added']} added, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged"
    )
    return EXIT_ERROR if skipped else 0


ADD_BATCH = 50


def cmd_eval(args: argparse.Namespace) -> int:
    from service.evaluate import evaluate
    from service.output import BarProgress, print_eval

    settings = Settings.from_env().with_(model=args.model, max_passage_words=args.max_passage_words)
    modes = args.mode or ["dense", "keyword", "hybrid"]
    results = evaluate(
        args.dataset,
        settings,
        modes,
        ignore_identical_ids=args.ignore_identical_ids,
        index_dir=args.index_dir,
        progress=BarProgress(),
        limit_queries=args.limit_queries,
    )
    print_eval(args.dataset.name, settings, results, as_json=args.json)
    return 0


COMMANDS = {
    "eval": cmd_eval,
    "serve": cmd_serve,
    "add": cmd_add,
    "check": cmd_check,
    "rebuild": cmd_rebuild,
    "snapshot": cmd_snapshot,
    "index": cmd_index,
    "ask": cmd_ask,
    "delete": cmd_delete,
    "show": cmd_show,
    "stats": cmd_stats,
}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
