"""Security properties that are easiest to keep by checking the source and the defaults."""

from __future__ import annotations

import re
from pathlib import Path

from service.config import Settings
from tests.conftest import ROOT


def test_no_pickle_or_dangerous_loading_in_the_package() -> None:
    pattern = re.compile(r"\b(pickle|allow_dangerous\w*|torch\.load)|(?<![\w.])(eval|exec)\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "service").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_safe_defaults() -> None:
    settings = Settings()
    assert settings.host == "127.0.0.1"
    assert settings.cors_origins == ()
    assert settings.max_query_chars == 2000
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert settings.api_key is None and settings.protect_reads is False


def test_web_assets_never_build_html_from_data() -> None:
    for name in ("app.js", "article.js", "docs.js"):
        source = (ROOT / "service" / "web" / name).read_text()
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, name
        assert "document.write" not in source, name


def test_static_route_serves_an_allow_list() -> None:
    from service.api.routes import web

    source = (ROOT / "service" / "api" / "routes" / "web.py").read_text()
    assert {"app.js", "article.js", "docs.js", "style.css"} == web.OWN_STATIC
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"} == web.SWAGGER_STATIC
    assert "open(" not in source and "Path(" not in source


def test_index_files_are_not_world_readable(tmp_path: Path, seeded) -> None:  # type: ignore[no-untyped-def]
    assert (seeded.index_dir.stat().st_mode & 0o077) == 0
