"""`newsearch serve --ray --replicas 2`: the HTTP API's search tests, unchanged, answered by two
Ray Serve replicas over one read-only snapshot; writes get a clear 409."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from service.config import DEFAULT_MODEL
from tests.api.conftest import BODY_LIMIT, build_seed_index
from tests.api.test_search_api import *  # noqa: F403 - the same tests, run against the replicas
from tests.api.test_search_api import assert_error
from tests.conftest import require_ray
from tests.server_helpers import Server, running_server

require_ray()
pytestmark = pytest.mark.ray
REPLICAS = ("--ray", "local", "--replicas", "2")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    index_dir = build_seed_index(tmp_path_factory.mktemp("ray-serve") / "idx")
    with running_server(
        index_dir, "--max-body-bytes", str(BODY_LIMIT), *REPLICAS, model="hashing-64"
    ) as s:
        yield s


def test_two_replicas_serve_one_snapshot(server: Server) -> None:
    deadline = time.monotonic() + 10  # the line may reach the log a moment after the port opens
    while "2 replicas serving snapshot" not in server.log.read_text() and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert "2 replicas serving snapshot" in server.log.read_text()
    with server.client() as http:
        answers = {
            tuple(
                (h["doc_id"], h["paragraph"])
                for h in http.get("/search", params={"q": "Blinken Abbas", "k": 5}).json()[
                    "results"
                ]
            )
            for _ in range(20)
        }
    assert len(answers) == 1  # every replica answers alike


def test_writes_are_refused_with_a_clear_message(server: Server) -> None:
    with server.client() as http:
        added = http.post("/documents", json={"id": "new", "text": "A new article."})
        assert_error(added, 409, "read_only")
        assert "read-only" in added.json()["error"]["message"]
        assert_error(http.delete("/documents/seeds/000_9b79dfde9d1dc214.txt"), 409, "read_only")
        assert http.get("/stats").json()["documents"] == 5


@pytest.mark.model
def test_replicas_with_the_real_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    index_dir = build_seed_index(tmp_path_factory.mktemp("ray-model") / "idx", model=DEFAULT_MODEL)
    with running_server(index_dir, *REPLICAS) as s, s.client() as http:
        hits = http.get("/search", params={"q": "what did Blinken tell Abbas", "k": 3}).json()
    assert hits["results"][0]["doc_id"] == "seeds/002_55488569d2b2b954.txt"
    assert "Abbas" in hits["results"][0]["text"]
