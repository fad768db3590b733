"""The browser's view of a hardened server: the API docs render with the network off and the
page's CSP; a page on another origin cannot make the browser change the index."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import build_seed_index
from tests.server_helpers import Server, free_port, running_server

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    root = tmp_path_factory.mktemp("hardened")
    snapshots = root / "snaps"
    index_dir = build_seed_index(root / "idx")
    with running_server(index_dir, "--snapshot-dir", str(snapshots), model="hashing-64") as s:
        yield s, snapshots


def test_the_api_docs_render_offline(served: tuple[Server, Path], page: Any) -> None:
    server, _ = served
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 10  # every operation of the schema
    assert "newsearch" in page.locator(".title").first.inner_text()
    assert not page.errors, page.errors  # no CSP refusal, no script error


def test_a_page_on_another_origin_cannot_write(
    served: tuple[Server, Path], page: Any, tmp_path: Path
) -> None:
    server, snapshots = served
    (tmp_path / "attack.html").write_text(
        '<!doctype html><script src="attack.js"></script><p id="done">sent</p>'
    )
    (tmp_path / "attack.js").write_text(
        f"""
        const target = "{server.url}";
        const simple = {{method: "POST", mode: "no-cors"}};
        fetch(target + "/snapshot", simple);
        fetch(target + "/snapshot", {{...simple, headers: {{"Content-Type": "text/plain"}}}});
        fetch(target + "/documents", {{...simple, body: '{{"id": "x", "text": "forged"}}'}});
        fetch(target + "/documents/seeds/000_9b79dfde9d1dc214.txt", {{method: "DELETE"}});
        """
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    attacker = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=attacker.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/attack.html")
        page.wait_for_selector("#done")
        time.sleep(1.5)  # let the requests land
    finally:
        attacker.shutdown()
    assert not snapshots.exists() or not any(snapshots.iterdir()), "a snapshot was made"
    with server.client() as http_client:
        assert http_client.get("/documents/x").status_code == 404
        assert http_client.get("/documents/seeds/000_9b79dfde9d1dc214.txt").status_code == 200
