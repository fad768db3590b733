"""SIGKILL `newsearch serve` while clients write, many times: every acknowledged write is
there after the restart, nothing unacknowledged is half there, FAISS and SQLite agree."""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import httpx
import pytest

from service import NewsIndex, SearchRequest, Settings
from service.maintenance import check
from tests.api.conftest import build_seed_index
from tests.conftest import FAKE_MODEL
from tests.server_helpers import start_server

pytestmark = pytest.mark.crash
# CI: 30 server kills (+ 20 indexer kills in test_crash.py); NEWSEARCH_KILL_SCALE=4 for 200
KILLS = 30 * int(os.environ.get("NEWSEARCH_KILL_SCALE", "1"))


def article(doc_id: str) -> dict[str, str]:
    token = doc_id.replace("-", "x")
    return {
        "id": doc_id,
        "text": f"Dispatch {token} first paragraph.\nDispatch {token} second.",
        "outlet": "Crash Wire",
    }


def test_server_survives_sigkill_with_writes_in_flight(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    rng = random.Random(1305)
    present: set[str] = set()  # acknowledged adds not acknowledged as deleted
    gone: set[str] = set()  # acknowledged deletes
    for cycle in range(KILLS):
        server = start_server(index_dir, "--flush-seconds", "0.2", model=FAKE_MODEL)
        in_flight: list[str] = []
        stop = threading.Event()

        def writer(
            server_url: str = server.url,
            cycle: int = cycle,
            stop: threading.Event = stop,
            in_flight: list[str] = in_flight,
        ) -> None:
            with httpx.Client(base_url=server_url, timeout=10) as http:
                i = 0
                while not stop.is_set():
                    doc_id = f"c{cycle}-{i}"
                    in_flight[:] = [doc_id]
                    try:
                        if present and rng.random() < 0.25:
                            victim = sorted(present)[0]
                            in_flight[:] = [victim]
                            if http.delete(f"/documents/{victim}").status_code == 200:
                                present.discard(victim)
                                gone.add(victim)
                        elif http.post("/documents", json=article(doc_id)).status_code == 200:
                            present.add(doc_id)
                    except httpx.HTTPError:
                        return  # the server died under us: that write was not acknowledged
                    in_flight.clear()
                    i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(rng.uniform(0.05, 0.8))
        server.kill()
        stop.set()
        thread.join()

        with NewsIndex.open(Settings(index_dir=index_dir, model=FAKE_MODEL)) as index:
            ids, _ = index.store.all_vectors(index.dim)
            assert sorted(index.vectors.ids().tolist()) == sorted(ids.tolist())
            for doc_id in present - set(in_flight):
                row, passages = index.document(doc_id)
                assert [p.text for p in passages] == article(doc_id)["text"].split("\n")
            for doc_id in gone - present - set(in_flight):
                assert index.store.document(doc_id) is None, doc_id
            for doc_id in in_flight:  # an unacknowledged add or delete: either, never half
                row = index.store.document(doc_id)
                if row is not None:
                    assert row.passages == 2
            # keep the books straight for the next cycle: an in-flight op is whatever it became
            for doc_id in in_flight:
                if index.store.document(doc_id) is None:
                    present.discard(doc_id)
                    gone.add(doc_id)
                else:
                    present.add(doc_id)
                    gone.discard(doc_id)
            sample = sorted(present)[-1:] if present else []
            for doc_id in sample:
                token = doc_id.replace("-", "x")
                hits = index.search(SearchRequest(f"Dispatch {token}", k=3, mode="keyword"))
                assert hits.results and hits.results[0].doc_id == doc_id
    with NewsIndex.open(Settings(index_dir=index_dir, model=FAKE_MODEL), writable=True):
        pass  # a writable open saves the rebuilt vectors
    report = check(Settings(index_dir=index_dir, model=FAKE_MODEL))
    assert report.ok, report.problems
    assert len(present) > KILLS  # the writers really wrote
