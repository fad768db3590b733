"""The package's public face: `__all__` is exactly what `service` exports, and the search layer
loads without the heavy runtimes (torch, fastapi) a question does not need."""

from __future__ import annotations

import ast
import subprocess
import sys

import service
from tests.conftest import ROOT


def test_all_is_what_the_package_exports() -> None:
    tree = ast.parse((ROOT / "service" / "__init__.py").read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert sorted(service.__all__) == service.__all__  # kept sorted, so a diff reads easily
    assert set(service.__all__) == imported
    for name in service.__all__:
        assert getattr(service, name).__module__.startswith("service."), name


def test_search_loads_without_torch_or_fastapi() -> None:
    code = (
        "import sys, service.search, service.encoders, service.newsindex; "
        "heavy = [m for m in ('torch', 'fastapi', 'sentence_transformers', 'transformers', "
        "'uvicorn') if m in sys.modules]; print(','.join(heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_who_said_what_runs_without_torch() -> None:
    # spaCy's thinc would import PyTorch (about 180 MB a process) for layers our pipelines
    # never use; it is kept out, and importing it afterwards still works
    code = (
        "import sys; from service.attribution import Analyser; "
        "found = Analyser().analyse('\"We will talk,\" Blinken said.'); "
        "before = 'torch' in sys.modules; import torch; "
        "print(before, [q.speaker for q in found.quotes], torch.ones(1).item())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "['Blinken']", "1.0"]
