"""The search features through HTTP (a real uvicorn) and the typed clients: order, pages,
facets, marked words, the query language, more like this, strict parameters, metrics and the
access log."""

from __future__ import annotations

import asyncio

from service import AsyncClient, Client, SearchRequest
from tests.api.test_search_api import assert_error
from tests.server_helpers import Server

BLINKEN = "seeds/002_55488569d2b2b954.txt"


def test_pages_sort_facets_and_marks_over_http(server: Server) -> None:
    with server.client() as http:
        first = http.get("/search", params={"q": "Biden Netanyahu", "k": 3}).json()
        assert first["offset"] == 0 and first["next_offset"] == 3 and len(first["results"]) == 3
        second = http.get("/search", params={"q": "Biden Netanyahu", "k": 3, "offset": 3}).json()
        both = http.get("/search", params={"q": "Biden Netanyahu", "k": 6}).json()
        key = [(h["doc_id"], h["paragraph"]) for h in first["results"] + second["results"]]
        assert key == [(h["doc_id"], h["paragraph"]) for h in both["results"]]
        newest = http.post(
            "/search", json={"query": "Biden Netanyahu", "k": 10, "sort": "newest", "facets": True}
        ).json()
        assert newest["facets"]["articles"] >= 1 and newest["facets"]["bucket"] == "month"
        assert {f["value"] for f in newest["facets"]["outlets"]} <= {
            h["source"] for h in newest["results"]
        } | {f["value"] for f in newest["facets"]["outlets"]}
        hit = first["results"][0]
        words = {hit["text"][m["start"] : m["end"]].lower() for m in hit["matches"]}
        assert words & {"biden", "netanyahu"}


def test_the_query_language_over_http(server: Server) -> None:
    with server.client() as http:
        found = http.get("/search", params={"q": '"Eid al Fitr" Abbas', "k": 5}).json()
        assert found["results"] and all("Eid al Fitr" in h["text"] for h in found["results"])
        assert_error(http.get("/search", params={"q": '"unclosed'}), 422, "invalid_input")
        bad = http.get("/search", params={"q": "talks after:soon"})
        assert_error(bad, 422) and "after:soon" in bad.json()["error"]["message"]


def test_unknown_parameters_are_refused_as_in_post(server: Server) -> None:
    with server.client() as http:
        response = http.get("/search", params={"q": "Abbas", "sortby": "date"})
        assert_error(response, 422, "invalid_input")
        assert "'sortby'" in response.json()["error"]["message"]
        assert_error(http.post("/search", json={"query": "Abbas", "sortby": "date"}), 422)


def test_more_like_this_over_http(server: Server) -> None:
    with server.client() as http:
        like = http.get(f"/documents/{BLINKEN}/similar", params={"k": 3}).json()
        assert like["results"] and BLINKEN not in {h["doc_id"] for h in like["results"]}
        assert_error(http.get("/documents/no/such/doc/similar"), 404, "not_found")
        # the route answers only GET: no write lands on an id "…/similar"
        assert_error(http.put(f"/documents/{BLINKEN}/similar", json={"text": "x"}), 405)
        assert_error(http.delete(f"/documents/{BLINKEN}/similar"), 405)
        assert http.get(f"/documents/{BLINKEN}").json()["doc_id"] == BLINKEN


def test_the_typed_clients_return_the_librarys_records(server: Server) -> None:
    with Client(server.url) as client:
        response = client.search(SearchRequest("what did Blinken tell Abbas", k=2, facets=True))
        assert response.results[0].doc_id == BLINKEN and response.facets is not None
        assert client.similar(BLINKEN, k=2).results

    async def asking() -> list[str]:
        async with AsyncClient(server.url) as client:
            found = await client.search(SearchRequest("what did Blinken tell Abbas", k=2))
            return [h.doc_id for h in found.results]

    assert asyncio.run(asking())[0] == BLINKEN


def test_metrics_and_the_access_log(server: Server) -> None:
    with server.client() as http:
        http.get("/search", params={"q": "metrics probe"})
        text = http.get("/metrics").text
    assert 'newsearch_requests_total{method="GET",route="/search",status="200"}' in text
    assert "newsearch_request_seconds_bucket" in text and "newsearch_documents" in text
    assert "newsearch_generation" in text
    log = server.log.read_text()
    assert "GET /search?q=metrics+probe 200" in log and " ms" in log
    assert "ready:" in log
