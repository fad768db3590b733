"""Rules that stand in one place and are read everywhere: the search modes, the encoder
backends and the result limit agree across the library, the CLI and the HTTP schema; every
command a message tells the user to run is one the parser accepts."""

from __future__ import annotations

import argparse
import ast
import re
import shlex
from pathlib import Path
from typing import get_args

import pytest

from service.api import create_app
from service.api.schemas import K, Mode, SearchBody
from service.cli import build_parser
from service.config import Settings
from service.encoders import BACKENDS
from service.search import DEFAULT_MODE, MAX_K, MODES
from tests.conftest import ROOT


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def test_modes_backends_and_k_agree_everywhere() -> None:
    commands = subcommands(build_parser())
    for name in ("ask", "eval"):
        mode = option(commands[name], "--mode")
        assert mode is not None and tuple(mode.choices or ()) == MODES, name
    opening = [n for n, p in commands.items() if option(p, "--index-dir")]
    assert len(opening) >= 9
    for name in opening:  # every command that opens an index takes --backend
        backend = option(commands[name], "--backend")
        assert backend is not None and tuple(backend.choices or ()) == BACKENDS, name
    assert get_args(Mode) == MODES and DEFAULT_MODE in MODES
    assert Settings().backend in BACKENDS
    (limit,) = (m for m in K.__metadata__ if hasattr(m, "metadata"))  # type: ignore[attr-defined]
    assert any(getattr(c, "le", None) == MAX_K for c in limit.metadata)
    schema = create_app(Settings()).openapi()
    body = schema["components"]["schemas"]["SearchBody"]["properties"]
    assert body["k"]["maximum"] == MAX_K and SearchBody.model_fields["k"].default == 10
    params = {p["name"]: p["schema"] for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert params["k"]["maximum"] == MAX_K
    modes = schema["components"]["schemas"]["SearchBody"]["properties"]["mode"]
    assert tuple(modes["enum"]) == MODES


_SUGGESTED = re.compile(r"`(newsearch [^`]+)`")


def suggested_commands() -> list[tuple[str, str]]:
    """(file, command) for every `newsearch ...` in backticks in a string of the package that
    is not a docstring (messages to users), an f-string's {value} standing as "x"."""
    found = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            else:
                continue
            for command in _SUGGESTED.findall(text):
                found.append((str(path.relative_to(ROOT)), command))
    return sorted(set(found))


def test_the_walk_finds_the_suggestions() -> None:
    found = {command for _, command in suggested_commands()}
    assert "newsearch check --repair" in found
    assert any(c.startswith("newsearch rebuild --model") for c in found)


@pytest.mark.parametrize("where,command", suggested_commands())
def test_every_suggested_command_parses(where: str, command: str) -> None:
    try:
        build_parser().parse_args(_filled(shlex.split(command)[1:]))
    except SystemExit as exc:
        pytest.fail(f"{where}: `{command}` is refused by the parser (exit {exc.code})")


def _filled(words: list[str]) -> list[str]:
    """A suggestion may leave out what the user fills in (`run newsearch index again` names
    no path) and stands a placeholder for a value: the required arguments get one, and a
    placeholder given to a flag with choices becomes its first choice."""
    parser = subcommands(build_parser()).get(words[0]) if words else None
    if parser is None:
        return words
    out = list(words)
    positional = 0
    i = 1
    while i < len(out):
        flag = option(parser, out[i])
        if flag is None:
            positional += 1
        elif flag.nargs is None:  # the flag takes the next word as its value
            if flag.choices and i + 1 < len(out) and out[i + 1] == "x":
                out[i + 1] = str(next(iter(flag.choices)))
            i += 1
        i += 1
    required = [a for a in parser._actions if not a.option_strings and a.nargs in (None, "+")]
    out[1:1] = ["x"] * max(0, len(required) - positional)
    return out


def test_messages_name_only_existing_flags(tmp_path: Path) -> None:
    """The flags the model-mismatch message suggests are ones the commands take."""
    commands = subcommands(build_parser())
    for flag in ("--model", "--backend", "--index-dir"):
        assert option(commands["rebuild"], flag) is not None
        assert option(commands["ask"], flag) is not None
