"""Languages on the search page, in a real headless Chromium against a real server over an
index of articles in four languages: the language filter lists them, each card names its
language, and the language facet is a filter a click applies (kept in the URL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service import NewsIndex, Settings
from tests.conftest import FAKE_MODEL, NLP_OFF
from tests.server_helpers import Server, running_server
from tests.test_language import ARTICLES

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = Settings(
        index_dir=tmp_path_factory.mktemp("pl") / "idx", model=FAKE_MODEL, nlp=NLP_OFF
    )
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(ARTICLES)
    with running_server(settings.index_dir, model=FAKE_MODEL) as s:
        yield s


def test_cards_name_their_language_and_the_facet_filters(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=ceasefire+Gaza")
    page.wait_for_selector("#results .hit .language")
    shown = page.eval_on_selector_all("#results .hit .language", "s => s.map(x => x.textContent)")
    assert {"English", "German", "Russian", "Portuguese"} <= set(shown)
    assert page.locator("#language-filter").is_visible()
    assert page.locator("#language option").count() == 5  # all, and the four
    page.locator("#facet-languages button", has_text="German").click()
    page.wait_for_function("() => location.search.includes('language=de')")
    assert page.locator("#language").input_value() == "de"
    page.wait_for_function(
        "() => { const hits = [...document.querySelectorAll('#results .hit .language')];"
        " return hits.length === 1 && hits[0].textContent === 'German'; }"
    )
    assert not page.errors, page.errors


def test_a_language_in_the_url_is_applied(served: Server, page: Any) -> None:
    page.goto(served.url + "/?q=ceasefire&language=ru")
    page.wait_for_selector("#results .hit")
    assert page.locator("#language").input_value() == "ru"
    titles = page.eval_on_selector_all("#results .hit .title", "s => s.map(x => x.textContent)")
    assert titles == ["Переговоры о перемирии"]
    assert not page.errors, page.errors


def test_the_reader_names_the_language_and_marks_the_text_with_it(
    served: Server, page: Any
) -> None:
    page.goto(served.url + "/read/de-1")
    page.wait_for_selector("#body p")
    assert "German" in page.locator("#meta").inner_text()
    assert page.locator("#body").get_attribute("lang") == "de"
    assert not page.errors, page.errors
