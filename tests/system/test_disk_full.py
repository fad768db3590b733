"""A full disk is a full disk: one line from the CLI and HTTP 507 from the server, nothing
reported as damage, everything committed before kept, and writes work again once there is room.
Runs on a small tmpfs (root mounts one; elsewhere the test skips)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import NewsIndex, SearchRequest, Settings
from tests.api.conftest import build_seed_index
from tests.api.test_search_api import assert_error
from tests.conftest import FAKE_MODEL
from tests.server_helpers import running_server

pytestmark = pytest.mark.crash


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')[:100]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int = 64 * 1024) -> Path:
    """A file that takes all but `leave` bytes of the disk's free space."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as handle:
        handle.truncate(0)
        handle.write(b"\0" * max(0, free - leave))
    return filler


def many_articles(path: Path, n: int = 3000) -> Path:
    with path.open("w") as handle:
        for i in range(n):
            text = f"Dispatch {i} about the talks in Cairo. " * 8
            handle.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
    return path


def test_the_cli_says_the_disk_is_full_and_keeps_what_it_had(
    cli,
    small_disk: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    idx = small_disk / "idx"
    assert cli("index", "seeds", "--index-dir", str(idx)).code == 0
    articles = many_articles(tmp_path / "many.jsonl")
    filler = fill(small_disk)
    result = cli("index", str(articles), "--index-dir", str(idx))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "no space left on the disk" in lines[0], result.err
    assert "Traceback" not in result.err and "damaged" not in result.err
    filler.unlink()
    with NewsIndex.open(Settings(index_dir=idx, model=FAKE_MODEL)) as index:
        hits = index.search(SearchRequest("Blinken Abbas", k=3)).results
        assert hits and hits[0].doc_id.startswith("seeds/")
        docs, _ = index.counts()
        assert docs >= 5  # the seeds, and whatever units committed before the disk filled
    checked = cli("check", "--index-dir", str(idx))
    assert checked.code == 0, checked.out + checked.err
    fewer = many_articles(tmp_path / "fewer.jsonl", 100)
    again = cli("index", str(fewer), "--index-dir", str(idx))
    assert again.code == 0, again.err  # with room again, writes go in


def test_the_server_answers_507_and_goes_on(small_disk: Path) -> None:
    index_dir = build_seed_index(small_disk / "idx")
    with running_server(index_dir, model=FAKE_MODEL) as server, server.client() as http:
        filler = fill(small_disk, leave=16 * 1024)
        batch = [
            {"id": f"big-{n}", "text": f"Dispatch {n} on the talks. " * 40} for n in range(400)
        ]
        full = http.post("/documents", json=batch)
        assert_error(full, 507, "insufficient_storage")
        assert "no space left" in full.json()["error"]["message"]
        assert http.get("/health").status_code == 200
        hits = http.get("/search", params={"q": "Blinken Abbas", "k": 3}).json()["results"]
        assert hits and hits[0]["doc_id"].startswith("seeds/")
        assert http.get("/documents/big-0").status_code == 404  # nothing of the batch
        filler.unlink()
        assert http.post("/documents", json=batch[:20]).status_code == 200
        assert http.get("/documents/big-0").status_code == 200
