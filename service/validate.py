"""Checks on values that come from outside: document ids and dates, one rule each for every
route, the CLI and the readers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from service.dates import parse_date
from service.errors import InputError

MAX_DOC_ID_CHARS = 512
_BAD_ID_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1 controls


def check_doc_id(doc_id: str) -> str:
    """The id as the index keeps it: ids are opaque labels, never paths, so they only must be
    valid Unicode (returned in NFC, so one name typed or saved either way is one id), free of
    control characters, not blank, and of sane length."""
    check_text(doc_id, "document id")
    doc_id = unicodedata.normalize("NFC", doc_id)
    if not doc_id or not doc_id.strip():
        raise InputError("document id is empty")
    if len(doc_id) > MAX_DOC_ID_CHARS:
        raise InputError(f"document id is {len(doc_id)} characters, over {MAX_DOC_ID_CHARS}")
    if _BAD_ID_CHARS.search(doc_id):
        raise InputError(f"document id {doc_id[:80]!r} contains control characters")
    return doc_id


def check_text(value: str, what: str) -> str:
    """Text must be encodable as UTF-8 (no lone surrogates, which JSON can smuggle in)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid Unicode (it holds a lone surrogate)") from None
    return value


def normalise_date(value: str) -> str:
    """A date in any form service.dates reads -> 'YYYY-MM-DD' or the full ISO timestamp;
    else InputError."""
    text = check_text(value, "date").strip()
    try:
        return parse_date(text)
    except ValueError as exc:
        why = "" if str(exc) == "not a date" else f" ({exc})"
        raise InputError(
            f"date {value[:40]!r} is not a date like 2021-05-13 or May 13, 2021{why}"
        ) from None


def shift_day(day: date, days: int) -> str:
    """`day` moved by `days`, as a string that compares with stored dates as dates do. Past
    either end of the calendar it is a bound beyond every date there (an archive may hold a
    mis-keyed 0001-01-01), not an OverflowError."""
    try:
        return (day + timedelta(days=days)).isoformat()
    except OverflowError:
        return "0000-12-31" if days < 0 else "9999-12-32"
