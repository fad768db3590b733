from __future__ import annotations

import gzip
import json
import re

import pytest

from service import Article
from service.ingest.cleaning import drop_noise, load_rules, matching_rule
from tests.conftest import ROOT

NOISE = [
    "Joe BidenReuters",
    "Read: Israel steps up Gaza offensive, kills senior Hamas figures",
    "Read: Gaza officials: Death toll from Israeli strikes rises to 43",
    "Follow Israel Hayom on Facebook and Twitter",
    "Subscribe to Israel Hayom's daily newsletter and never miss our top stories!",
    "Updated at 5:19 p.m.",
    "IANS",
    "(With Agency Inputs)",
    "With inputs from Reuters",
    "Advertisement",
]


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.name)
def test_every_rule_drops_its_example(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.pattern.fullmatch(rule.example)


@pytest.mark.parametrize("line", NOISE)
def test_noise_lines_are_dropped(line: str) -> None:
    assert matching_rule(line) is not None


def test_caption_alt_text_above_the_caption_goes_too() -> None:
    assert drop_noise(["Joe Biden", "Joe BidenReuters", "Biden spoke on Wednesday."]) == [
        "Biden spoke on Wednesday."
    ]


def test_seeds_keep_their_news_and_lose_their_noise(seed_articles: list[Article]) -> None:
    text = "\n".join(a.text for a in seed_articles)
    for line in NOISE[:7] + ["(With Agency Inputs)"]:
        assert line not in text.split("\n"), line
    assert "Joe Biden\n" not in text
    # real paragraphs that look a bit like noise stay
    assert "Israel-Palestine violent clashes escalate" in text
    assert "Blinken later called Palestinian President Mahmoud Abbas" in text
    assert "Washington: US President Joe Biden is expecting" in text
    paragraphs = sum(len(a.text.split("\n\n")) for a in seed_articles)
    assert paragraphs == 64


def test_seed_003_date_is_read_and_removed(seed_articles: list[Article]) -> None:
    article = next(a for a in seed_articles if a.doc_id.endswith("003_3ec027d384569d0a.txt"))
    assert article.date == "2021-05-13"
    assert article.text.startswith("United States President Joe Biden")


EXTRACTION = ROOT.parent / "shared" / "data" / "article-extraction"


def test_lines_that_are_news_about_a_service_are_kept() -> None:
    for line in [
        "Sign up for a Hulu ad-free account for $11.99 a month",
        "Sign up for the Disney+ bundle using the same email as your Hulu account",
        "Click here to get more information or download this game.",
        "Follow NBC Latino on Facebook, Twitter and Instagram.",  # written into the story
        "Don't Miss",
    ]:
        assert drop_noise([line]) == [line], line
    for noise in ["Sign up now for free!", "Subscribe to our newsletter", "-", "___", "* * *"]:
        assert drop_noise([noise]) == [], noise


@pytest.mark.skipif(not EXTRACTION.exists(), reason="../shared/data/article-extraction is absent")
def test_the_real_pages_true_text_loses_no_line_to_the_rules() -> None:
    truth = json.loads(gzip.decompress((EXTRACTION / "ground-truth.json.gz").read_bytes()))
    dropped = sorted(
        line.strip()
        for page in truth.values()
        for line in page["articleBody"].split("\n")
        if re.search(r"[^\W_]", line) and drop_noise([line.strip()]) == []
    )  # lines of no letter or digit ("___") carry no text: they go, as the benchmark ignores
    assert dropped == []
