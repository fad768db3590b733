"""The docs keep up with the code: every command, flag, setting, environment variable and
endpoint is documented; pages name only flags that exist; the README stays short; every
benchmark table says how to reproduce it and when it was measured."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from docs.gen_reference import PAGES, arguments, openapi, page, subcommands
from service.config import ENV_VARS, setting_fields
from tests.conftest import ROOT

DOCS = ROOT / "docs" / "src"
HAND_WRITTEN = sorted(DOCS.rglob("*.md"))
README = ROOT / "README.md"


def test_every_command_and_flag_is_in_the_cli_reference() -> None:
    text = page("reference/cli.md")
    for name, parser in subcommands().items():
        assert f"## `newsearch {name}`" in text, name
        for action in arguments(parser):
            assert action.help, f"newsearch {name} {action.option_strings or action.dest}: no help"
            for flag in action.option_strings:
                assert f"`{flag}`" in text, (name, flag)


def test_every_setting_and_environment_variable_is_documented() -> None:
    text = page("reference/configuration.md")
    for f in setting_fields():
        assert f.metadata["doc"], f"setting {f.name} has no doc"
        assert f"| `{f.name}` |" in text, f.name
    read = set()
    for path in (ROOT / "service").rglob("*.py"):
        read |= set(re.findall(r"NEWSEARCH_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert read, "the scan found no environment variables"
    assert read <= set(ENV_VARS), f"read but not a documented setting: {read - set(ENV_VARS)}"
    for var in ENV_VARS:
        assert f"`{var}`" in text, var


def test_every_endpoint_is_in_the_guide_and_the_reference() -> None:
    guide = (DOCS / "guide" / "http.md").read_text(encoding="utf-8")
    reference = page("reference/api.md")
    for path, methods in openapi()["paths"].items():
        for method in methods:
            assert f"## `{method.upper()} {path}`" in reference, (method, path)
        assert path.split("{")[0].rstrip("/") in guide, path


_COMMAND_LINE = re.compile(r"newsearch ([a-z]+)((?: +[^\s`#|]+)*)")


def mentioned_flags(text: str) -> list[tuple[str, str]]:
    """(command, flag) for every `--flag` written after `newsearch COMMAND` on a line."""
    found = []
    for line in text.splitlines():
        for command, rest in _COMMAND_LINE.findall(line):
            found += [(command, flag) for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest)]
    return found


@pytest.mark.parametrize("page_path", [*HAND_WRITTEN, README], ids=lambda p: p.name)
def test_pages_name_only_flags_that_exist(page_path: Path) -> None:
    commands = subcommands()
    text = page_path.read_text(encoding="utf-8")
    for command, flag in mentioned_flags(text):
        if command not in commands:
            continue  # prose such as "newsearch is ..."
        parser: argparse.ArgumentParser = commands[command]
        known = {f for a in parser._actions for f in a.option_strings}
        assert flag in known, f"{page_path.name}: newsearch {command} has no {flag}"


def test_the_flag_check_sees_the_flags() -> None:
    assert mentioned_flags("newsearch ask QUESTION [--json] [--mode hybrid]") == [
        ("ask", "--json"),
        ("ask", "--mode"),
    ]


def test_the_readme_is_short_and_names_the_full_run() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    text = "\n".join(lines)
    assert "python -m pytest --all" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest --all" in ci and "mkdocs build --strict" in ci


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "docs" / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {str(p.relative_to(DOCS)) for p in HAND_WRITTEN} | set(PAGES)
    for name in pages:
        assert f": {name}" in nav, name


def test_every_benchmark_table_says_how_and_when() -> None:
    text = (DOCS / "benchmarks" / "index.md").read_text(encoding="utf-8")
    sections = re.split(r"\n(?=## )", text)
    tables = 0
    for section in sections:
        if "\n|---" not in section and "\n| ---" not in section:
            continue
        tables += 1
        title = section.splitlines()[0]
        assert re.search(r"`[^`]*(bench/|newsearch |pytest)[^`]*`", section), f"{title}: no command"
        assert re.search(r"20\d\d-\d\d-\d\d", section), f"{title}: no date"
    assert tables >= 5
