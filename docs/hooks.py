"""MkDocs hook: adds the reference pages generated from the code (docs/gen_reference.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docs.gen_reference import PAGES, page  # noqa: E402


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for path in PAGES:
        files.append(File.generated(config, path, content=page(path)))
    return files
