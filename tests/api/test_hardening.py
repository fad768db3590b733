"""A server that may face a network, through a real uvicorn: Host allow-list, no cross-site
writes, snapshot retention, API-key attempts limited per address, one validation for ids,
all-or-nothing batches, damage found while serving, bounded results, leftovers cleaned."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from service import Article, NewsIndex, SearchRequest, Settings
from service.chunking import MAX_PASSAGE_CHARS
from service.errors import PayloadTooLarge
from service.manifest import read_manifest
from tests.api.conftest import build_seed_index
from tests.api.test_search_api import assert_error
from tests.conftest import FAKE_MODEL
from tests.server_helpers import Server, running_server


def test_hosts_outside_the_allow_list_are_refused(server: Server) -> None:
    port = server.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.2"):
            response = http.get("/search", params={"q": "Abbas"}, headers={"Host": host})
            assert_error(response, 400, "host_not_allowed")
            assert "--allowed-host" in response.json()["error"]["message"]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", "[::1]"):
            assert http.get("/health", headers={"Host": host}).status_code == 200


def test_an_allowed_host_is_answered(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    args = ("--allowed-host", "news.example")
    with running_server(index_dir, *args, model=FAKE_MODEL) as s, s.client() as http:
        assert http.get("/health", headers={"Host": "news.example:80"}).status_code == 200
        assert_error(http.get("/health", headers={"Host": "other.example"}), 400)


def test_writes_a_page_could_send_from_another_site_are_refused(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    snapshots = tmp_path / "snaps"
    with running_server(
        index_dir, "--snapshot-dir", str(snapshots), "--keep-snapshots", "2", model=FAKE_MODEL
    ) as s:
        with httpx.Client(base_url=s.url, timeout=60) as browser_like:  # no newsearch header
            assert_error(browser_like.post("/snapshot"), 403, "cross_site_refused")
            form = {"content-type": "application/x-www-form-urlencoded"}
            assert_error(browser_like.post("/snapshot", headers=form), 403)
            plain = {"content-type": "text/plain"}
            body = json.dumps({"id": "x", "text": "Forged article."})
            assert_error(browser_like.post("/documents", content=body, headers=plain), 403)
            victim = "/documents/seeds/000_9b79dfde9d1dc214.txt"
            assert_error(browser_like.delete(victim), 403, "cross_site_refused")
            assert not snapshots.exists()
            assert browser_like.get(victim).status_code == 200  # reads are as before
        with s.client() as http:  # a program sends the header
            made = [http.post("/snapshot").json()["path"] for _ in range(4)]
            assert sorted(p.name for p in snapshots.iterdir()) == sorted(
                Path(p).name for p in made[-2:]
            )


def test_wrong_api_keys_are_limited_per_address(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    env = {"NEWSEARCH_API_KEY": "s3cret"}
    with running_server(index_dir, env=env, model=FAKE_MODEL) as s, s.client() as http:
        statuses = []
        for n in range(14):
            headers = {"Authorization": f"Bearer guess-{n}"}
            statuses.append(http.delete("/documents/nope", headers=headers).status_code)
        assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
        right = http.delete("/documents/nope", headers={"Authorization": "Bearer s3cret"})
        assert_error(right, 429, "too_many_attempts")  # guessing stops, right key or not
        assert 1 <= int(right.headers["retry-after"]) <= 60
        assert http.get("/search", params={"q": "Abbas"}).status_code == 200  # reads open


def test_ids_are_checked_alike_everywhere(server: Server) -> None:
    with server.client() as http:
        newline = http.put("/documents/a%0Ab", json={"text": "Text."})
        assert_error(newline, 422)
        assert_error(http.get("/documents/bad%FFid"), 422)
        assert "UTF-8" in http.get("/documents/bad%FFid").json()["error"]["message"]
        assert_error(http.get("/documents/c1%C2%9Bx"), 422)  # a C1 control (CSI)
        decomposed = "cafe\u0301-report"  # "é" as e + a combining accent
        added = http.put(f"/documents/{decomposed}", json={"text": "The café report."})
        assert added.json()["documents"][0]["doc_id"] == "caf\u00e9-report"  # NFC
        assert http.get("/documents/caf\u00e9-report").status_code == 200
        assert http.get(f"/documents/{decomposed}").status_code == 200  # either spelling
        assert http.delete("/documents/caf\u00e9-report").status_code == 200


def test_a_batch_is_written_whole_or_not_at_all(server: Server, tmp_path: Path) -> None:
    with server.client() as http:
        batch = [{"id": f"batch-{n}", "text": f"Batch article {n}."} for n in range(20)]
        batch[-1] = {"id": "batch-bad", "text": "   "}  # invalid: no text
        assert_error(http.post("/documents", json=batch), 422)
        for doc in batch:
            assert http.get(f"/documents/{doc['id']}").status_code == 404
    # over what one transaction may hold: refused whole, nothing written
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, max_request_passages=3)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        five = [Article(f"a{n}", f"Paragraph {n}.") for n in range(5)]
        with pytest.raises(PayloadTooLarge, match="5 passages, over the 3"):
            index.add_articles(five, atomic=True)
        assert index.counts() == (0, 0)
        assert index.add_articles(five[:3], atomic=True).added == ["a0", "a1", "a2"]


def test_results_are_bounded_whatever_was_indexed(server: Server) -> None:
    endless = " ".join(f"word{n}" for n in range(20_000))  # no sentence punctuation at all
    with server.client() as http:
        assert http.post("/documents", json={"id": "endless", "text": endless}).status_code == 200
        hit = http.get("/search", params={"q": "word17 word42", "k": 1}).json()["results"][0]
        # cut at ingest (service.chunking's caps), so the offsets are the text's
        assert hit["doc_id"] == "endless" and len(hit["text"]) <= MAX_PASSAGE_CHARS
        assert hit["end"] - hit["start"] == len(hit["text"])
        assert hit["highlight"]["end"] <= len(hit["text"])
        http.delete("/documents/endless")


def test_a_whole_article_passage_is_cut_on_the_way_out(tmp_path: Path) -> None:
    # max_passage_words=0 keeps each article whole (the BEIR set-up): no ingest cap applies
    settings = Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL, max_passage_words=0)
    endless = " ".join(f"word{n}" for n in range(20_000))
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles([Article(doc_id="endless", text=endless)])
        (hit,) = index.search(SearchRequest("word17 word42", k=1)).results
    assert len(hit.text) <= 4000 and hit.end - hit.start == len(endless)
    assert hit.highlight is None or hit.highlight["end"] <= len(hit.text)


def test_damage_while_serving_is_found_and_stops_writes(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    args = ("--check-seconds", "0.3")
    with running_server(index_dir, *args, model=FAKE_MODEL) as s, s.client() as http:
        assert http.get("/health").json()["status"] == "ok"
        db = index_dir / "newsearch.db"
        with db.open("r+b") as handle:  # overwrite pages in the middle of the file
            handle.seek(db.stat().st_size // 2 // 4096 * 4096)
            handle.write(b"\xa5" * 3 * 4096)
        deadline = time.monotonic() + 20
        while http.get("/health").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        health = http.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "damaged"
        assert "restore a snapshot" in health.json()["message"]
        write = http.post("/documents", json={"id": "late", "text": "Too late."})
        assert_error(write, 503, "index_damaged")
    manifest = read_manifest(index_dir)
    assert manifest is None or manifest.database_sha256 is None  # the damage is not blessed
    assert "damaged" in s.log.read_text()


def test_leftovers_of_interrupted_saves_are_removed(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    for name in (".vectors-k1ll3d", ".manifest-k1ll3d"):
        (index_dir / name).write_bytes(b"half a file")
    with NewsIndex.open(Settings(index_dir=index_dir, model=FAKE_MODEL)):
        assert (index_dir / ".vectors-k1ll3d").exists()  # a reader leaves a writer's files
    with NewsIndex.open(Settings(index_dir=index_dir, model=FAKE_MODEL), writable=True):
        assert not list(index_dir.glob(".vectors-*")) and not list(index_dir.glob(".manifest-*"))
    assert oct((index_dir / "newsearch.db").stat().st_mode & 0o777) == "0o600"
