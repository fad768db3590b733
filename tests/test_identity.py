"""A file is one article however it is reached: from any working directory, by any spelling of
its path; `--prune` deletes the articles whose files are gone, and nothing else."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from service import NewsIndex, Settings
from tests.conftest import FAKE_MODEL, copy_seeds


def _ids(cli, idx: Path) -> set[str]:  # type: ignore[no-untyped-def]
    listed = json.loads(cli("ask", "Abbas Biden Gaza", "--index-dir", str(idx), "--json").out)
    assert listed["results"]
    with NewsIndex.open(Settings(index_dir=idx, model=FAKE_MODEL)) as index:
        return {row.doc_id for row in index.documents(0, 100)}


def test_the_same_folder_from_three_directories_is_one_set_of_articles(
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = tmp_path / "project"
    copy_seeds(project / "seeds")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "link").symlink_to(project / "seeds")

    monkeypatch.chdir(project)
    made = cli("index", "seeds")
    assert made.code == 0, made.err
    assert f"creating a new index in {project / 'index'}" in made.err
    first = _ids(cli, project / "index")
    assert len(first) == 5 and all(i.startswith("seeds/") for i in first)

    monkeypatch.chdir(elsewhere)  # another directory, an absolute path
    again = cli("index", str(project / "seeds"), "--index-dir", str(project / "index"))
    assert again.code == 0 and "5 article(s) unchanged" in again.out, again.out + again.err
    assert "creating" not in again.err

    monkeypatch.chdir(project / "seeds")  # from inside, through a link and a file by name
    name = sorted(first)[0].split("/")[1]
    inside = cli("index", "../link/", f"./{name}", "--index-dir", "../index")
    assert inside.code == 0 and "5 article(s) unchanged" in inside.out, inside.out
    assert _ids(cli, project / "index") == first


def test_prune_deletes_only_what_is_gone(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = copy_seeds(tmp_path / "seeds")
    other = copy_seeds(tmp_path / "other")
    idx = tmp_path / "idx"
    assert cli("index", str(corpus), str(other), "--index-dir", str(idx)).code == 0
    before = _ids(cli, idx)
    assert len(before) == 10
    gone = sorted(corpus.iterdir())[0]
    gone.unlink()
    (sorted(other.iterdir())[0]).unlink()  # gone too, but not under the folder pruned

    plain = cli("index", str(corpus), "--index-dir", str(idx))
    assert plain.code == 0 and "pruned" not in plain.out
    assert _ids(cli, idx) == before  # without --prune nothing is deleted

    pruned = cli("index", str(corpus), "--index-dir", str(idx), "--prune")
    assert pruned.code == 0 and "pruned 1 article(s) whose files are gone" in pruned.out
    after = _ids(cli, idx)
    assert before - after == {x for x in before if x.endswith(gone.name) and "seeds" in x}
    assert len(after) == 9
    assert cli("check", "--index-dir", str(idx)).code == 0


def test_an_index_from_before_the_root_was_recorded_uses_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_seeds(tmp_path / "seeds")
    settings = Settings(index_dir=tmp_path / "index", model=FAKE_MODEL)
    monkeypatch.chdir(tmp_path)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        assert index.root == tmp_path.resolve()
        with index.store.transaction() as tx:
            tx.execute("DELETE FROM meta WHERE key = 'root'")
    monkeypatch.chdir(os.sep)
    with NewsIndex.open(settings, writable=True) as index:
        assert index.root == tmp_path.resolve()  # the folder holding the index
        report = index.index_files([tmp_path / "seeds"])
        assert all(doc.startswith("seeds/") for doc in report.added)


def test_prune_replaces_an_older_absolute_id_only_once_the_file_has_its_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = copy_seeds(tmp_path / "seeds")
    settings = Settings(index_dir=tmp_path / "index", model=FAKE_MODEL)
    monkeypatch.chdir(tmp_path)
    with NewsIndex.open(settings, writable=True, create=True) as index:
        # an index written by the old rule from another directory: absolute ids
        old = index.index_files([corpus], root=tmp_path / "somewhere-else")
        assert all(doc.startswith("/") for doc in old.added)
        assert index.prune([corpus]) == []  # the files have no current id in the index yet
        report = index.index_files([corpus], prune=True)
        assert sorted(report.pruned) == sorted(old.added) and len(report.added) == 5
        assert index.counts()[0] == 5
