"""The real model behind a real uvicorn: the CLI through the server matches the local CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.config import DEFAULT_MODEL
from tests.api.conftest import build_seed_index
from tests.server_helpers import running_server

pytestmark = pytest.mark.model


def test_server_and_local_cli_print_the_same_answers(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NEWSEARCH_MODEL")
    index_dir = build_seed_index(tmp_path / "idx", model=DEFAULT_MODEL)
    question = "what did Blinken tell Abbas"
    local = cli("ask", question, "--index-dir", str(index_dir), "-k", "5")
    local_json = json.loads(cli("ask", question, "--index-dir", str(index_dir), "--json").out)
    with running_server(index_dir) as server, server.client() as http:
        remote = cli("ask", question, "--server", server.url, "-k", "5")
        assert remote.code == 0 and remote.out == local.out
        body = http.get("/search", params={"q": question, "k": 5}).json()
    assert [(h["doc_id"], h["paragraph"]) for h in body["results"]] == [
        (h["doc_id"], h["paragraph"]) for h in local_json["results"]
    ]
    assert body["results"][0]["doc_id"] == "seeds/002_55488569d2b2b954.txt"
