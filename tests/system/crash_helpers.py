"""Helpers for tests that SIGKILL real `newsearch` processes and then audit the index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from service import Article, NewsIndex, Settings
from service.chunking import chunk
from service.ingest import article_from_fields
from service.maintenance import search_ok
from service.store import SECOND

FAKE_MODEL = "hashing-64"


def write_corpus(path: Path, articles: int, version: str) -> dict[str, Article]:
    """A JSONL corpus; every paragraph names its article and version, so a mixture shows."""
    fields = []
    for i in range(articles):
        paragraphs = [
            f"Report {i} paragraph {p} ({version}): officials in city {i % 97} said talks on "
            f"the ceasefire continued for day {p} while envoys travelled."
            for p in range(5)
        ]
        fields.append(
            {
                "id": f"a{i:05d}",
                "text": "\n".join(paragraphs),
                "title": f"Report {i} {version}",
                "outlet": f"Outlet {i % 7}",
            }
        )
    path.write_text("\n".join(json.dumps(f) for f in fields) + "\n", encoding="utf-8")
    return {f["id"]: article_from_fields(f, source_path=path.name) for f in fields}


def newsearch(
    *args: str, nlp: str = "off", extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`newsearch ARGS` in a process of its own; who said what is off unless `nlp` names the
    pipeline (test_crash.py kills a run with it on too)."""
    env = dict(os.environ, NEWSEARCH_MODEL=FAKE_MODEL, NEWSEARCH_NLP=nlp, **(extra_env or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def audit(index_dir: Path, versions: list[dict[str, Article]]) -> dict[str, int]:
    """Opens the index as a reader would and checks every article is wholly one known version
    and FAISS holds exactly the passages SQLite holds. Returns how many docs are at each version."""
    counts = {str(v): 0 for v in range(len(versions))}
    with NewsIndex.open(Settings(index_dir=index_dir, model=FAKE_MODEL)) as index:
        assert index.store.integrity_errors() == []
        ids, _ = index.store.all_vectors(index.dim)
        assert sorted(index.vectors.ids().tolist()) == sorted(ids.tolist())
        if index.second:  # a second encoder's list: a vector of every passage, in both places
            assert index.store.passage_ids(SECOND).tolist() == ids.tolist()
            assert sorted(index.second.vectors.ids().tolist()) == sorted(ids.tolist())
        for row in index.documents(0, 1_000_000):
            passages = index.store.document_passages(row.doc_id)
            matched = [
                v
                for v, version in enumerate(versions)
                if row.doc_id in version
                and row.text == version[row.doc_id].text
                and [p.text for p in passages] == [p.text for p in chunk(version[row.doc_id])]
            ]
            assert matched, f"{row.doc_id} is a mixture or unknown"
            counts[str(matched[0])] += 1
            _audit_quotes(index, row.doc_id, len(row.text), {p.id for p in passages})
        assert search_ok(index)
    return counts


def _audit_quotes(index: NewsIndex, doc_id: str, length: int, passage_ids: set[int]) -> None:
    """An article's quotes, entities and passage names are its own version's: within its
    text, on its passages, and none without its `analysed` row."""
    conn = index.store.conn
    analysed = conn.execute("SELECT 1 FROM analysed WHERE doc_id = ?", (doc_id,)).fetchone()
    quotes = conn.execute("SELECT start, end FROM quotes WHERE doc_id = ?", (doc_id,)).fetchall()
    named = {r[0] for r in conn.execute("SELECT id FROM passage_names WHERE doc_id = ?", (doc_id,))}
    if analysed is None:
        assert not quotes and not named, f"{doc_id} has quotes but was never analysed"
    assert all(0 <= a < b <= length for a, b in quotes), f"{doc_id}: a quote outside its text"
    assert named <= passage_ids, f"{doc_id}: names of passages it does not have"
