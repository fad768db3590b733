"""Document endpoints, API keys, concurrency and durability through a real uvicorn."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import build_seed_index
from tests.api.test_search_api import assert_error
from tests.conftest import FAKE_MODEL, ROOT
from tests.server_helpers import Server, running_server, start_server

ARTICLE = {
    "id": "wire/2021-05-14/amr",
    "text": "Hady Amr landed in Tel Aviv on Friday.\nHe is due to meet Abbas in Ramallah.",
    "title": "Envoy lands",
    "outlet": "Wire",
    "date": "2021-05-14",
    "url": "https://example.com/amr",
}


def test_document_lifecycle(server: Server) -> None:
    with server.client() as http:
        added = http.post("/documents", json=ARTICLE).json()
        assert added["documents"] == [{"doc_id": ARTICLE["id"], "status": "added", "passages": 2}]
        hit = http.get("/search", params={"q": "Hady Amr landed", "k": 1}).json()["results"][0]
        assert hit["doc_id"] == ARTICLE["id"] and hit["source"] == "Wire"
        assert hit["url"] == ARTICLE["url"] and hit["date"] == "2021-05-14"

        again = http.post("/documents", json=[ARTICLE]).json()
        assert again["documents"][0]["status"] == "unchanged"

        doc = http.get(f"/documents/{ARTICLE['id']}").json()
        assert doc["title"] == "Envoy lands" and len(doc["passages"]) == 2
        assert doc["text"][doc["passages"][1]["start"] : doc["passages"][1]["end"]] == (
            "He is due to meet Abbas in Ramallah."
        )

        replaced = http.put(
            f"/documents/{ARTICLE['id']}",
            json={"text": "Hady Amr postponed his trip.", "outlet": "Wire"},
        )
        assert replaced.json()["documents"][0]["status"] == "updated"
        hits = http.get(
            "/search", params={"q": "Hady Amr landed", "k": 10, "doc_id": ARTICLE["id"]}
        ).json()["results"]
        assert [h["text"] for h in hits] == ["Hady Amr postponed his trip."]

        page = http.get("/documents", params={"limit": 2, "offset": 0}).json()
        assert page["total"] >= 6 and len(page["documents"]) == 2
        ids = []
        for offset in range(0, page["total"], 2):
            ids += [
                d["doc_id"]
                for d in http.get("/documents", params={"limit": 2, "offset": offset}).json()[
                    "documents"
                ]
            ]
        assert ARTICLE["id"] in ids and len(ids) == len(set(ids)) == page["total"]

        deleted = http.delete(f"/documents/{ARTICLE['id']}").json()
        assert deleted == {"doc_id": ARTICLE["id"], "deleted_passages": 1}
        assert_error(http.get(f"/documents/{ARTICLE['id']}"), 404, "not_found")
        assert_error(http.delete(f"/documents/{ARTICLE['id']}"), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"id": "a"},
        {"id": "a", "text": "   "},
        {"id": "", "text": "x"},
        {"id": "a\x00b", "text": "x"},
        {"id": "x" * 10_000, "text": "x"},
        {"id": "a", "text": "x", "date": "yesterday"},
        {"id": "a", "text": "x", "colour": "red"},
        {"id": "a", "text": "\ud800"},
        [{"id": "ok", "text": "fine"}, {"id": "bad"}],
        "just a string",
        {"id": 5, "text": "x"},
    ],
)
def test_bad_articles_are_refused_and_change_nothing(server: Server, body: object) -> None:
    with server.client() as http:
        before = http.get("/stats").json()
        raw = json.dumps(body).encode()
        response = http.post(
            "/documents", content=raw, headers={"content-type": "application/json"}
        )
        assert 400 <= response.status_code < 500 and "error" in response.json(), response.text
        after = http.get("/stats").json()
    assert (after["documents"], after["passages"]) == (before["documents"], before["passages"])


def test_api_key_protects_writes(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    key = {"NEWSEARCH_API_KEY": "s3cret-token"}
    with running_server(index_dir, env=key, model=FAKE_MODEL) as srv, srv.client() as http:
        assert_error(http.post("/documents", json=ARTICLE), 401, "unauthorized")
        assert_error(
            http.post("/documents", json=ARTICLE, headers={"Authorization": "Bearer wrong"}), 401
        )
        assert_error(http.delete("/documents/seeds/000_9b79dfde9d1dc214.txt"), 401)
        assert http.get("/search", params={"q": "Abbas"}).status_code == 200
        ok = http.post("/documents", json=ARTICLE, headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
    with (
        running_server(index_dir, "--protect-reads", env=key, model=FAKE_MODEL) as srv,
        srv.client() as http,
    ):
        assert_error(http.get("/search", params={"q": "Abbas"}), 401)
        assert_error(http.get("/stats"), 401)
        assert http.get("/health").status_code == 200
        authed = http.get(
            "/search", params={"q": "Abbas"}, headers={"Authorization": "Bearer s3cret-token"}
        )
        assert authed.status_code == 200


def test_searches_keep_answering_during_writes(server: Server) -> None:
    failures: list[str] = []
    stop = threading.Event()

    def searcher() -> None:
        with server.client() as http:
            while not stop.is_set():
                try:
                    r = http.get("/search", params={"q": "ceasefire talks Abbas", "k": 10})
                    if r.status_code != 200 or not r.json()["results"]:
                        failures.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for t in threads:
        t.start()
    added = []
    with server.client() as http:
        for i in range(40):
            doc = {
                "id": f"live-{i}",
                "text": f"Live update {i}: ceasefire talks continued.\nEnvoy number {i} met Abbas.",
                "outlet": "Live",
            }
            assert http.post("/documents", json=doc).status_code == 200
            added.append(doc["id"])
            if i % 3 == 0:
                assert http.delete(f"/documents/{doc['id']}").status_code == 200
                added.remove(doc["id"])
    stop.set()
    for t in threads:
        t.join()
    assert not failures, failures[:3]
    with server.client() as http:
        for doc_id in added:
            hits = http.get("/search", params={"q": "ceasefire talks", "doc_id": doc_id}).json()
            assert hits["results"], doc_id
        for doc_id in added:
            assert http.delete(f"/documents/{doc_id}").status_code == 200


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    srv = start_server(index_dir, model=FAKE_MODEL)
    with srv.client() as http:
        for i in range(5):
            assert (
                http.post("/documents", json={"id": f"k{i}", "text": f"Kill test {i}."}).status_code
                == 200
            )
        assert http.delete("/documents/seeds/004_5b3f42833d34a46b.txt").status_code == 200
    srv.kill()  # before the background save of the FAISS file
    with running_server(index_dir, model=FAKE_MODEL) as again, again.client() as http:
        for i in range(5):
            hits = http.get("/search", params={"q": f"Kill test {i}", "doc_id": f"k{i}"}).json()
            assert hits["results"][0]["doc_id"] == f"k{i}"
        assert http.get("/documents/seeds/004_5b3f42833d34a46b.txt").status_code == 404
        assert http.get("/stats").json()["documents"] == 9


def test_cli_through_the_server(server: Server, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    local_dir = build_seed_index(tmp_path / "local")
    remote = json.loads(
        cli("ask", "what did Blinken tell Abbas", "--server", server.url, "--json", "-k", "5").out
    )
    local = json.loads(
        cli(
            "ask", "what did Blinken tell Abbas", "--index-dir", str(local_dir), "--json", "-k", "5"
        ).out
    )
    ranking = lambda r: [(h["doc_id"], h["paragraph"]) for h in r["results"]]  # noqa: E731
    assert ranking(remote) == ranking(local)
    printed = cli("ask", "what did Blinken tell Abbas", "--server", server.url, "-k", "5")
    printed_local = cli(
        "ask", "what did Blinken tell Abbas", "--index-dir", str(local_dir), "-k", "5"
    )
    assert printed.out == printed_local.out

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "cli-added", "text": "Sent through newsearch add."}) + "\n")
    added = cli("add", str(feed), "--server", server.url)
    assert added.code == 0 and "1 added" in added.out
    hits = json.loads(
        cli("ask", "Sent through newsearch add", "--server", server.url, "--json").out
    )["results"]
    assert hits[0]["doc_id"] == "cli-added"
    down = cli("ask", "x", "--server", "http://127.0.0.1:9")
    assert down.code == 1 and "cannot reach the server" in down.err
    assert ROOT.exists()


def test_snapshot_of_a_live_index_opens(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    index_dir = build_seed_index(tmp_path / "idx")
    snaps = tmp_path / "snaps"
    with (
        running_server(index_dir, "--snapshot-dir", str(snaps), model=FAKE_MODEL) as srv,
        srv.client() as http,
    ):
        stop = threading.Event()

        def writer() -> None:
            with srv.client() as w:
                i = 0
                while not stop.is_set():
                    w.post("/documents", json={"id": f"snap-{i}", "text": f"Snapshot {i}."})
                    i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        taken = http.post("/snapshot").json()
        stop.set()
        thread.join()
        assert Path(taken["path"]).parent == snaps
        # the CLI snapshots the same live index from another process
        copied = cli("snapshot", str(tmp_path / "cli-snap"), "--index-dir", str(index_dir))
        assert copied.code == 0, copied.err
    for path in (Path(taken["path"]), tmp_path / "cli-snap"):
        assert cli("check", "--index-dir", str(path)).code == 0
        with running_server(path, model=FAKE_MODEL) as restored, restored.client() as http:
            stats = http.get("/stats").json()
            hits = http.get("/search", params={"q": "what did Blinken tell Abbas"}).json()
            assert hits["results"][0]["doc_id"] == "seeds/002_55488569d2b2b954.txt"
            if path == Path(taken["path"]):
                assert stats["documents"] == taken["documents"]
    refused = cli("snapshot", str(tmp_path / "cli-snap"), "--index-dir", str(index_dir))
    assert refused.code == 1 and "not empty" in refused.err


def test_a_write_returns_its_warnings(server: Server, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """An id sent twice in one request: the last copy is kept and the reply says so, as
    `newsearch index` would; `newsearch add` prints it."""
    twice = [
        {"id": "twice", "text": "The first copy of the article."},
        {"id": "twice", "text": "The second copy of the article."},
    ]
    with server.client() as http:
        reply = http.post("/documents", json=twice).json()
        assert reply["documents"] == [{"doc_id": "twice", "status": "added", "passages": 1}]
        assert any("'twice'" in w and "last copy" in w for w in reply["warnings"])
        once = http.post("/documents", json={"id": "once", "text": "Only one copy."}).json()
        assert once["warnings"] == []
    feed = tmp_path / "twice.jsonl"
    feed.write_text("".join(json.dumps(a) + "\n" for a in twice))
    added = cli("add", str(feed), "--server", server.url)
    assert added.code == 0 and "warning: 'twice' appears more than once" in added.err
