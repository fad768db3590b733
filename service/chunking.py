"""Article -> Passages: one passage per paragraph, long paragraphs split at sentence ends (and,
where no sentence ends, at spaces, so no passage outgrows the caps), each with its character
offsets into the cleaned article text."""

from __future__ import annotations

import re

from service.records import Article, Passage

# all-MiniLM-L6-v2 reads 256 word pieces; ~180 words stays inside that for news English.
MAX_PASSAGE_WORDS = 180
MAX_PASSAGE_CHARS = 2000  # whatever the words: a line of 49 MB with no spaces is not a passage
_WORDS = re.compile(r"\w+")
# a word: a run between spaces, or one character of a script written without spaces (CJK),
# where the model reads about a word piece a character
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")


def word_count(text: str) -> int:
    """How many words `text` holds, for the caps (a CJK character counts as one)."""
    return len(_TOKEN.findall(text))


_SENTENCE_END = re.compile(r"""[.!?…。！？]["'”’»)\]]*\s*$""")
HEADING_CHARS = 60  # and this few characters (a 7,000-character token is no heading)
HEADING_WORDS = 3  # a paragraph this short joins the next (service.chunking._with_headings)
MAX_ARTICLE_PASSAGES = 2000  # past this a "page" is a site dump, not an article: cut, warned
# A sentence ends at . ! ? … (then a space) before a capital or a digit of any script, or a
# letter of a script without case; at a CJK full stop, question or exclamation mark (no
# space needed); at a Devanagari danda or an Arabic question mark or full stop.
_BOUNDARY = re.compile(
    r"""(?:[.!?…]+["'”’»)\]]*\s+|([。！？]+["'”’」』)]*)\s*|[।؟۔]+\s+)"""
    r"""(?=["'“‘(\[«„¿¡]?(\S))"""
)


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or (char.isalpha() and not char.islower())


# Tokens that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "sen",
        "rep",
        "gov",
        "pres",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "vs",
        "etc",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
    ]
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, surrounding spaces excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group(1) is None and not _starts_sentence(match.group(2)):
            continue  # "etc. and", "p. 4" stay whole where the next word is lower case
        if match.group(1) is not None:
            spans.append((start, match.end()))
            start = match.end()
            continue
        before = text[start : match.start() + 1].rsplit(None, 1)  # its last word
        last = before[-1].rstrip(".!?\"'”’)]").lower() if before else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue  # "Antony J. Blinken", "U.S. officials"
        end = match.end()
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        if match.group().strip():
            spans.append((match.start(), match.end()))
    return spans


def split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Windows of whole sentences of at most ~max_words words covering text[start:end]; a
    sentence over max_words words or MAX_PASSAGE_CHARS characters is cut at spaces (and a run
    of characters with none, at the cap)."""
    if end - start <= MAX_PASSAGE_CHARS and word_count(text[start:end]) <= max_words:
        return [(start, end)]
    windows: list[tuple[int, int]] = []
    for s, e in _sentence_windows(text, start, end, max_words):
        if e - s <= MAX_PASSAGE_CHARS and word_count(text[s:e]) <= max_words:
            windows.append((s, e))
        else:
            windows += _cut(text, s, e, max_words)
    return windows


def _cut(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Windows of at most max_words words and MAX_PASSAGE_CHARS characters, cut at spaces."""
    windows: list[tuple[int, int]] = []
    cur_start, cur_end, words = -1, -1, 0
    for word in _TOKEN.finditer(text[start:end]):
        s, e = start + word.start(), start + word.end()
        while e - s > MAX_PASSAGE_CHARS:  # no space to cut at
            if cur_start >= 0:
                windows.append((cur_start, cur_end))
                cur_start, words = -1, 0
            windows.append((s, s + MAX_PASSAGE_CHARS))
            s += MAX_PASSAGE_CHARS
        if cur_start >= 0 and (words + 1 > max_words or e - cur_start > MAX_PASSAGE_CHARS):
            windows.append((cur_start, cur_end))
            cur_start, words = -1, 0
        if cur_start < 0:
            cur_start = s
        cur_end, words = e, words + 1
    if cur_start >= 0:
        windows.append((cur_start, cur_end))
    return windows


def _sentence_windows(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    cur_start, cur_end, words = -1, -1, 0
    for s, e in sentence_spans(text[start:end]):
        n = word_count(text[start + s : start + e])
        if cur_start >= 0 and words + n > max_words:
            windows.append((cur_start, cur_end))
            cur_start, words = -1, 0
        if cur_start < 0:
            cur_start = start + s
        cur_end, words = start + e, words + n
    if cur_start >= 0:
        windows.append((cur_start, cur_end))
    return windows


def _with_headings(text: str, max_words: int) -> list[tuple[int, int]]:
    """Paragraph spans, a run of short ones (a subhead, list items: "Meal 1") joined to the
    paragraph they introduce, or to the one before at the end: alone they are no passage a
    question can match, and they are the context of what follows. A run too long to be a
    heading (half a passage) stands alone; split_long cuts whatever outgrows the caps."""
    spans: list[tuple[int, int]] = []
    pending, last = -1, -1  # a run of short paragraphs waiting for theirs: start, end
    for start, end in paragraph_spans(text):
        if not _heading(text[start:end]):
            spans.append((start if pending < 0 else pending, end))
            pending = -1
            continue
        if pending >= 0 and not _small(text[pending:end], max_words):
            spans.append((pending, last))
            pending = -1
        pending = start if pending < 0 else pending
        last = end
    if pending >= 0:
        if spans and _small(text[pending:last], max_words):
            spans[-1] = (spans[-1][0], last)  # split_long keeps it within the caps
        else:
            spans.append((pending, last))
    return spans


def _heading(paragraph: str) -> bool:
    """A few words with no sentence end: a subhead or a list item, not "He declined." """
    return (
        len(paragraph) <= HEADING_CHARS
        and word_count(paragraph) <= HEADING_WORDS
        and not _SENTENCE_END.search(paragraph)
    )


def _small(run: str, max_words: int) -> bool:
    return len(run) <= MAX_PASSAGE_CHARS // 2 and word_count(run) <= max_words // 2


def chunk(article: Article, max_words: int = MAX_PASSAGE_WORDS) -> list[Passage]:
    """Passages of an article; max_words=0 keeps the whole text as one passage."""
    if max_words <= 0:
        text = article.text
        start, end = len(text) - len(text.lstrip()), len(text.rstrip())
        if end <= start:
            return []
        return [Passage(article.doc_id, 1, start, end, text[start:end])]
    passages: list[Passage] = []
    seen: set[str] = set()  # a passage the article repeats is stored once
    for p_start, p_end in _with_headings(article.text, max_words):
        for start, end in split_long(article.text, p_start, p_end, max_words):
            words = " ".join(_WORDS.findall(article.text[start:end].casefold()))
            if words in seen:
                continue
            seen.add(words)
            passages.append(
                Passage(
                    doc_id=article.doc_id,
                    paragraph=len(passages) + 1,
                    start=start,
                    end=end,
                    text=article.text[start:end],
                )
            )
    return passages
