"""Who said what over HTTP (a real uvicorn over the seeds indexed with quote finding on) and
the typed clients: the speaker and entity filters on GET and POST /search, quotes on results,
name facets, GET /quotes, an article's quotes on GET /documents/{id}, and the 422s."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import AsyncClient, Client, Filters, SearchRequest
from service.attribution import DEFAULT_PIPELINE
from tests.api.conftest import build_seed_index
from tests.api.test_search_api import assert_error
from tests.conftest import FAKE_MODEL
from tests.server_helpers import Server, running_server

pytest.importorskip("spacy")
ABBAS = "what did Blinken tell Abbas"


@pytest.fixture(scope="module")
def quoting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    index_dir = build_seed_index(tmp_path_factory.mktemp("quotes") / "idx", nlp=DEFAULT_PIPELINE)
    env = {"NEWSEARCH_NLP": DEFAULT_PIPELINE}
    with running_server(Path(index_dir), env=env, model=FAKE_MODEL) as server:
        yield server


def test_filters_quotes_and_facets_over_http(quoting: Server) -> None:
    with quoting.client() as http:
        got = http.get("/search", params={"q": ABBAS, "speaker": "Blinken", "k": 5}).json()
        posted = http.post("/search", json={"query": ABBAS, "speaker": "Blinken", "k": 5}).json()
        assert got["results"] and got["results"] == posted["results"]
        for hit in got["results"]:
            assert any("Blinken" in (q["speaker"] or "") for q in hit["quotes"])
        by_person = http.get("/search", params={"q": "violence", "person": "Netanyahu"}).json()
        assert all("Netanyahu" in h["text"] for h in by_person["results"])
        facets = http.post("/search", json={"query": ABBAS, "facets": True}).json()["facets"]
        assert any("Blinken" in f["value"] for f in facets["speakers"])
        assert facets["people"] and facets["places"]


def test_get_quotes_lists_a_speakers_quotes(quoting: Server) -> None:
    with quoting.client() as http:
        reply = http.get("/quotes", params={"speaker": "Biden", "k": 10}).json()
        assert reply["speaker"] == "Biden" and reply["quotes"]
        assert all("Biden" in q["speaker"] for q in reply["quotes"])
        assert any(q["also_reported_by"] for q in reply["quotes"])
        dates = [q["date"] for q in reply["quotes"] if q["date"]]
        assert dates == sorted(dates, reverse=True)
        about = http.get("/quotes", params={"speaker": "Biden", "q": "ceasefire", "k": 2}).json()
        assert len(about["quotes"]) <= 2
        doc = reply["quotes"][0]["doc_id"]
        article = http.get("/documents/" + doc).json()
        assert article["quotes"]
        for q in article["quotes"]:
            assert article["text"][q["start"] : q["end"]] == q["text"]
        assert_error(http.get("/quotes", params={"speaker": " "}), 422, "invalid_input")
        assert_error(http.get("/quotes"), 422, "invalid_input")
        assert_error(http.get("/quotes", params={"speaker": "x", "who": "y"}), 422, "invalid_input")
        assert_error(http.get("/quotes", params={"speaker": "x" * 201}), 422, "invalid_input")
        assert_error(http.get("/search", params={"q": "x", "speaker": "x" * 201}), 422, "")


def test_the_clients_pass_the_filters_and_read_quotes(quoting: Server) -> None:
    request = SearchRequest(ABBAS, k=3, filters=Filters(speaker="Blinken"))
    with Client(quoting.url) as client:
        found = client.search(request)
        quotes = client.quotes("Blinken", k=3)
    assert found.results and all(h.quotes for h in found.results)
    assert quotes and all("Blinken" in (q.speaker or "") for q in quotes)

    async def run() -> int:
        async with AsyncClient(quoting.url) as client:
            return len(await client.quotes("Blinken", "Abbas", k=3))

    assert asyncio.run(run()) >= 1


def test_stories_and_timeline_over_http(quoting: Server) -> None:
    with quoting.client() as http:
        stories = http.get("/stories").json()["stories"]
        assert stories and all(s["articles"] >= 2 for s in stories)
        assert http.get("/stories", params={"at_least": 1}).json()["stories"]
        story = stories[0]["story_id"]
        hits = http.get("/search", params={"q": "Biden Netanyahu", "story": story}).json()
        assert hits["results"] and all(h["story_id"] == story for h in hits["results"])
        assert all(h["story_outlets"] == len(stories[0]["outlets"]) for h in hits["results"])
        line = http.get("/timeline", params={"q": "Biden Netanyahu", "story": story}).json()
        assert line["story_id"] == story and line["entries"]
        dated = [e["date"] for e in line["entries"] if e["date"]]
        assert dated == sorted(dated)
        assert all(
            {"first", "first_source"} <= set(q) for e in line["entries"] for q in e["quotes"]
        )
        assert http.get("/timeline", params={"q": "Biden"}).json()["story_id"]
        assert_error(http.get("/timeline", params={"q": "x", "story": "nosuch"}), 404)
        assert_error(http.get("/timeline", params={"q": " "}), 422)
        assert_error(http.get("/stories", params={"limit": 0}), 422)
        assert_error(http.get("/stories", params={"since": "May"}), 422)
        assert_error(http.get("/stories", params={"sort": "x"}), 422, "invalid_input")


def test_stories_and_timeline_through_the_server_match_the_local_index(  # type: ignore[no-untyped-def]
    quoting: Server, cli, tmp_path: Path
) -> None:
    local = str(build_seed_index(tmp_path / "local", nlp=DEFAULT_PIPELINE))
    for command in (["stories"], ["stories", "--at-least", "1"], ["timeline", "Biden Netanyahu"]):
        for shape in ([], ["--json"]):
            remote = cli(*command, *shape, "--server", quoting.url)
            here = cli(*command, *shape, "--index-dir", local)
            assert remote.code == here.code == 0, remote.err
            assert remote.out == here.out and remote.out.strip()
    with Client(quoting.url) as client:
        story = client.stories()[0]
        line = client.timeline("Biden Netanyahu", story.story_id, k=3)
    assert story.articles >= 2 and len(story.doc_ids) == story.articles
    assert line.story_id == story.story_id and line.headline == story.headline
    assert 0 < len(line.entries) <= 3 and any(e.quotes for e in line.entries)
    missing = cli("timeline", "x", "--story", "nosuch", "--server", quoting.url)
    assert missing.code == 1 and "no story 'nosuch'" in missing.err

    async def run() -> int:
        async with AsyncClient(quoting.url) as client:
            stories = await client.stories(at_least=1)
            return len((await client.timeline("Biden", stories[0].story_id)).entries)

    assert asyncio.run(run()) >= 1
