"""The real all-MiniLM-L6-v2 on the five seed articles: the product's promises end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service import NewsIndex, SearchRequest
from service.search import Filters, fusion, retrieval
from tests.conftest import ROOT

pytestmark = pytest.mark.model
BLINKEN_DOC = "seeds/002_55488569d2b2b954.txt"


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_blinken_abbas_is_first(model_index: NewsIndex, mode: str) -> None:
    hits = model_index.search(SearchRequest("what did Blinken tell Abbas", k=5, mode=mode)).results
    assert hits[0].doc_id == BLINKEN_DOC
    assert "Blinken" in hits[0].text and "Abbas" in hits[0].text
    span = hits[0].highlight
    assert span is not None
    sentence = hits[0].text[span["start"] : span["end"]]
    assert "Blinken" in sentence and "Abbas" in sentence


def test_dense_scores_lean_on_the_article_lead(
    model_index: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "what did Biden say about the violence ending"
    blended = dict(model_index.searcher.ranked(question, "dense", Filters()))
    weight = fusion.LEAD_WEIGHT
    monkeypatch.setattr(retrieval, "LEAD_WEIGHT", 0.0)  # where retrieval reads it
    plain = model_index.searcher.ranked(question, "dense", Filters())
    top = [pid for pid, _ in plain[: fusion.LEAD_DEPTH]]
    leads = model_index.store.lead_ids(top)
    passages = model_index.store.passages_by_id([*top, *leads.values()])
    qvec = model_index.encoder.encode_query(question)
    vectors = model_index.vectors_for([*top, *leads.values()])
    moved = 0
    for pid, score in plain[: fusion.LEAD_DEPTH]:
        lead = passages[leads[pid]]
        assert lead.doc_id == passages[pid].doc_id and lead.paragraph == 1
        own, first = float(vectors[pid] @ qvec), float(vectors[lead.id] @ qvec)
        assert score == pytest.approx(own, abs=1e-6)
        expected = own + weight * (first - own)  # a lead's own score is unchanged
        assert blended[pid] == pytest.approx(expected, abs=1e-6)
        moved += lead.id != pid
    assert moved > 10


def test_highlight_picks_the_answering_sentence(model_index: NewsIndex) -> None:
    hits = model_index.search(SearchRequest("who is the Pentagon spokesman", k=5)).results
    kirby = next(h for h in hits if "Kirby" in h.text or "Pentagon" in h.text)
    assert kirby.highlight is not None
    marked = kirby.text[kirby.highlight["start"] : kirby.highlight["end"]]
    assert "Pentagon" in marked or "Kirby" in marked


def test_names_are_found_by_keyword(model_index: NewsIndex) -> None:
    hits = model_index.search(SearchRequest("Eid al Fitr", k=3)).results
    assert "Eid al Fitr" in hits[0].text
    hits = model_index.search(SearchRequest("Hady Amr", k=3, mode="keyword")).results
    assert all("Hady Amr" in h.text for h in hits)


def test_the_repeated_quote_is_one_result_reported_by_all_five(model_index: NewsIndex) -> None:
    response = model_index.search(
        SearchRequest("what did Biden say about the violence ending", k=10)
    )
    quoted = [
        h
        for h in response.results
        if "My expectation and hope" in h.text and "closing down sooner than later" in h.text
    ]
    assert len(quoted) == 1
    docs = {quoted[0].doc_id} | {a.doc_id for a in quoted[0].also_reported_by}
    assert len(docs) == 5
    ungrouped = model_index.search(
        SearchRequest("what did Biden say about the violence ending", k=10, group=False)
    )
    assert all(not h.also_reported_by for h in ungrouped.results)


def test_cli_end_to_end_in_a_fresh_process(model_index_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSEARCH_")}
    idx = str(tmp_path / "idx")
    run = [sys.executable, "-m", "service.cli"]
    built = subprocess.run(
        [*run, "index", "seeds", "--index-dir", idx],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    asked = subprocess.run(
        [*run, "ask", "what did Blinken tell Abbas", "--index-dir", idx],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert asked.returncode == 0, asked.stderr
    first = asked.stdout.split("\n\n")[0]
    assert first.startswith("1. [") and BLINKEN_DOC in first and "Abbas" in first
    as_json = subprocess.run(
        [*run, "ask", "what did Blinken tell Abbas", "--index-dir", idx, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(as_json.stdout)["results"][0]["doc_id"] == BLINKEN_DOC


def test_the_speaker_filter_answers_the_blinken_abbas_question_first(
    model_index: NewsIndex,
) -> None:
    request = SearchRequest("what did Blinken tell Abbas", k=5, filters=Filters(speaker="Blinken"))
    hits = model_index.search(request).results
    assert hits[0].doc_id == BLINKEN_DOC and "Abbas" in hits[0].text
    assert all(any("Blinken" in (q["speaker"] or "") for q in h.quotes) for h in hits)
    quotes = model_index.quotes("Blinken", "what did Blinken tell Abbas", k=3)
    assert quotes and any(q.doc_id == BLINKEN_DOC for q in quotes)


def test_the_five_seeds_are_one_story(model_index: NewsIndex) -> None:
    stories = model_index.stories(at_least=1)
    assert len(stories) == 1 and stories[0].articles == 5
    hits = model_index.search(SearchRequest("what did Blinken tell Abbas", k=3)).results
    assert all(h.story_id == stories[0].story_id and h.story_outlets == 5 for h in hits)
    timeline = model_index.timeline("Biden Netanyahu phone call", k=10)
    assert timeline.story_id == stories[0].story_id and len(timeline.entries) == 10
