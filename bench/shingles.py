"""The article-extraction benchmark's scoring (its SOURCE.md in ../shared/data): lower-cased
\\w+ words in 4-word shingles, precision and recall per page as multiset overlaps with the true
article text, averaged over the pages, F1 of the two averages; ± is half a 95 % bootstrap
interval of F1 (1,000 resamples of the pages). No imports beyond the standard library, so a
script run by another Python (bench/extraction_rs.py) scores alike."""

from __future__ import annotations

import random
import re
from collections import Counter

WORD = re.compile(r"\w+")  # the benchmark's words


def shingles(text: str) -> Counter[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return Counter(tuple(words[i : i + 4]) for i in range(max(0, len(words) - 3)))


def scores(found: str, truth: str) -> tuple[float, float]:
    """(precision, recall) of one page."""
    got, want = shingles(found), shingles(truth)
    tp = sum((got & want).values())
    precision = tp / sum(got.values()) if got else (1.0 if not want else 0.0)
    recall = tp / sum(want.values()) if want else 1.0
    return precision, recall


def f1(pairs: list[tuple[float, float]]) -> float:
    p = sum(x for x, _ in pairs) / len(pairs)
    r = sum(y for _, y in pairs) / len(pairs)
    return 2 * p * r / (p + r) if p + r else 0.0


def summary(pairs: list[tuple[float, float]]) -> str:
    """'F1 0.972 ± 0.008   precision 0.967   recall 0.976' over the pages' (P, R)."""
    rng = random.Random(0)
    spread = sorted(f1([rng.choice(pairs) for _ in pairs]) for _ in range(1000))
    half = (spread[974] - spread[25]) / 2
    precision = sum(p for p, _ in pairs) / len(pairs)
    recall = sum(r for _, r in pairs) / len(pairs)
    return f"F1 {f1(pairs):.3f} ± {half:.3f}   precision {precision:.3f}   recall {recall:.3f}"


def normalised(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))
