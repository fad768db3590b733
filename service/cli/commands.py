"""What each `newsearch` command does: argument plumbing over the library (or, with --server,
over the HTTP client) and a call into service.cli.output to print."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from service.cli.output import (
    print_add_report,
    print_document,
    print_eval,
    print_json,
    print_results,
    print_stats,
    progress_for,
    say,
    warn,
)
from service.cli.parser import model_named, settings_from
from service.cli.said import print_quotes, print_stories, print_timeline
from service.config import Settings
from service.errors import InputError
from service.opening import recorded_model
from service.records import SearchResponse
from service.reports import AddReport
from service.search import DEFAULT_MODE, MAX_K, MODES, Filters, SearchRequest

EXIT_ERROR = 1
ADD_BATCH = 50  # articles a `newsearch add` request carries


def cmd_index(args: argparse.Namespace) -> int:
    from service.ingest import Skipped, discover
    from service.ingest.fetch import is_url

    settings = settings_from(args)
    urls = [p for p in args.paths if is_url(p)]
    args.paths = [Path(p) for p in args.paths if not is_url(p)]
    if urls and args.ray:
        raise InputError("--ray reads files and folders; index the addresses without --ray")
    left: list[Skipped] = []
    files = discover(args.paths, follow_links=args.follow_links, skipped=left)
    if args.paths and not files:
        warn(left, [])  # a missing path or no article files: say so, create nothing
        raise InputError("no article files in " + ", ".join(str(p) for p in args.paths))
    settings = _model_for_new_index(args, settings, files)
    args.urls = urls
    joined = False
    if args.ray:  # an unreachable cluster is reported before an index is created
        from service.distributed import connect

        joined = connect(args.ray)
    try:
        report, totals = _index(args, settings)
    finally:
        if joined:
            from service.distributed import import_ray

            import_ray().shutdown()
    warn(report.skipped, report.warnings)
    if not (report.n_changed or report.n_unchanged):
        named = [*map(str, args.paths), *args.urls]
        raise InputError("no articles to index in " + ", ".join(named))
    print_add_report(report, *totals)
    return EXIT_ERROR if report.skipped else 0


def _model_for_new_index(
    args: argparse.Namespace, settings: Settings, files: list[Path]
) -> Settings:
    """A new index nobody named a model for takes the one its first articles call for."""
    if not files or model_named(args) or recorded_model(settings.index_dir) is not None:
        return settings
    from service.modelchoice import model_for_files

    choice = model_for_files(files, Path.cwd())
    if choice is None:
        return settings
    say(f"newsearch: {choice.why}", err=True)
    return settings.with_(model=choice.model)


def _index(args: argparse.Namespace, settings: Settings) -> tuple[AddReport, tuple[str, int, int]]:
    from service.newsindex import NewsIndex

    progress = progress_for(args.progress)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        if index.created:  # a new index wherever one stands: say where, it may be a surprise
            say(f"newsearch: creating a new index in {Path(index.index_dir).resolve()}", err=True)
        if args.ray:
            from service.distributed.ray_index import RayOptions, index_with_ray

            options = RayOptions(
                address=args.ray,
                actors=args.ray_actors,
                cpus_per_actor=args.ray_cpus_per_actor,
                gpus_per_actor=args.ray_gpus_per_actor,
                follow_links=args.follow_links,
                keep_non_articles=args.keep_non_articles,
            )
            report = index_with_ray(index, args.paths, index.root, options, progress=progress)
            if args.prune:
                report.pruned = index.prune(args.paths, follow_links=args.follow_links)
        else:
            report = index.index_files(
                [*args.paths, *args.urls],
                progress=progress,
                prune=args.prune,
                follow_links=args.follow_links,
                keep_non_articles=args.keep_non_articles,
                bulk=True,  # nothing searches this index while the command runs
            )
        return report, (str(index.index_dir), *index.counts())


def _check_k(k: int) -> None:
    # before an index opens or a server is asked: the flag's name in the message
    if not 1 <= k <= MAX_K:
        raise InputError(f"-k must be between 1 and {MAX_K}, got {k}")


def cmd_ask(args: argparse.Namespace) -> int:
    _check_k(args.k)
    if not args.question.strip():
        raise InputError('the question is empty — try: newsearch ask "what did Blinken tell Abbas"')
    request = SearchRequest(
        args.question,
        args.k,
        args.mode or DEFAULT_MODE,
        Filters(
            args.outlet,
            args.date_from,
            args.date_to,
            args.doc_id,
            args.speaker,
            args.person,
            args.org,
            args.place,
            args.story,
            args.language,
        ),
        group=not args.no_group,
        offset=args.offset,
        sort=args.sort,
        recency=args.recent,
        facets=args.facets,
        date_bucket=args.date_bucket,
    )
    settings = settings_from(args)
    if settings.server:
        from service.client import Client

        with Client(settings.server, api_key=settings.api_key) as client:
            response = client.search(request)
    else:
        response = _local_search(settings, request)
    if args.json:
        print_json(response.to_dict())
    else:
        print_results(response, color=sys.stdout.isatty())
    return 0


def _local_search(settings: Settings, request: SearchRequest) -> SearchResponse:
    from service.newsindex import NewsIndex

    with NewsIndex.open(settings, one_shot=True) as index:
        return index.search(request)


def cmd_quotes(args: argparse.Namespace) -> int:
    _check_k(args.k)
    settings = settings_from(args)
    if settings.server:
        from service.client import Client

        with Client(settings.server, api_key=settings.api_key) as client:
            quotes = client.quotes(args.speaker, args.question, args.k)
    else:
        from service.newsindex import NewsIndex

        with NewsIndex.open(settings, one_shot=True) as index:
            quotes = index.quotes(args.speaker, args.question, args.k)
    print_quotes(args.speaker, quotes, as_json=args.json)
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.server:
        from service.client import Client

        with Client(settings.server, api_key=settings.api_key) as client:
            stories = client.stories(args.since, args.limit, args.at_least)
    else:
        from service.newsindex import NewsIndex

        with NewsIndex.open(settings) as index:
            stories = index.stories(args.since, args.limit, args.at_least)
    print_stories(stories, as_json=args.json)
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    _check_k(args.k)
    if not args.question.strip():
        raise InputError('the question is empty — try: newsearch timeline "Biden Netanyahu call"')
    settings = settings_from(args)
    if settings.server:
        from service.client import Client

        with Client(settings.server, api_key=settings.api_key) as client:
            timeline = client.timeline(args.question, args.story, args.k)
    else:
        from service.newsindex import NewsIndex

        with NewsIndex.open(settings, one_shot=True) as index:
            timeline = index.timeline(args.question, args.story, args.k)
    print_timeline(timeline, as_json=args.json)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    from service.newsindex import NewsIndex

    _check_k(args.k)
    with NewsIndex.open(settings_from(args), one_shot=True) as index:
        response = index.similar(args.doc_id, args.k, group=not args.no_group)
    if args.json:
        print_json(response.to_dict())
    else:
        print_results(response, color=sys.stdout.isatty())
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from service.newsindex import NewsIndex

    with NewsIndex.open(settings_from(args), writable=True) as index:
        removed = index.delete(args.doc_id)
    say(f"deleted {args.doc_id} ({removed} passages)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from service.newsindex import NewsIndex

    with NewsIndex.open(settings_from(args)) as index:
        row, passages = index.document(args.doc_id)
        quotes = index.document_quotes(row.doc_id)
    print_document(row, passages, quotes, as_json=args.json)
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
        say(f"repaired: {line}")
    for line in report.notes:
        say(f"note: {line}")
    for line in report.problems:
        say(f"problem: {line}")
    if report.ok:
        agree = "; FAISS, manifest and database agree" if not report.notes else ""
        say(f"ok: {report.documents} articles, {report.passages} passages{agree}")
        return 0
    if report.damaged:
        say(
            "the database is damaged and cannot be rebuilt from itself: restore a snapshot "
            "(`newsearch serve --index-dir SNAPSHOT`, or copy its files back) or re-index "
            "with `newsearch index`",
            err=True,
        )
    else:
        say("run `newsearch check --repair` to rebuild what SQLite can rebuild", err=True)
    return EXIT_ERROR


def cmd_snapshot(args: argparse.Namespace) -> int:
    from service.maintenance import snapshot

    info = snapshot(settings_from(args), args.dest)
    say(
        f"snapshot of {info.documents} articles, {info.passages} passages in '{info.path}'; "
        f"serve it with `newsearch serve --index-dir {info.path}`"
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from service.maintenance import add_second_model, drop_second_model, rebuild_with_model

    if args.drop_second_model:
        say(f"dropped {drop_second_model(settings_from(args))}'s list; the index's model alone")
        return 0
    if args.add_model:
        count, model = add_second_model(settings_from(args), args.add_model)
        say(f"embedded {count} passages with {model}, searched beside the index's own model")
        return 0
    count, model = rebuild_with_model(settings_from(args))
    say(f"re-embedded {count} passages with {model}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from service.api.server import serve

    settings = settings_from(args)
    if settings.protect_reads and not settings.api_key:
        raise InputError("--protect-reads needs NEWSEARCH_API_KEY to be set")
    if args.ray:
        from service.distributed.ray_serve import ServeOptions, serve_with_ray

        if args.replicas < 1:
            raise InputError(f"--replicas must be at least 1, got {args.replicas}")
        serve_with_ray(settings, ServeOptions(args.ray, args.replicas, args.ray_cpus_per_replica))
        return 0
    serve(settings)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from service.client import Client
    from service.ingest import collect_articles

    settings = settings_from(args)
    server = settings.server
    if not server:
        raise InputError("add needs --server URL (or NEWSEARCH_SERVER)")
    articles, skipped, notices = collect_articles(args.paths, Path.cwd())
    warn(skipped, notices)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with Client(server, api_key=settings.api_key) as client:
        for begin in range(0, len(articles), ADD_BATCH):
            written = client.write(articles[begin : begin + ADD_BATCH])
            for doc in written.documents:
                counts[doc.status] += 1
            warn([], written.warnings)
    say(
        f"sent {len(articles)} article(s) to {server}: {counts['added']} added, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged"
    )
    return EXIT_ERROR if skipped else 0


def cmd_eval(args: argparse.Namespace) -> int:
    from service.evaluate import evaluate

    settings = settings_from(args)
    results = evaluate(
        args.dataset,
        settings,
        args.mode or sorted(MODES, key=lambda mode: mode == DEFAULT_MODE),  # fused one last
        ignore_identical_ids=args.ignore_identical_ids,
        index_dir=args.index_dir,
        progress=progress_for(args.progress),
        limit_queries=args.limit_queries,
    )
    print_eval(args.dataset.name, settings, results, as_json=args.json)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "index": cmd_index,
    "ask": cmd_ask,
    "quotes": cmd_quotes,
    "similar": cmd_similar,
    "stories": cmd_stories,
    "timeline": cmd_timeline,
    "serve": cmd_serve,
    "add": cmd_add,
    "delete": cmd_delete,
    "show": cmd_show,
    "check": cmd_check,
    "snapshot": cmd_snapshot,
    "rebuild": cmd_rebuild,
    "eval": cmd_eval,
    "stats": cmd_stats,
}
