"""The Python examples of the docs run as written, with the real model."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.model
GUIDE = ROOT / "docs" / "src" / "guide" / "python.md"


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def test_the_library_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = python_blocks(GUIDE)
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("NEWSEARCH_")]:
        monkeypatch.delenv(name)
    exec(compile(example, str(GUIDE), "exec"), {})
    assert (tmp_path / "my-index" / "newsearch.db").exists()
