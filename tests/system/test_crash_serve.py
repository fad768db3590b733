"""SIGKILL `newsearch serve` while clients write, many times: every acknowledged write is
there after the restart, nothing unacknowledged is half there (a batch POST is all or nothing),
FAISS and SQLite agree."""

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
# CI: 30 server kills (+ 20 indexer kills in test_crash.py); NEWSEARCH_KILL_SCALE=7 for 210
KILLS = 30 * int(os.environ.get("NEWSEARCH_KILL_SCALE", "1"))
# the batches grow the index past the IVF threshold; exact vectors keep each restart quick
# (test_crash.py and test_ann.py cover IVF through kills and rebuilds)
EXACT_UP_TO = 10_000_000
EXACT = {"NEWSEARCH_ANN_THRESHOLD": str(EXACT_UP_TO)}


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
    batches_cut = 0  # kills that came while a batch was in flight
    for cycle in range(KILLS):
        server = start_server(index_dir, "--flush-seconds", "0.2", model=FAKE_MODEL, env=EXACT)
        in_flight: list[str] = []
        stop = threading.Event()

        def writer(
            server_url: str = server.url,
            cycle: int = cycle,
            stop: threading.Event = stop,
            in_flight: list[str] = in_flight,
        ) -> None:
            headers = {"X-Newsearch-Client": "tests"}
            with httpx.Client(base_url=server_url, timeout=10, headers=headers) as http:
                i = 0
                while not stop.is_set():
                    doc_id = f"c{cycle}-{i}"
                    in_flight[:] = [doc_id]
                    try:
                        roll = rng.random()
                        if present and roll < 0.2:
                            victim = sorted(present)[0]
                            in_flight[:] = [victim]
                            if http.delete(f"/documents/{victim}").status_code == 200:
                                present.discard(victim)
                                gone.add(victim)
                        elif roll < 0.45:  # one request, over 256 passages: one transaction
                            batch = [f"{doc_id}-{j}" for j in range(rng.randint(130, 200))]
                            in_flight[:] = batch
                            body = [article(d) for d in batch]
                            if http.post("/documents", json=body).status_code == 200:
                                present.update(batch)
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

        with NewsIndex.open(
            Settings(index_dir=index_dir, model=FAKE_MODEL, ann_threshold=EXACT_UP_TO)
        ) as index:
            ids, _ = index.store.all_vectors(index.dim)
            assert sorted(index.vectors.ids().tolist()) == sorted(ids.tolist())
            stored = {row.doc_id: row.passages for row in index.documents(0, 10**9)}
            acknowledged = present - set(in_flight)
            assert not acknowledged - stored.keys(), "acknowledged writes were lost"
            assert all(stored[d] == 2 for d in acknowledged)
            for doc_id in sorted(acknowledged)[-20:]:  # the newest, word for word
                row, passages = index.document(doc_id)
                assert [p.text for p in passages] == article(doc_id)["text"].split("\n")
            assert not (gone - present - set(in_flight)) & stored.keys(), "deletes came back"
            for doc_id in in_flight:  # an unacknowledged add or delete: either, never half
                row = index.store.document(doc_id)
                if row is not None:
                    assert row.passages == 2
            if len(in_flight) > 1:  # an unacknowledged batch: all of it or none of it
                batches_cut += 1
                written = {index.store.document(d) is not None for d in in_flight}
                assert len(written) == 1, f"a batch of {len(in_flight)} was partly written"
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
    with NewsIndex.open(
        Settings(index_dir=index_dir, model=FAKE_MODEL, ann_threshold=EXACT_UP_TO), writable=True
    ):
        pass  # a writable open saves the rebuilt vectors
    report = check(Settings(index_dir=index_dir, model=FAKE_MODEL, ann_threshold=EXACT_UP_TO))
    assert report.ok, report.problems
    print(f"\nserve kills: {KILLS}, {batches_cut} of them during a batch; {len(present)} kept")
    assert len(present) > KILLS  # the writers really wrote
    assert batches_cut >= KILLS // 10  # and kills really came during batches
