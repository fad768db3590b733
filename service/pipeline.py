"""One work unit from files to rows ready to commit: read and clean its articles, skip the ones
the index already holds unchanged, chunk the rest, embed their passages in one encoder call.
The local `newsearch index` and the Ray path (service.distributed) run these same functions on
the same units, which is why they build the same index."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from service.chunking import MAX_ARTICLE_PASSAGES, chunk
from service.encoders import Encoder, ProgressFn
from service.ingest import Notice, Skipped, read_unit
from service.ingest.cleaning import clean_article
from service.ingest.units import Unit
from service.records import Article, Passage

# v2: sentences of every script, length caps (a new version re-embeds each article once)
CHUNKING_VERSION = "paragraphs-v2"

T = TypeVar("T")
R = TypeVar("R")
KnownHashes = Callable[[list[str]], dict[str, str]]  # doc ids -> content hashes in the index


def chunking_key(max_words: int) -> str:
    """Part of every content hash: a new chunking rule re-embeds every article."""
    return f"{CHUNKING_VERSION}-{max_words}"


def content_hash(article: Article, chunking_version: str) -> str:
    """What decides whether an article changed: its text and fields, and the chunking rule."""
    digest = hashlib.sha256(chunking_version.encode())
    for part in (article.text, article.title, article.date, article.outlet, article.url):
        digest.update(b"\x1f" + (part or "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass
class PreparedUnit:
    """A unit after reading and chunking: what to embed, what was unchanged or skipped."""

    number: int
    size: int
    todo: list[tuple[Article, str, list[Passage]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # ids in todo the index already held
    notices: list[str] = field(default_factory=list)  # read, with a warning for its owner

    @property
    def texts(self) -> list[str]:
        return [p.text for _, _, passages in self.todo for p in passages]

    def dumps(self) -> bytes:
        """JSON (it runs no code when read): rows cross processes and machines in a Ray run."""
        return json.dumps(
            {
                "number": self.number,
                "size": self.size,
                "todo": [
                    [asdict(article), digest, [asdict(p) for p in passages]]
                    for article, digest, passages in self.todo
                ],
                "unchanged": self.unchanged,
                "skipped": [[s.where, s.reason] for s in self.skipped],
                "existing": self.existing,
                "notices": self.notices,
            },
            ensure_ascii=False,
        ).encode("utf-8", "surrogatepass")

    @staticmethod
    def loads(data: bytes) -> PreparedUnit:
        raw = json.loads(data.decode("utf-8", "surrogatepass"))
        return PreparedUnit(
            number=raw["number"],
            size=raw["size"],
            todo=[
                (Article(**article), digest, [Passage(**p) for p in passages])
                for article, digest, passages in raw["todo"]
            ],
            unchanged=raw["unchanged"],
            skipped=[Skipped(where, reason) for where, reason in raw["skipped"]],
            existing=raw["existing"],
            notices=raw["notices"],
        )


def prepare_unit(
    unit: Unit, root: Path, known: KnownHashes, max_words: int, keep_non_articles: bool = False
) -> PreparedUnit:
    items = list(read_unit(unit, root))
    articles = (a for a in items if isinstance(a, Article))
    prepared = prepare_articles(
        articles, known, max_words, unit.number, unit.size, keep_non_articles
    )
    prepared.skipped[:0] = [s for s in items if isinstance(s, Skipped)]
    prepared.notices[:0] = [str(n) for n in items if isinstance(n, Notice)]
    return prepared


def fetched_unit(
    urls: list[str],
    number: int,
    known: KnownHashes,
    max_words: int,
    keep_non_articles: bool = False,
) -> PreparedUnit:
    """The articles of pages and feeds fetched over http(s), as the unit after the files."""
    from service.ingest.fetch import read_urls

    items = list(read_urls(urls))
    articles = (a for a in items if isinstance(a, Article))
    prepared = prepare_articles(articles, known, max_words, number, 0, keep_non_articles)
    prepared.skipped[:0] = [s for s in items if isinstance(s, Skipped)]
    prepared.notices[:0] = [str(n) for n in items if isinstance(n, Notice)]
    return prepared


def prepare_articles(
    articles: Iterable[Article],
    known: KnownHashes,
    max_words: int,
    number: int = 0,
    size: int = 0,
    keep_non_articles: bool = False,
) -> PreparedUnit:
    """Splits articles into what to embed (chunked), what the index holds unchanged, and
    what has no text to index; the last copy of a repeated id wins. A page that is not one
    article (Article.non_article) is left out with a notice, unless `keep_non_articles`."""
    prepared = PreparedUnit(number, size)
    latest: dict[str, Article] = {}
    for article in articles:
        if article.non_article and not keep_non_articles:
            where = article.source_path or article.doc_id
            if where != article.doc_id:
                where = f"{where}: {article.doc_id}"
            prepared.notices.append(
                f"{where}: skipped, {article.non_article} (--keep-non-articles indexes it)"
            )
            continue
        if article.doc_id in latest:
            prepared.notices.append(
                f"{article.doc_id!r} appears more than once in the input; the last copy was kept"
            )
        latest[article.doc_id] = clean_article(article)
    hashes = known(list(latest))
    key = chunking_key(max_words)
    for doc_id, article in latest.items():
        digest = content_hash(article, key)
        if hashes.get(doc_id) == digest:
            prepared.unchanged.append(doc_id)
            continue
        passages = chunk(article, max_words)
        if len(passages) > MAX_ARTICLE_PASSAGES:
            where = article.source_path or doc_id
            prepared.notices.append(
                f"{where}: article {doc_id!r} has {len(passages):,} passages; the first "
                f"{MAX_ARTICLE_PASSAGES:,} were kept (a page this long is rarely one article)"
            )
            del passages[MAX_ARTICLE_PASSAGES:]
        if not passages:
            where = article.source_path or doc_id
            prepared.skipped.append(Skipped(where, f"article {doc_id!r} has no text to index"))
            continue
        prepared.todo.append((article, digest, passages))
        if doc_id in hashes:
            prepared.existing.append(doc_id)
    return prepared


def embed_unit(
    prepared: PreparedUnit,
    encoder: Encoder,
    batch_size: int,
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """The vectors of the unit's passages, in order, from one encode call over all of them
    (so the grouping of texts into encoder batches is a function of the unit alone)."""
    texts = prepared.texts
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return encoder.encode(texts, batch_size=batch_size, progress=progress)


def ahead(items: Iterable[T], work: Callable[[T], R]) -> Iterator[tuple[T, R]]:
    """Each item with work(item), in order, the next item's work running on a second thread
    while the caller handles this one: units are embedded while the previous one commits, so
    the cores that embed do not wait on SQLite. Errors come out in order too."""
    with ThreadPoolExecutor(1, thread_name_prefix="newsearch-embed") as pool:
        pending: tuple[T, Future[R]] | None = None
        for item in items:
            future = pool.submit(work, item)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (item, future)
        if pending is not None:
            yield pending[0], pending[1].result()
