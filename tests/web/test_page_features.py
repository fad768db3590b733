"""The search page's features in a real headless Chromium against a real server (hashing
encoder, the seeds plus dated articles from three outlets): rapid filter changes never show a
card twice or a count that disagrees with the cards; more results, facets, order, marked words
and more like this work from the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import build_seed_index
from tests.server_helpers import Server, running_server

pytestmark = pytest.mark.web
OUTLETS = ["Wire One", "Daily Two", "Gazette Three"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    index_dir = build_seed_index(tmp_path_factory.mktemp("page") / "idx")
    with running_server(index_dir, model="hashing-64") as server:
        articles = [
            {
                "id": f"wire/{n}",
                "outlet": OUTLETS[n % 3],
                "date": f"2021-{1 + n % 6:02d}-{1 + n % 27:02d}",
                "text": f"Ceasefire talks in Cairo, dispatch {n}: envoy number {n} met mediators "
                f"from {OUTLETS[(n + 1) % 3]} at the {['port', 'border', 'market'][n % 3]}.",
            }
            for n in range(60)
        ]
        headers = {"X-Newsearch-Client": "tests"}
        httpx.post(
            f"{server.url}/documents", json=articles, headers=headers, timeout=60
        ).raise_for_status()
        yield server


def cards(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#results .hit", "hits => hits.map(h => h.querySelector('.title').getAttribute('href'))"
    )


def shown_count(page: Any) -> int | None:
    status = page.locator("#status").inner_text()
    return int(status.split()[0]) if status[:1].isdigit() else None


# Replies come back out of order, as they do from a loaded server: each search's reply is held
# for a random while before the page sees it.
SHUFFLED_REPLIES = """
const send = window.fetch.bind(window);
window.fetch = (...args) => send(...args).then(
  (reply) => new Promise((done) => setTimeout(() => done(reply), Math.random() * 400)));
"""


def test_rapid_filter_changes_never_duplicate_a_card(served: Server, page: Any) -> None:
    page.add_init_script(SHUFFLED_REPLIES)
    page.goto(served.url + "/?q=ceasefire+talks+in+Cairo")
    page.wait_for_selector("#results .hit")
    outlets = ["", *OUTLETS]
    for n in range(20):  # as fast as a person can click, faster than the server answers
        page.select_option("#outlet", outlets[n % len(outlets)])
        if n % 5 == 4:
            page.select_option("#sort", ["newest", "relevance"][n % 2])
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.includes('results')"
    )
    page.wait_for_timeout(2500)  # every late reply has come back by now
    shown = cards(page)
    assert len(shown) == len(set(shown)), "a card is shown twice"
    assert shown_count(page) == len(shown), "the count disagrees with the cards"
    last = outlets[19 % len(outlets)]  # the cards answer the last change, not a late reply
    sources = page.eval_on_selector_all("#results .hit .source", "s => s.map(e => e.textContent)")
    assert sources and set(sources) == {last}
    assert not page.errors, page.errors


def test_more_results_facets_order_and_marks(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=ceasefire+talks+in+Cairo")
    page.wait_for_selector("#results .hit")
    assert len(cards(page)) == 10
    page.click("#more")
    page.wait_for_function("() => document.querySelectorAll('#results .hit').length === 20")
    shown = cards(page)
    assert len(set(shown)) == 20 and shown_count(page) == 20
    assert page.locator("#results strong.word").count() > 0  # the question's words are marked
    page.wait_for_selector("#facets:not([hidden]) #facet-outlets button")
    page.locator("#facet-outlets button", has_text="Daily Two").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#results .hit .source')].length > 0 && "
        "[...document.querySelectorAll('#results .hit .source')]"
        ".every(e => e.textContent === 'Daily Two')"
    )
    assert "outlet=Daily+Two" in page.url
    page.select_option("#sort", "newest")
    page.wait_for_function("() => location.search.includes('sort=newest')")
    page.wait_for_selector("#results .hit")
    page.wait_for_timeout(500)
    dates = page.eval_on_selector_all("#results .hit .date", "ds => ds.map(d => d.textContent)")
    assert dates == sorted(dates, reverse=True) and dates
    page.locator("#facet-dates button").first.click()
    page.wait_for_function("() => document.querySelector('#date_from').value !== ''")
    assert page.locator("#date_to").input_value() >= page.locator("#date_from").input_value()
    assert not page.errors, page.errors


def test_more_like_this_from_a_card(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=what+did+Blinken+tell+Abbas")
    page.wait_for_selector("#results .hit")
    first = page.locator("#results .hit").first
    source = first.locator(".title").get_attribute("href")
    first.locator("a.similar").click()
    page.wait_for_function("() => location.search.includes('similar=')")
    page.wait_for_selector("#results .hit")
    assert source not in cards(page)  # other articles, not the same one
    assert "Articles like" in page.locator("#status").inner_text()
    untitled = page.locator("#results .hit .title").first.inner_text()
    assert untitled.startswith("seeds/")  # an untitled article is named by its source
    assert not page.errors, page.errors
