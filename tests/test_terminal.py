"""Text that reaches a terminal carries no control characters: hostile titles, outlets, texts
and file names are cleaned at ingest and again when printed, so `ask` and `show` cannot clear
the screen, fake coloured lines or retitle the window."""

from __future__ import annotations

import json
from pathlib import Path

CONTROLS = ("\x1b", "\x07", "\x9b", "\x90", "\x00")


def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    article = {
        "id": "evil-1",
        "title": "\x1b[2J\x1b[HEvil \x1b]0;pwned\x07title",
        "outlet": "Out\x9b31mlet",
        "text": "Blinken met Abbas on Wednesday.\x1b[31m This line would be red.\x07",
    }
    (folder / "feed.jsonl").write_text(json.dumps(article) + "\n")
    (folder / "bad\x1b[2Jname.txt").write_text("Blinken met Abbas again on Thursday.")
    (folder / "good.txt").write_text("Blinken met Abbas a third time on Friday.")
    return folder


def test_hostile_fields_never_reach_the_terminal(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    idx = str(tmp_path / "idx")
    indexed = cli("index", str(hostile(tmp_path)), "--index-dir", idx)
    assert indexed.code == 1  # the file whose name cannot be an id is skipped, and said so
    assert "cannot be an article id" in indexed.err and "bad" in indexed.err
    outputs = [indexed.out, indexed.err]
    for args in (
        ("ask", "Blinken Abbas", "--index-dir", idx, "-k", "5"),
        ("ask", "Blinken Abbas", "--index-dir", idx, "--json"),
        ("show", "evil-1", "--index-dir", idx),
        ("show", "evil-1", "--index-dir", idx, "--json"),
    ):
        result = cli(*args)
        assert result.code == 0, result.err
        outputs += [result.out, result.err]
    for text in outputs:
        for control in CONTROLS:
            assert control not in text, (control, text[:200])
    shown = cli("show", "evil-1", "--index-dir", idx)
    assert "Evil title" in shown.out and "Outlet" in shown.out  # the words are kept
    data = json.loads(cli("show", "evil-1", "--index-dir", idx, "--json").out)
    assert data["title"] == "Evil title" and data["outlet"] == "Outlet"  # cleaned when stored


def test_a_terminal_underlines_the_question_words_inside_the_answer() -> None:
    from service.cli.output import BOLD_YELLOW, RESET, UNDERLINE, marked

    text = "Blinken called Abbas. Abbas thanked him."
    shown = marked(text, {"start": 0, "end": 21}, True, [{"start": 15, "end": 20}])
    assert shown == (
        f"{BOLD_YELLOW}Blinken called {RESET}{BOLD_YELLOW}{UNDERLINE}Abbas{RESET}"
        f"{BOLD_YELLOW}.{RESET} Abbas thanked him."
    )
    assert marked(text, {"start": 0, "end": 21}, False, [{"start": 15, "end": 20}]) == (
        "«Blinken called Abbas.» Abbas thanked him."
    )
