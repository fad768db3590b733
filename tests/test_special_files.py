"""What a folder holds besides articles: links out of it, FIFOs, devices. None of them hangs
the indexer, reads a file outside the archive, or stops the rest from being indexed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.ingest import Skipped, discover
from tests.conftest import copy_seeds

SECRET = "The password of the newsroom is swordfish."


def test_links_out_of_a_folder_are_skipped_unless_followed(tmp_path: Path) -> None:
    archive = copy_seeds(tmp_path / "archive")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (archive / "leak.txt").symlink_to(outside / "secret.txt")
    (archive / "leakdir").symlink_to(outside)
    (archive / "loop").symlink_to(archive)  # a link back up: would loop when followed
    (archive / "inside.txt").symlink_to(archive / "001_54e095bef68fefdb.txt")

    skipped: list[Skipped] = []
    files = discover([archive], skipped=skipped)
    assert len(files) == 5 and all(f.is_relative_to(archive.resolve()) for f in files)
    assert sorted(Path(s.where).name for s in skipped) == ["leak.txt", "leakdir"]
    assert all("--follow-links" in s.reason for s in skipped)

    followed = discover([archive], follow_links=True)
    assert (outside / "secret.txt").resolve() in followed and len(followed) == 6
    # named directly, a link is the user's choice
    assert discover([archive / "leak.txt"]) == [(outside / "secret.txt").resolve()]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_or_found_is_skipped_without_blocking(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = copy_seeds(tmp_path / "archive")
    os.mkfifo(archive / "pipe.txt")  # reading it would block for ever, holding the lock
    done = cli("index", str(archive), "--index-dir", str(tmp_path / "idx"))
    assert done.code == 1 and "5 new" in done.out  # the rest indexed; exit 1 says "skipped"
    assert "pipe.txt: a FIFO, not a file" in done.err
    alone = cli("index", str(archive / "pipe.txt"), "--index-dir", str(tmp_path / "idx2"))
    assert alone.code != 0 and "a FIFO" in alone.err and "no article files" in alone.err
    assert not (tmp_path / "idx2").exists()


def test_a_device_behind_a_link_is_skipped(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")  # would be read for ever
    skipped: list[Skipped] = []
    assert discover([tmp_path / "zero.txt"], skipped=skipped) == []
    assert "a device" in skipped[0].reason
    skipped.clear()
    assert discover([tmp_path], follow_links=True, skipped=skipped) == []
    assert "a device" in skipped[0].reason


def test_the_cli_warns_of_a_link_out_and_indexes_the_rest(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = copy_seeds(tmp_path / "archive")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (archive / "leak.txt").symlink_to(tmp_path / "secret.txt")
    idx = str(tmp_path / "idx")
    done = cli("index", str(archive), "--index-dir", idx)
    assert "5 new" in done.out and "leak.txt: a link out of" in done.err
    found = cli("ask", "password of the newsroom", "--index-dir", idx, "--mode", "keyword")
    assert "swordfish" not in found.out
    again = cli("index", str(archive), "--index-dir", idx, "--follow-links")
    assert again.code == 0 and "1 new" in again.out
