"""The search page in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) against a real server with the real model on the seeds.

    NEWSEARCH_SCREENSHOT=docs/src/img/results-page.png .venv/bin/python -m pytest tests/web

also writes the screenshot shown in the README."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.config import DEFAULT_MODEL
from tests.api.conftest import build_seed_index
from tests.server_helpers import Server, running_server

pytestmark = [pytest.mark.model, pytest.mark.web]
BLINKEN_DOC = "seeds/002_55488569d2b2b954.txt"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    index_dir = build_seed_index(tmp_path_factory.mktemp("web") / "idx", model=DEFAULT_MODEL)
    with running_server(index_dir) as srv:
        httpx.post(
            f"{srv.url}/documents",
            json={
                "id": "hostile/xss",
                "title": f"Hostile {XSS} title",
                "outlet": "Hostile Wire",
                "date": "2021-05-15",
                "text": f"A hostile passage about zanzibar tortoises {XSS} and <b>bold</b> tags.",
            },
            timeout=60,
        ).raise_for_status()
        yield srv


def test_ask_read_filter(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("#examples li")  # empty state with example questions
    page.fill("#q", "what did Blinken tell Abbas")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results .hit")
    assert "q=what+did+Blinken+tell+Abbas" in page.url
    first = page.locator("#results .hit").first
    assert "Blinken" in first.locator(".passage").inner_text()
    assert "Abbas" in first.locator(".passage").inner_text()
    assert first.locator(".source").inner_text() == BLINKEN_DOC
    highlight = first.locator("mark").inner_text()
    assert highlight and highlight in first.locator(".passage").inner_text()
    if os.environ.get("NEWSEARCH_SCREENSHOT"):
        page.screenshot(path=os.environ["NEWSEARCH_SCREENSHOT"], full_page=False)

    first.locator("a.read").click()
    page.wait_for_selector("#body p.marked")
    assert "/read/seeds/002_55488569d2b2b954.txt" in page.url
    marked = page.locator("#body p.marked").inner_text()
    assert "Blinken" in marked and "Abbas" in marked
    page.go_back()
    page.wait_for_selector("#results .hit")
    assert page.locator("#q").input_value() == "what did Blinken tell Abbas"

    outlet = "seeds/004_5b3f42833d34a46b.txt"
    page.select_option("#outlet", outlet)
    page.wait_for_function(
        "s => [...document.querySelectorAll('#results .hit .source')].length > 0 && "
        "[...document.querySelectorAll('#results .hit .source')].every(e => e.textContent === s)",
        arg=outlet,
    )
    assert "outlet=seeds%2F004" in page.url


def test_grouped_quote_shows_also_reported_by(server: Server, page: Any) -> None:
    page.goto(server.url + "/?q=what+did+Biden+say+about+the+violence+ending")
    page.wait_for_selector("#results .hit")
    also = page.locator(".also").all_inner_texts()
    assert any("Also reported by 4" in a for a in also), also


def test_index_strings_render_as_text(server: Server, page: Any) -> None:
    page.goto(server.url + "/?q=zanzibar+tortoises")
    page.wait_for_selector("#results .hit")
    hit = page.locator("#results .hit").first
    assert XSS in hit.locator(".passage").inner_text()
    assert XSS in hit.locator(".title").inner_text()
    assert page.locator("#results script, #results b").count() == 0
    hit.locator("a.read").click()
    page.wait_for_selector("#body p.marked")
    assert XSS in page.locator("#body").inner_text()
    assert XSS in page.locator("#title").inner_text()
    assert page.locator("#body script").count() == 0


def test_errors_and_no_results(server: Server, page: Any) -> None:
    page.goto(server.url + "/?q=" + "x" * 2100)
    page.wait_for_selector("#status.error")
    assert "2,000" in page.locator("#status").inner_text()
    page.goto(server.url + "/?q=Blinken&date_to=1999-01-01")
    page.wait_for_selector("#status.none")
    assert "No passages match" in page.locator("#status").inner_text()
    page.goto(server.url + "/read/no/such/doc")
    page.wait_for_selector("#status.error")
    assert "no document" in page.locator("#status").inner_text()
