"""Where an article's direct quotes are: the spans between quotation marks, found on the text
itself (before any parse), with the newsroom convention that a quote running over several
paragraphs leaves each paragraph but the last unclosed and opens the next one again."""

from __future__ import annotations

import re

OPENING = '“„«"‘'
# a curly quote closed by a straight one, or the reverse, is a typing slip seen in real copy
CLOSERS = {"“": '”"“', "„": "“”", "«": "»", '"': '"”', "‘": "’"}
DOUBLED = "''"  # two apostrophes for a double quotation mark
_PARAGRAPH = re.compile(r"[^\n]+")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, spaces trimmed: articles store a paragraph a line."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        line = m.group()
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((m.start() + lead, m.start() + len(line.rstrip())))
    return spans


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quoted stretch, marks included, in text order. A quote still open
    at a paragraph's end goes on if the next paragraph opens with a mark, else ends there."""
    spans: list[tuple[int, int]] = []
    paras = paragraphs(text)
    open_at: int | None = None
    closer = ""
    for n, (start, end) in enumerate(paras):
        # a continuing quote's new mark is skipped
        i = start + (len(closer) if closer == DOUBLED else 1) if open_at is not None else start
        while i < end:
            ch = text[i]
            if text.startswith(DOUBLED, i):  # '' as a quotation mark, as some newsrooms type
                if open_at is None and (i == start or not text[i - 1].isalnum()):
                    open_at, closer = i, DOUBLED
                elif closer == DOUBLED and (i + 2 >= end or not text[i + 2].isalnum()):
                    spans.append((open_at, i + 2))  # type: ignore[arg-type]
                    open_at, closer = None, ""
                i += 2
                continue
            if open_at is None:
                if ch in OPENING and _opens(text, i, start):
                    open_at, closer = i, CLOSERS[ch]
                elif ch == "'" and text[i - 2 : i] == ": " and text[i + 1 : i + 2].isalnum():
                    open_at, closer = i, "'"  # a headline's "Reid: 'Never underestimate'"
            elif closer != DOUBLED and ch in closer and _closes(text, i, end):
                spans.append((open_at, i + 1))
                open_at = None
            i += 1
        if open_at is not None:
            following = paras[n + 1][0] if n + 1 < len(paras) else None
            if following is None or not _opens_paragraph(text, following):
                spans.append((open_at, end))  # never closed: the paragraph ends it
                open_at = None
    return spans


def _opens_paragraph(text: str, at: int) -> bool:
    return text[at] in OPENING or text.startswith(DOUBLED, at)


def _opens(text: str, i: int, para_start: int) -> bool:
    """A straight or single quote opens only at a word's start (not the inch mark in 12",
    nor the apostrophe of ’90s)."""
    if text[i] not in '"‘':
        return True
    at_start = i == para_start or not text[i - 1].isalnum()
    return at_start and (text[i] != "‘" or text[i + 1 : i + 2].isalpha())


def _closes(text: str, i: int, para_end: int) -> bool:
    """A straight quote, ’ or a wrong-way “ closes only at a word's end (not the apostrophe
    in don’t, nor the “ that opens a second quote)."""
    if text[i] not in "\"’“'":
        return True
    if text[i] == "“" and (text[i - 1].isspace() or text[i - 1] in '“”"'):
        return False
    return i + 1 >= para_end or not text[i + 1].isalnum()


_DOUBLED_MARK = re.compile("''")


def for_parser(text: str) -> str:
    """The paragraph as the parser should read it: '' quotation marks as curly ones (two
    characters each still, so offsets stay: ““ and ””), since the parser takes '' for a closing mark
    and runs a quote into the sentence before it."""
    if DOUBLED not in text:
        return text

    def curly(m: re.Match[str]) -> str:
        i = m.start()
        opening = (i == 0 or not text[i - 1].isalnum()) and text[i + 2 : i + 3].isalnum()
        return "\u201c\u201c" if opening else "\u201d\u201d"

    return _DOUBLED_MARK.sub(curly, text)
