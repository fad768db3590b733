"""Who said what on the search page, in a real headless Chromium against a real server over
the seeds indexed with quote finding on: cards name the speakers their passage quotes, the
speaker and name facets are filters a click applies, and the speaker filter is in the URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.attribution import DEFAULT_PIPELINE
from tests.api.conftest import build_seed_index
from tests.server_helpers import Server, running_server

pytestmark = pytest.mark.web
pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    index_dir = build_seed_index(tmp_path_factory.mktemp("pq") / "idx", nlp=DEFAULT_PIPELINE)
    with running_server(
        index_dir, env={"NEWSEARCH_NLP": DEFAULT_PIPELINE}, model="hashing-64"
    ) as s:
        yield s


def test_speakers_on_cards_and_name_facets_filter(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=what+did+Blinken+tell+Abbas")
    page.wait_for_selector("#results .hit .speakers")
    assert "Quoting" in page.locator("#results .hit .speakers").first.inner_text()
    page.wait_for_selector("#facet-speakers button")
    assert page.locator("#facet-people button").count() > 0
    page.locator("#facet-speakers button", has_text="Blinken").first.click()
    page.wait_for_function("() => location.search.includes('speaker=')")
    assert "Blinken" in page.locator("#speaker").input_value()
    page.wait_for_function(
        "() => { const hits = [...document.querySelectorAll('#results .hit')];"
        " return hits.length > 0 && hits.every(h => (h.querySelector('.speakers') || {})"
        ".textContent?.includes('Blinken')); }"
    )
    page.locator("#facet-places button").first.click()
    page.wait_for_function("() => location.search.includes('place=')")
    assert page.locator("#advanced").get_attribute("open") is not None  # where the filter shows
    assert not page.errors, page.errors


def test_a_speaker_in_the_url_is_applied(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=violence&speaker=Kirby")
    page.wait_for_selector("#results .hit")
    assert page.locator("#speaker").input_value() == "Kirby"
    speakers = page.eval_on_selector_all(
        "#results .hit", "hs => hs.map(h => (h.querySelector('.speakers') || {}).textContent)"
    )
    assert speakers and all(s and "Kirby" in s for s in speakers)
    assert not page.errors, page.errors


def test_quotes_stories_and_timeline_views(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=what+did+Blinken+tell+Abbas")
    page.wait_for_selector("#results .hit .speakers a")
    page.locator("#results .hit .speakers a", has_text="Blinken").first.click()
    page.wait_for_selector("#results .quote blockquote")
    assert "quotes of" in page.locator("#status").inner_text()
    assert "Blinken" in page.locator("#results .quote .meta").first.inner_text()
    page.goto(served.url + "/")
    page.locator("footer a", has_text="Stories").click()
    page.wait_for_selector("#results .story-card")
    assert "stories, newest first" in page.locator("#status").inner_text()
    page.locator("#results .story-card a.title").first.click()
    page.wait_for_function("() => location.search.includes('timeline=')")
    page.wait_for_selector("#results .hit")
    assert page.locator("#status").inner_text().startswith("Timeline of")
    dates = page.eval_on_selector_all("#results .hit .date", "ds => ds.map(d => d.textContent)")
    assert dates == sorted(dates)
    page.goto(served.url + "/?q=Biden+Netanyahu")
    page.wait_for_selector("#results .hit .story a")
    page.locator("#results .hit .story a").first.click()
    page.wait_for_function("() => location.search.includes('timeline=')")
    page.wait_for_selector("#results .hit")
    assert not page.errors, page.errors
