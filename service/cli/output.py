"""How the CLI prints results, reports and progress for people (JSON goes out unformatted).
Text from the index (or a server) is printed without its control characters: a title holding
ESC or OSC sequences must not clear the screen or fake a line; our own colours are added
after."""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
import time
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from service.config import Settings
from service.evaluate import ModeResult
from service.ingest.cleaning import without_sequences
from service.records import Facets, SearchResponse, Stats
from service.reports import AddReport, IndexProgress
from service.store import DocumentRow, StoredPassage, StoredQuote

BOLD_YELLOW, UNDERLINE, RESET, DIM = "\033[1;33m", "\033[4m", "\033[0m", "\033[2m"


_C1 = re.compile(r"[\x7f-\x9f]")


def clean(value: object) -> str:
    """A value as text fit for a terminal: no control characters but line breaks."""
    return without_sequences(str(value)).replace("\t", " ")


def say(*parts: object, err: bool = False) -> None:
    """One line for a person, on stdout (or stderr), free of control characters."""
    print(clean(" ".join(str(p) for p in parts)), file=sys.stderr if err else sys.stdout)


def _width() -> int:
    return max(40, min(100, shutil.get_terminal_size((100, 24)).columns) - 6)


def marked(
    text: str,
    highlight: dict[str, int] | None,
    color: bool,
    matches: list[dict[str, int]] | None = None,
) -> str:
    """The text with its best sentence marked (bold yellow on a terminal, «…» elsewhere) and,
    on a terminal, the question's words underlined."""
    if not color:
        if not highlight:
            return clean(text)
        start, end = highlight["start"], highlight["end"]
        return f"{clean(text[:start])}«{clean(text[start:end])}»{clean(text[end:])}"
    spans = [(m["start"], m["end"]) for m in matches or []]
    sentence = (highlight["start"], highlight["end"]) if highlight else (0, 0)
    cuts = sorted({0, len(text), *sentence, *(x for span in spans for x in span)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        style = (BOLD_YELLOW if sentence[0] <= a < sentence[1] else "") + (
            UNDERLINE if any(s <= a < e for s, e in spans) else ""
        )
        piece = clean(text[a:b])
        out.append(f"{style}{piece}{RESET}" if style else piece)
    return "".join(out)


def _shorten(text: str, limit: int) -> str:
    text = text.rstrip("…")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def print_json(data: Any) -> None:
    """JSON as it is, with C1 controls (which json leaves raw) escaped like the C0 ones."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    print(_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def print_results(response: SearchResponse, *, color: bool) -> None:
    for note in response.notes:
        say(f"newsearch: note: {note}", err=True)
    if not response.results:
        say(f"No passages match {response.query!r}.")
        return
    width = _width()
    # each result names its language where the page mixes them
    mixed = len({hit.language for hit in response.results if hit.language}) > 1
    for hit in response.results:
        where = [hit.source, f"¶{hit.paragraph}"]
        if hit.date:
            where.append(hit.date)
        if mixed and hit.language:
            where.append(hit.language)
        if hit.title and hit.title != hit.source:
            where.append(f"“{_shorten(clean(hit.title), 56)}”")
        say(f"{hit.rank}. [{hit.score:.3f}] " + " · ".join(where))
        body = marked(hit.text, hit.highlight, color, hit.matches)
        # wrap after marking: ANSI codes count as width, a small price for correct marks
        print(textwrap.fill(body, width=width, initial_indent="   ", subsequent_indent="   "))
        speakers = list(dict.fromkeys(q["speaker"] for q in hit.quotes if q.get("speaker")))
        if speakers:
            print(f"   quoting {clean(', '.join(speakers))}")
        if hit.story_outlets > 1:
            print(f"   {hit.story_outlets} outlets on this story (--story {hit.story_id})")
        also = hit.also_reported_by
        if also:
            names = clean(", ".join(f"{a.source} ¶{a.paragraph}" for a in also))
            line = f"also reported by {len(also)}: {names}"
            wrapped = textwrap.fill(
                line, width=width, initial_indent="   ", subsequent_indent="     "
            )
            print(f"{DIM}{wrapped}{RESET}" if color else wrapped)
        print()
    if response.facets:
        print_facets(response.facets)
    if response.next_offset is not None:
        say(f"more: the same question with --offset {response.next_offset}")


def print_facets(facets: Facets) -> None:
    outlets = " · ".join(f"{f.value} {f.count}" for f in facets.outlets[:12])
    say(f"outlets among the {facets.articles} matching articles: {outlets or '-'}")
    dates = " · ".join(f"{f.value} {f.count}" for f in facets.dates)
    undated = f" · undated {facets.undated}" if facets.undated else ""
    say(f"dates by {facets.bucket}: {dates or '-'}{undated}")
    for label, counts in (
        ("speakers", facets.speakers),
        ("people", facets.people),
        ("organisations", facets.orgs),
        ("places", facets.places),
        ("languages", facets.languages),
    ):
        if counts:
            say(f"{label}: " + " · ".join(f"{clean(f.value)} {f.count}" for f in counts[:12]))


def warn(skipped: Iterable[object], notes: Iterable[object]) -> None:
    """One stderr line for each input skipped and each note on an input that was indexed."""
    for item in skipped:
        say(f"newsearch: warning: skipped {item}", err=True)
    for note in notes:
        say(f"newsearch: warning: {note}", err=True)


def print_add_report(report: AddReport, index_dir: str, documents: int, passages: int) -> None:
    changed = report.n_changed
    if report.embedded == 0:
        print(f"nothing to embed: {report.n_unchanged} article(s) unchanged")
    else:
        rate = report.embedded / report.seconds if report.seconds else 0.0
        print(
            f"indexed {changed} article(s) ({report.n_added} new, {report.n_updated} "
            f"changed, {report.n_unchanged} unchanged): {report.embedded} passages embedded "
            f"in {report.seconds:.1f} s ({rate:.0f} passages/s)"
        )
    if report.analysed:
        print(f"found the quotes and entities of {report.analysed} article(s) indexed before")
    if report.languages:
        print(f"read the language of {report.languages} article(s) indexed before")
    if report.storied:
        print(f"gave {report.storied} article(s) indexed before their story")
    if report.pruned:
        print(f"pruned {len(report.pruned)} article(s) whose files are gone")
    say(f"index '{index_dir}': {documents} articles, {passages} passages")


def print_stats(stats: Stats, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(stats), indent=2))
        return
    say(f"index:     {stats.index_dir}")
    print(f"articles:  {stats.documents}")
    print(f"passages:  {stats.passages}")
    print(f"model:     {stats.model} ({stats.dim}-d)")
    if stats.second_model:
        print(f"second:    {stats.second_model} (a second dense list, fused with the first)")
    print(f"vectors:   {stats.vector_search} search")
    if stats.languages:
        print("languages: " + " · ".join(f"{code} {n}" for code, n in stats.languages.items()))
    print(f"size:      {stats.size_bytes / 1e6:.2f} MB on disk")


def print_document(
    row: DocumentRow, passages: list[StoredPassage], quotes: list[StoredQuote], *, as_json: bool
) -> None:
    if as_json:
        data = asdict(row)
        data["passages"] = [
            {"paragraph": p.paragraph, "start": p.start, "end": p.end, "text": p.text}
            for p in passages
        ]
        data["quotes"] = [q.in_article() for q in quotes]
        print_json(data)
        return
    say(row.title or f"(untitled) {row.source}")
    say(" · ".join(x for x in (row.source, row.date, row.language, row.url) if x))
    print()
    for p in passages:
        print(textwrap.fill(clean(f"¶{p.paragraph} {p.text}"), width=_width()))
        said = sorted({q.speaker for q in quotes if q.speaker and p.start <= q.start < p.end})
        if said:
            print(f"   quotes: {', '.join(clean(name) for name in said)}")
        print()


def print_eval(name: str, settings: Settings, results: list[ModeResult], *, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "dataset": name,
                    "model": settings.model,
                    "backend": settings.backend,
                    "rerank": settings.rerank_model,
                    "max_passage_words": settings.max_passage_words,
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            )
        )
        return
    rerank = f" · reranked by {settings.rerank_model}" if settings.rerank_model else ""
    say(
        f"{name} · {settings.model} ({settings.backend}){rerank} · passages ≤ "
        f"{settings.max_passage_words or 'whole'} words · "
        f"{results[0].queries if results else 0} queries"
    )
    print(f"{'mode':<8} {'nDCG@10':>8} {'R@100':>8} {'MRR@10':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for r in results:
        print(
            f"{r.mode:<8} {r.ndcg10:>8.4f} {r.recall100:>8.4f} {r.mrr10:>8.4f} "
            f"{r.p50_ms:>8.1f} {r.p95_ms:>8.1f}"
        )


PROGRESS = ("auto", "bar", "plain", "none")


def progress_for(mode: str) -> IndexProgress:
    """How long work shows its progress: a bar on a terminal, a line every few seconds
    elsewhere (scripts, CI, nohup: they see work going on too), or nothing."""
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() else "plain"
    if mode == "bar":
        return BarProgress()
    if mode == "plain":
        return PlainProgress()
    return IndexProgress()


class BarProgress(IndexProgress):
    """A tqdm bar on stderr with passages/s."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._passages = 0

    def start(self, total_passages: int) -> None:
        if total_passages:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total_passages,
                unit="passage",
                desc="embedding",
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def advance(self, passages: int) -> None:
        if self._bar is not None:
            self._bar.update(passages)

    def start_input(self, total_bytes: int) -> None:
        self._passages = 0
        if total_bytes:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                desc="indexing",
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def advance_input(self, nbytes: int, passages: int) -> None:
        self._passages += passages
        if self._bar is not None:
            elapsed = self._bar.format_dict.get("elapsed") or 0.0
            rate = self._passages / elapsed if elapsed else 0.0
            self._bar.set_postfix_str(f"{self._passages} passages, {rate:.0f}/s", refresh=False)
            self._bar.update(nbytes)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()


class PlainProgress(IndexProgress):
    """A line on stderr every `every` seconds: how far, passages/s, the time left."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self._started = self._said = time.monotonic()
        self._total = self._done = self._passages = 0
        self._bytes = False

    def start(self, total_passages: int) -> None:
        self._reset(total_passages, in_bytes=False)

    def start_input(self, total_bytes: int) -> None:
        self._reset(total_bytes, in_bytes=True)

    def advance(self, passages: int) -> None:
        self._step(passages, passages)

    def advance_input(self, nbytes: int, passages: int) -> None:
        self._step(nbytes, passages)

    def finish(self) -> None:
        if self._total and self._said != self._started:  # a job long enough to have spoken
            self._say()

    def _reset(self, total: int, *, in_bytes: bool) -> None:
        self._started = self._said = time.monotonic()
        self._total, self._done, self._passages, self._bytes = total, 0, 0, in_bytes

    def _step(self, amount: int, passages: int) -> None:
        self._done += amount
        self._passages += passages
        if time.monotonic() - self._said >= self.every:
            self._say()

    def _say(self) -> None:
        now = time.monotonic()
        self._said = now
        elapsed = max(now - self._started, 1e-9)
        share = self._done / self._total if self._total else 0.0
        if self._bytes:
            where = f"{self._done / 1e6:,.1f} of {self._total / 1e6:,.1f} MB"
        else:
            where = f"{self._done:,} of {self._total:,} passages"
        left = elapsed * (1 - share) / share if share else 0.0
        say(
            f"newsearch: indexing: {where} ({share:.0%}), {self._passages:,} passages, "
            f"{self._passages / elapsed:,.0f} passages/s, about {_duration(left)} left",
            err=True,
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
