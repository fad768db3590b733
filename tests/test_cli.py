from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RESULT_FIELDS, ROOT, copy_seeds


def test_index_ask_stats_delete(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    idx = str(tmp_path / "idx")
    first = cli("index", "seeds", "--index-dir", idx)
    assert first.code == 0, first.err
    assert "5 new" in first.out and "64 passages" in first.out
    second = cli("index", "seeds", "--index-dir", idx)
    assert second.code == 0 and "nothing to embed: 5 article(s) unchanged" in second.out

    asked = cli("ask", "what did Blinken tell Abbas", "--index-dir", idx, "--json", "-k", "3")
    assert asked.code == 0, asked.err
    data = json.loads(asked.out)
    assert data["query"] == "what did Blinken tell Abbas"
    assert len(data["results"]) == 3
    assert set(data["results"][0]) >= RESULT_FIELDS

    text = cli("ask", "what did Blinken tell Abbas", "--index-dir", idx)
    assert text.code == 0 and text.out.startswith("1. [")
    assert "seeds/" in text.out

    stats = json.loads(cli("stats", "--index-dir", idx, "--json").out)
    assert stats["documents"] == 5 and stats["passages"] == 64 and stats["model"] == "hashing-64"

    deleted = cli("delete", "seeds/002_55488569d2b2b954.txt", "--index-dir", idx)
    assert deleted.code == 0 and "20 passages" in deleted.out
    after = json.loads(cli("ask", "Blinken Abbas", "--index-dir", idx, "--json", "-k", "20").out)
    assert all(r["doc_id"] != "seeds/002_55488569d2b2b954.txt" for r in after["results"])


def test_changed_file_is_the_only_one_reembedded(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = copy_seeds(tmp_path / "seeds")
    idx = str(tmp_path / "idx")
    assert cli("index", str(corpus), "--index-dir", idx).code == 0
    path = corpus / "001_54e095bef68fefdb.txt"
    path.write_text(path.read_text() + "\nHady Amr arrived in Tel Aviv on Friday.\n")
    again = cli("index", str(corpus), "--index-dir", idx)
    assert "1 changed, 4 unchanged): 14 passages embedded" in again.out
    hits = json.loads(
        cli("ask", "Hady Amr arrived", "--index-dir", idx, "--json", "--mode", "keyword").out
    )["results"]
    assert hits[0]["text"] == "Hady Amr arrived in Tel Aviv on Friday."


def test_errors_are_one_line_and_non_zero(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    idx = str(tmp_path / "idx")
    cases = [
        (("ask", "hello", "--index-dir", idx), "no index in"),
        (("index", "no/such/path", "--index-dir", idx), "'no/such/path' does not exist"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.code == 1 and message in result.err, (args, result.err)
    assert cli("index", "seeds", "--index-dir", idx).code == 0
    cases = [
        (("ask", "  ", "--index-dir", idx), "question is empty"),
        (("ask", "x", "-k", "0", "--index-dir", idx), "-k must be between 1 and 100"),
        (("ask", "x", "-k", "-3", "--index-dir", idx), "-k must be between 1 and 100"),
        (("ask", "x", "--date-from", "soon", "--index-dir", idx), "is not a date like"),
        (("delete", "nope.txt", "--index-dir", idx), "no document 'nope.txt'"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.code == 1, args
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.err)
        assert "Traceback" not in result.err


def test_bad_files_are_skipped_with_a_warning(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Blinken spoke with Abbas on Wednesday.")
    (corpus / "bad.txt").write_bytes(b"\x00\xff\x00binary")
    (corpus / "feed.jsonl").write_text('{"id": "x1", "title": "no text"}\n')
    idx = str(tmp_path / "idx")
    result = cli("index", str(corpus), "--index-dir", idx)
    assert result.code == 1
    assert "skipped" in result.err and "bad.txt" in result.err and "feed.jsonl:1" in result.err
    assert "1 new" in result.out
    assert "Traceback" not in result.err


def test_readme_names_every_command_and_the_docs_every_variable() -> None:
    from docs.gen_reference import page
    from service.cli import COMMANDS
    from service.config import ENV_VARS

    readme = (ROOT / "README.md").read_text()
    for command in COMMANDS:
        assert f"newsearch {command}" in readme, command
    configuration = page("reference/configuration.md")
    for var in ENV_VARS:
        assert var in configuration, var


def test_check_repair_and_rebuild(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    idx = tmp_path / "idx"
    assert cli("index", "seeds", "--index-dir", str(idx)).code == 0
    assert cli("check", "--index-dir", str(idx)).code == 0
    (idx / "vectors.faiss").write_bytes(b"not a faiss file")
    asked = cli("ask", "Abbas", "--index-dir", str(idx))
    assert asked.code == 1 and "vectors.faiss" in asked.err and "check --repair" in asked.err
    broken = cli("check", "--index-dir", str(idx))
    assert broken.code == 1 and "vectors.faiss" in broken.out
    fixed = cli("check", "--repair", "--index-dir", str(idx))
    assert fixed.code == 0 and "rebuilt vectors.faiss" in fixed.out
    assert cli("ask", "Abbas", "--index-dir", str(idx)).code == 0

    monkeypatch.setenv("NEWSEARCH_MODEL", "hashing-32")
    refused = cli("ask", "Abbas", "--index-dir", str(idx))
    assert refused.code == 1 and "newsearch rebuild --model 'hashing-32'" in refused.err
    rebuilt = cli("rebuild", "--index-dir", str(idx))
    assert rebuilt.code == 0 and "re-embedded 64 passages with hashing-32" in rebuilt.out
    assert cli("ask", "Abbas", "--index-dir", str(idx)).code == 0
    assert cli("check", "--index-dir", str(idx)).code == 0


def test_check_after_an_interrupted_write_is_a_note_not_a_problem(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A kill between SQLite's commit and the vector save leaves the vectors a generation
    behind: expected, repaired by the next writable open, nothing lost, so exit 0."""
    from service.manifest import read_manifest, write_manifest
    from service.store import Store

    idx = tmp_path / "idx"
    assert cli("index", "seeds", "--index-dir", str(idx)).code == 0
    manifest = read_manifest(idx)
    assert manifest is not None  # a writer clears the database checksum when it opens:
    write_manifest(idx, manifest.with_database(None))
    store = Store(idx / "newsearch.db")
    with store.transaction() as tx:  # then commits a write the vectors never saw, and dies
        store.bump_generation(tx)
    store.close()
    checked = cli("check", "--index-dir", str(idx))
    assert checked.code == 0, checked.out + checked.err
    assert "note: vectors.faiss is older than the database" in checked.out
    assert "nothing is lost" in checked.out and "problem" not in checked.out
    repaired = cli("check", "--repair", "--index-dir", str(idx))
    assert repaired.code == 0 and "rebuilt vectors.faiss" in repaired.out
    assert "note" not in cli("check", "--index-dir", str(idx)).out


def test_check_names_a_snapshot_for_a_damaged_database(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    idx = tmp_path / "idx"
    assert cli("index", "seeds", "--index-dir", str(idx)).code == 0
    db = idx / "newsearch.db"
    with db.open("r+b") as handle:
        handle.seek(db.stat().st_size // 2 // 4096 * 4096)
        handle.write(b"\x5a" * 8192)
    checked = cli("check", "--index-dir", str(idx))
    assert checked.code == 1 and "restore a snapshot" in checked.err
    assert "check --repair" not in checked.err


def test_ask_orders_pages_counts_and_finds_similar(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    idx = str(tmp_path / "idx")
    assert cli("index", "seeds", "--index-dir", idx).code == 0
    first = json.loads(cli("ask", "Biden Netanyahu", "--index-dir", idx, "--json", "-k", "3").out)
    assert first["next_offset"] == 3
    second = json.loads(
        cli("ask", "Biden Netanyahu", "--index-dir", idx, "--json", "-k", "3", "--offset", "3").out
    )
    assert {h["doc_id"] + str(h["paragraph"]) for h in first["results"]}.isdisjoint(
        h["doc_id"] + str(h["paragraph"]) for h in second["results"]
    )
    counted = cli("ask", "Biden", "--index-dir", idx, "--facets", "--sort", "newest")
    assert (
        counted.code == 0 and "outlets among the" in counted.out and "dates by month" in counted.out
    )
    assert "more: the same question with --offset" in counted.out
    recent = cli("ask", "Biden", "--index-dir", idx, "--recent", "30", "--json")
    assert recent.code == 0 and json.loads(recent.out)["results"]
    phrase = json.loads(cli("ask", '"Eid al Fitr"', "--index-dir", idx, "--json").out)
    assert phrase["results"] and all("Eid al Fitr" in h["text"] for h in phrase["results"])
    bad = cli("ask", '"unclosed', "--index-dir", idx)
    assert bad.code == 1 and "unclosed quote" in bad.err
    similar = cli("similar", "seeds/002_55488569d2b2b954.txt", "--index-dir", idx, "--json")
    assert similar.code == 0
    assert "seeds/002_55488569d2b2b954.txt" not in {
        h["doc_id"] for h in json.loads(similar.out)["results"]
    }
    nowhere = cli("ask", "Biden", "--index-dir", idx, "--outlet", "Reuters")
    assert nowhere.code == 0 and "no outlet or source is called 'Reuters'" in nowhere.err
