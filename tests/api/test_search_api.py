"""Search endpoints and their errors, through HTTP against a real uvicorn."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import BODY_LIMIT
from tests.conftest import RESULT_FIELDS
from tests.server_helpers import Server

FIELDS = RESULT_FIELDS | {"highlight", "also_reported_by"}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


def test_health_openapi_and_docs(server: Server) -> None:
    with server.client() as http:
        assert http.get("/health").json() == {"status": "ok"}
        schema = http.get("/openapi.json").json()
        for path in ("/search", "/documents", "/documents/{doc_id}", "/stats", "/health"):
            assert path in schema["paths"], path
        assert http.get("/docs").status_code == 200


def test_get_and_post_search_agree(server: Server) -> None:
    with server.client() as http:
        got = http.get("/search", params={"q": "what did Blinken tell Abbas", "k": 3}).json()
        posted = http.post("/search", json={"query": "what did Blinken tell Abbas", "k": 3}).json()
    assert got["query"] == "what did Blinken tell Abbas" and got["took_ms"] >= 0
    assert len(got["results"]) == 3 and set(got["results"][0]) >= FIELDS
    strip = lambda r: [(h["doc_id"], h["paragraph"]) for h in r["results"]]  # noqa: E731
    assert strip(got) == strip(posted)
    assert got["results"][0]["doc_id"] == "seeds/002_55488569d2b2b954.txt"


def test_filters_inside_the_search(server: Server) -> None:
    doc = "seeds/003_3ec027d384569d0a.txt"
    with server.client() as http:
        for mode in ("hybrid", "dense", "keyword"):
            body = http.get(
                "/search", params={"q": "Biden Netanyahu", "k": 5, "mode": mode, "source": doc}
            ).json()
            # keyword mode only returns passages holding a query word (4 in this article)
            assert len(body["results"]) == (4 if mode == "keyword" else 5)
            assert {h["doc_id"] for h in body["results"]} == {doc}
            dated = http.post(
                "/search",
                json={
                    "query": "Biden",
                    "mode": mode,
                    "date_from": "2021-05-13",
                    "date_to": "2021-05-13",
                },
            ).json()
            assert dated["results"] and {h["doc_id"] for h in dated["results"]} == {doc}
            none = http.get("/search", params={"q": "Biden", "date_to": "2020-01-01"}).json()
            assert none["results"] == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": ""}, 422),
        ({"q": "   "}, 422),
        ({"q": "x" * 2001}, 422),
        ({"q": "x", "k": 0}, 422),
        ({"q": "x", "k": -1}, 422),
        ({"q": "x", "k": 101}, 422),
        ({"q": "x", "k": 10**9}, 422),
        ({"q": "x", "k": "NaN"}, 422),
        ({"q": "x", "date_from": "13/05/2021"}, 422),
        ({"q": "x", "mode": "magic"}, 422),
        ({"q": "x", "recency": 5e-324}, 422),  # a score of -inf, then NaN
        ({}, 422),
    ],
)
def test_search_errors(server: Server, params: dict[str, object], status: int) -> None:
    with server.client() as http:
        assert_error(http.get("/search", params=params), status)  # type: ignore[arg-type]
        body = {("query" if k == "q" else k): v for k, v in params.items()}
        assert_error(http.post("/search", json=body), status)


@pytest.mark.parametrize(
    "body",
    [{"k": True}, {"k": "3"}, {"offset": False}, {"recency": True}, {"recency": "30"}],
)
def test_a_body_number_must_be_a_json_number(server: Server, body: dict[str, object]) -> None:
    with server.client() as http:
        response = http.post("/search", json={"query": "Abbas", **body})
    assert_error(response, 422, "invalid_input")
    assert next(iter(body)) in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"query": "\\ud800"}',
        b'{"query": "x", "k": NaN}',
        b'{"query": "x", "k": Infinity}',
        b'{"query": "x", "k": 1e400}',
        b'{"query": "x", "unknown": 1}',
        b'{"query": ',
        b"\xff\xfe not utf-8",
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_hostile_bodies_get_a_clean_4xx(server: Server, raw: bytes) -> None:
    with server.client() as http:
        response = http.post("/search", content=raw, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


def test_body_over_the_limit_is_413(server: Server) -> None:
    with server.client() as http:
        response = http.post("/search", json={"query": "x" * (BODY_LIMIT + 10)})
        assert_error(response, 413, "payload_too_large")
        assert http.get("/health").status_code == 200


def test_unknown_route_and_method(server: Server) -> None:
    with server.client() as http:
        assert_error(http.get("/nope"), 404)
        assert_error(http.patch("/search"), 405)


def test_stats(server: Server) -> None:
    with server.client() as http:
        stats = http.get("/stats").json()
    assert stats["documents"] >= 5 and stats["model"] == "hashing-64"
    assert stats["uptime_s"] >= 0 and stats["index_size_bytes"] > 0
