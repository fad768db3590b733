from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from service import (
    Article,
    Filters,
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    InputError,
    NewsIndex,
    NotFound,
    SearchRequest,
    Settings,
)
from service.encoders import HashingEncoder
from service.indexfiles import VECTORS_NAME
from service.manifest import MANIFEST_NAME, read_manifest, write_manifest

BLINKEN_ABBAS = "Blinken later called Palestinian President Mahmoud Abbas"


def test_add_is_incremental(seeded: NewsIndex, seed_articles: list[Article]) -> None:
    again = seeded.add_articles(seed_articles)
    assert again.embedded == 0 and len(again.unchanged) == 5
    changed = dataclasses.replace(seed_articles[0], text=seed_articles[0].text + "\n\nNew line.")
    report = seeded.add_articles([changed, *seed_articles[1:]])
    assert report.updated == [changed.doc_id]
    assert report.embedded == len(changed.text.split("\n\n"))
    assert seeded.stats().passages == 65


def test_every_passage_knows_its_article_lead(
    seeded: NewsIndex, seed_articles: list[Article]
) -> None:
    changed = dataclasses.replace(seed_articles[1], text="New lead.\n\n" + seed_articles[1].text)
    seeded.add_articles([changed])  # replaced: new passage ids, a new first paragraph
    ids = [int(i) for i in seeded.vectors.ids()]
    leads = seeded.store.lead_ids(ids)
    passages = seeded.store.passages_by_id([*ids, *leads.values()])
    assert sorted(leads) == sorted(ids)
    for pid, lead in leads.items():
        assert passages[lead].doc_id == passages[pid].doc_id and passages[lead].paragraph == 1
    assert passages[leads[ids[-1]]].text == "New lead."


def test_delete_removes_from_results(seeded: NewsIndex) -> None:
    doc = "seeds/002_55488569d2b2b954.txt"
    hits = seeded.search(SearchRequest("Blinken Abbas condolences", k=3, group=False)).results
    assert hits[0].doc_id == doc
    assert seeded.delete(doc) == 20
    hits = seeded.search(SearchRequest("Blinken Abbas condolences", k=10, group=False)).results
    assert all(h.doc_id != doc for h in hits)
    with pytest.raises(NotFound):
        seeded.delete(doc)


def test_hit_fields_point_into_the_article(seeded: NewsIndex) -> None:
    response = seeded.search(SearchRequest("what did Blinken tell Abbas", k=5))
    assert [h.rank for h in response.results] == [1, 2, 3, 4, 5]
    for hit in response.results:
        row, _ = seeded.document(hit.doc_id)
        assert row.text[hit.start : hit.end] == hit.text
        assert hit.source == hit.doc_id  # plain files have no outlet: the file is the source
        assert hit.highlight and 0 <= hit.highlight["start"] < hit.highlight["end"] <= len(hit.text)


def test_filters_apply_inside_the_search(settings: Settings) -> None:
    with NewsIndex.open(settings, writable=True, create=True) as index:
        index.add_articles(
            Article(
                doc_id=f"d{i}",
                text=f"Blinken met Abbas in meeting number {i}.",
                outlet="Wire" if i % 10 == 0 else "Other",
                date=f"2021-05-{1 + i % 28:02d}",
            )
            for i in range(200)
        )
        for mode in ("dense", "keyword", "hybrid"):
            hits = index.search(
                SearchRequest(
                    "Blinken Abbas", k=10, mode=mode, group=False, filters=Filters(outlet="wire")
                )
            ).results
            assert len(hits) == 10 and all(h.source == "Wire" for h in hits), mode
            hits = index.search(
                SearchRequest(
                    "Blinken Abbas",
                    k=10,
                    mode=mode,
                    group=False,
                    filters=Filters(date_from="2021-05-03", date_to="2021-05-03"),
                )
            ).results
            assert hits and all(h.date == "2021-05-03" for h in hits), mode
            hits = index.search(
                SearchRequest("Blinken", k=5, mode=mode, filters=Filters(doc_id="d7"))
            ).results
            assert [h.doc_id for h in hits] == ["d7"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (SearchRequest("   "), "empty"),
        (SearchRequest("x" * 2001), "over the 2,000"),
        (SearchRequest("x", k=0), "between 1 and 100"),
        (SearchRequest("x", k=101), "between 1 and 100"),
        (SearchRequest("x", mode="magic"), "mode must be"),
        (SearchRequest("x", filters=Filters(date_from="May 5")), "is not a date like"),
    ],
)
def test_bad_requests(seeded: NewsIndex, request_: SearchRequest, message: str) -> None:
    with pytest.raises(InputError, match=message):
        seeded.search(request_)


