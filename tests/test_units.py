"""Work units: how the input is cut for embedding and committing (locally and on Ray)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from service import NewsIndex, Settings
from service.indexrun import IndexRun
from service.ingest import Skipped, discover, plan_units, read_unit
from service.ingest.units import Unit
from service.pipeline import PreparedUnit, ahead
from service.records import Article
from tests.conftest import FAKE_MODEL, SEEDS


def write_jsonl(path: Path, count: int, bad: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    lines = []
    for n in range(1, count + 1):
        if n in bad:
            lines.append("{not json")
        else:
            words = " ".join(f"word{n}x{i}" for i in range(n % 17 + 3))
            lines.append(json.dumps({"id": f"a{n}", "text": f"Story {n}: {words}."}))
    path.write_text("\n".join(lines) + "\n")


def test_jsonl_ranges_read_every_line_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    write_jsonl(path, 700, bad={1, 233, 700})
    units = plan_units([path], unit_bytes=1000)
    assert len(units) > 20 and all(len(u.parts) == 1 for u in units)
    assert [u.number for u in units] == list(range(len(units)))
    seen: list[str] = []
    skipped: list[Skipped] = []
    for unit in units:
        for item in read_unit(unit, tmp_path):
            if isinstance(item, Article):
                seen.append(item.doc_id)
            else:
                skipped.append(item)
    good = [f"a{n}" for n in range(1, 701) if n not in {1, 233, 700}]
    assert seen == good
    # a bad line is named by its line number in the file, whichever range read it
    assert [s.where for s in skipped] == ["big.jsonl:1", "big.jsonl:233", "big.jsonl:700"]


def test_small_files_share_a_unit(tmp_path: Path) -> None:
    for n in range(10):
        (tmp_path / f"{n:02d}.txt").write_text(f"Headline {n}\n\n" + "Some news text. " * 40)
    files = discover([tmp_path])
    units = plan_units(files, unit_bytes=2000)
    assert [len(u.parts) for u in units] == [4, 4, 2]  # 652 bytes each, close at >= 2000
    assert [Path(p.path).name for u in units for p in u.parts] == [f.name for f in files]


def test_index_files_matches_add_articles(tmp_path: Path, seed_articles: list[Article]) -> None:
    a = NewsIndex.open(Settings(tmp_path / "a", FAKE_MODEL), writable=True, create=True)
    b = NewsIndex.open(Settings(tmp_path / "b", FAKE_MODEL), writable=True, create=True)
    report = a.index_files([SEEDS], SEEDS.parent)
    b.add_articles(seed_articles)
    assert sorted(report.added) == sorted(x.doc_id for x in seed_articles)
    assert report.embedded == 64 and not report.skipped and not report.warnings
    for doc in seed_articles:
        (row_a, passages_a), (row_b, passages_b) = a.document(doc.doc_id), b.document(doc.doc_id)
        assert row_a.content_hash == row_b.content_hash
        assert [(p.paragraph, p.start, p.end, p.text) for p in passages_a] == [
            (p.paragraph, p.start, p.end, p.text) for p in passages_b
        ]
    again = a.index_files([SEEDS], SEEDS.parent)
    assert again.embedded == 0 and len(again.unchanged) == 5
    a.close()
    b.close()


def test_a_repeated_id_across_units_keeps_the_last_copy(tmp_path: Path) -> None:
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    first.write_text(json.dumps({"id": "same", "text": "The first version of the story."}))
    second.write_text(json.dumps({"id": "same", "text": "The second version of the story."}))
    with NewsIndex.open(Settings(tmp_path / "idx", FAKE_MODEL), writable=True, create=True) as ix:
        report = ix.index_files([first, second], tmp_path, unit_bytes=10)
        assert report.added == ["same"] and report.embedded == 2
        assert any("appears more than once" in w for w in report.warnings)
        _, passages = ix.document("same")
        assert "second version" in passages[0].text


def test_ahead_embeds_the_next_unit_while_this_one_commits() -> None:
    started: list[int] = []
    next_started = threading.Event()

    def work(n: int) -> int:
        started.append(n)
        if n == 1:
            next_started.set()
        return n * 10

    seen = []
    for n, result in ahead(range(3), work):
        if n == 0:  # the caller is still on unit 0: unit 1's work must already be under way
            assert next_started.wait(5)
        seen.append((n, result))
    assert seen == [(0, 0), (1, 10), (2, 20)]
    assert started == [0, 1, 2]


def test_ahead_raises_a_failed_unit_in_its_turn() -> None:
    def work(n: int) -> int:
        if n == 1:
            raise ValueError("unit 1")
        return n

    handled = []
    with pytest.raises(ValueError, match="unit 1"):
        for n, _ in ahead(range(3), work):
            handled.append(n)
    assert handled == [0]  # unit 0 was handled before unit 1's error came out


def test_a_failed_commit_keeps_the_units_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", 300)
    index = NewsIndex.open(
        Settings(index_dir=tmp_path / "idx", model=FAKE_MODEL), writable=True, create=True
    )
    units = plan_units(discover([folder]), unit_bytes=2000)
    assert len(units) >= 4
    commit = IndexRun.commit
    calls = []

    def failing(run: IndexRun, prepared: PreparedUnit, vecs: np.ndarray) -> None:
        calls.append(prepared.number)
        if prepared.number == 2:
            raise OSError("disk full")
        commit(run, prepared, vecs)

    monkeypatch.setattr(IndexRun, "commit", failing)
    with pytest.raises(OSError, match="disk full"):
        index.index_files([folder], tmp_path, unit_bytes=2000)
    assert calls == [0, 1, 2]  # in order, nothing committed past the failure
    kept = {doc for u in units[:2] for doc in _doc_ids(u, tmp_path)}
    assert set(index.store.hashes(kept)) == kept
    later = {doc for u in units[2:] for doc in _doc_ids(u, tmp_path)}
    assert not index.store.hashes(later)
    index.close()


def _doc_ids(unit: Unit, root: Path) -> list[str]:
    return [a.doc_id for a in read_unit(unit, root) if isinstance(a, Article)]


@pytest.mark.parametrize("bulk", [False, True])
def test_units_are_judged_against_the_index_as_it_was_before_the_run(
    tmp_path: Path, bulk: bool
) -> None:
    def jsonl(name: str, **texts: str) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()))
        return path

    old = "The old version of the story."
    with NewsIndex.open(Settings(tmp_path / "idx", FAKE_MODEL), writable=True, create=True) as ix:
        ix.index_files([jsonl("0.jsonl", x=old, kept=old)], tmp_path)
        inputs = [
            jsonl("1.jsonl", x="The new version of the story.", z="A first draft of it."),
            jsonl("2.jsonl", kept=old, y="Something else entirely."),
            # x as it was before the run: unchanged by that measure, so the new one stays
            jsonl("3.jsonl", x=old, z="The final draft of it."),
        ]
        report = ix.index_files(inputs, tmp_path, unit_bytes=10, bulk=bulk)
        assert (report.n_added, report.n_updated, report.n_unchanged) == (2, 1, 1)
        assert report.n_changed == 3 and report.embedded == 4
        if bulk:  # counted, not listed
            assert not (report.added or report.updated or report.unchanged or report.passages)
        else:
            assert sorted(report.added) == ["y", "z"] and report.updated == ["x"]
            assert report.unchanged == ["kept"] and report.passages["z"] == 1
        warned = [w for w in report.warnings if "appears more than once" in w]
        assert len(warned) == 2
        assert any(w.startswith("'x'") and "earlier copy" in w for w in warned)
        assert any(w.startswith("'z'") and "last copy" in w for w in warned)
        assert "new version" in ix.document("x")[1][0].text
        assert "final draft" in ix.document("z")[1][0].text
