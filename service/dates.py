"""Dates as news archives write them, read into the one form the index stores: 'YYYY-MM-DD',
or a full ISO 8601 timestamp when a time is given (with its offset when one is given).

Read: ISO 8601 (basic offsets too), 2020/01/03 and 2020.01.03, RFC 2822 as feeds and mail
write it, and English month names ("May 12, 2021", "12 May 2021", "Tuesday, Nov. 19, 2019,
07:47 PM EST"). All-number day-month orders are read only where the numbers decide them
(13/01/2020 is January; 01/03/2020 could be either and is refused): a guessed date sorts an
article into the wrong week without anyone noticing."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# US and European zone names as datelines print them (IST and the like mean several zones)
_ZONES = {
    "z": 0, "utc": 0, "gmt": 0, "ut": 0, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}  # fmt: skip
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_TIME = (
    r"(?:(?:\s*,?\s*|\s+at\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<ampm>[ap]\.?m\.?)?)?"
    r"(?:\s*(?P<zone>z|[+-]\d{2}:?\d{2}|(?:utc|gmt)[+-]\d{1,2}|[a-z]{1,4}))?"
)
_FORMS = [
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}{_TIME}$", re.I),
    re.compile(rf"^{_WEEKDAY}{_DAY}\.?\s+{_MONTH},?\s+{_YEAR}{_TIME}$", re.I),
    re.compile(rf"^(?P<year>\d{{4}})[/.](?P<month>\d{{1,2}})[/.](?P<day>\d{{1,2}}){_TIME}$", re.I),
    re.compile(
        rf"^(?P<first>\d{{1,2}})[/.](?P<second_>\d{{1,2}})[/.](?P<year>\d{{4}}){_TIME}$", re.I
    ),
]


def parse_date(value: str) -> str:
    """`value` as 'YYYY-MM-DD' or an ISO timestamp; ValueError when it is not a date this
    module reads (the message says why)."""
    text = " ".join(value.split())
    if not text:
        raise ValueError("empty")
    iso = _iso(text)
    if iso is not None:
        return iso
    for form in _FORMS:
        match = form.match(text)
        if match:
            return _from_parts(match)
    if re.match(r"^[a-z]{3},\s", text, re.I) or re.search(r"\d{1,2} [a-z]{3} \d{4}", text, re.I):
        try:
            return parsedate_to_datetime(text).isoformat()
        except (TypeError, ValueError, IndexError):
            pass
    raise ValueError("not a date")


def _iso(text: str) -> str | None:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
        if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", text):
            return datetime.fromisoformat(re.sub(r"Z$", "+00:00", text)).isoformat()
    except ValueError:
        return None
    return None


def _from_parts(match: re.Match[str]) -> str:
    parts = match.groupdict()
    year = int(parts["year"])
    if parts.get("first") is not None:  # all numbers, the year last
        first, second = int(parts["first"]), int(parts["second_"])
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            day, month = second, first
        elif first == second:
            day = month = first
        else:
            raise ValueError("day and month could be either way round")
    else:
        day = int(parts["day"])
        raw = parts["month"]
        month = int(raw) if raw.isdigit() else _MONTHS.get(raw.lower(), 0)
        if not month:
            raise ValueError(f"{raw!r} is not a month")
    if parts["hour"] is None:
        if parts["zone"]:
            raise ValueError("a time zone with no time")
        return date(year, month, day).isoformat()
    hour, minute = int(parts["hour"]), int(parts["minute"])
    ampm = (parts["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("an hour past 12 with am/pm")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    stamp = datetime(year, month, day, hour, minute, int(parts["second"] or 0))
    zone = parts["zone"]
    if zone:
        stamp = stamp.replace(tzinfo=_zone(zone))
    return stamp.isoformat()


def _zone(name: str) -> timezone:
    lower = name.lower()
    if lower in _ZONES:
        return timezone(timedelta(hours=_ZONES[lower]))
    found = re.fullmatch(r"(?:utc|gmt)?([+-])(\d{1,2}):?(\d{2})?", lower)
    if not found:
        raise ValueError(f"{name!r} is not a time zone this reads")
    sign = -1 if found.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(found.group(2)), minutes=int(found.group(3) or 0)))