def test_an_inverted_date_range_matches_nothing(seeded: NewsIndex) -> None:
    filters = Filters(date_from="2021-05-14", date_to="2021-05-12")
    assert seeded.search(SearchRequest("Biden", filters=filters)).results == []


def test_missing_index_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="newsearch index seeds --index-dir"):
        NewsIndex.open(Settings(index_dir=tmp_path / "none", model="hashing-64"))


def test_other_model_is_refused(seeded: NewsIndex, settings: Settings) -> None:
    seeded.close()
    with pytest.raises(IndexMismatch, match="newsearch rebuild --model"):
        NewsIndex.open(settings.with_(model="hashing-32"))


def test_one_writer_per_directory(seeded: NewsIndex, settings: Settings) -> None:
    with pytest.raises(IndexBusy):
        NewsIndex.open(settings, writable=True)
    with NewsIndex.open(settings) as reader:  # readers are welcome
        assert reader.stats().documents == 5


def test_stale_vectors_are_rebuilt_from_sqlite(seeded: NewsIndex, settings: Settings) -> None:
    seeded.close()
    manifest = read_manifest(settings.index_dir)
    assert manifest is not None
    (settings.index_dir / VECTORS_NAME).unlink()  # as if killed before the vectors were saved
    stale = dataclasses.replace(manifest, generation=manifest.generation - 1, database_sha256=None)
    write_manifest(settings.index_dir, stale)
    with NewsIndex.open(settings, writable=True) as index:
        assert len(index.vectors) == 64
    assert (settings.index_dir / VECTORS_NAME).exists()


def test_corrupt_vectors_are_detected(seeded: NewsIndex, settings: Settings) -> None:
    seeded.close()
    path = settings.index_dir / VECTORS_NAME
    flip_byte(path, 2, 0xFF)
    with pytest.raises(IndexCorrupt, match="vectors.faiss.*newsearch check --repair"):
        NewsIndex.open(settings)


def test_index_directory_is_private(seeded: NewsIndex, settings: Settings) -> None:
    assert settings.index_dir.stat().st_mode & 0o777 == 0o700


def test_hashing_encoder_is_deterministic() -> None:
    a = HashingEncoder(64).encode(["Blinken told Abbas"])
    b = HashingEncoder(64).encode(["Blinken told Abbas"])
    assert np.array_equal(a, b) and abs(np.linalg.norm(a[0]) - 1) < 1e-6


def test_a_clean_close_records_the_database_checksum(seeded: NewsIndex, settings: Settings) -> None:
    seeded.close()
    manifest = read_manifest(settings.index_dir)
    assert manifest is not None and manifest.database_sha256
    with NewsIndex.open(settings, writable=True):
        during = read_manifest(settings.index_dir)
        assert during is not None and during.database_sha256 is None  # a writer is in
    db = settings.index_dir / "newsearch.db"
    flip_byte(db, 3, 0x01)
    with pytest.raises(IndexCorrupt, match="newsearch.db does not match"):
        NewsIndex.open(settings)


def test_a_damaged_manifest_is_named(seeded: NewsIndex, settings: Settings) -> None:
    seeded.close()
    path = settings.index_dir / MANIFEST_NAME
    path.write_text(path.read_text().replace('"dim": 64', '"dim": 65'))
    with pytest.raises(IndexCorrupt, match="manifest.json is damaged.*check --repair"):
        NewsIndex.open(settings)


def flip_byte(path: Path, divisor: int, mask: int) -> None:
    """Damages the byte at 1/divisor of the file."""
    data = bytearray(path.read_bytes())
    data[len(data) // divisor] ^= mask
    path.write_bytes(bytes(data))
