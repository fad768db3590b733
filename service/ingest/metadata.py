"""An article's title, date and outlet as the readers keep them, whatever they were read from:
one rule each for a date that cannot be read, an outlet that is no name, and a title that
carries its site's name."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from service.errors import InputError
from service.records import outlet_key
from service.validate import normalise_date

# what sites put where their name belongs: a copyright line, an address, a placeholder
_NOT_A_NAME = re.compile(
    r"(?:copyright|©|\(c\)|all rights reserved)\b.*|[a-z][a-z0-9+.-]*://.*|www\..*|hosted|home"
    r"|untitled|index|default|news|\W*",
    re.I,
)
_SITE_PARTS = re.compile(r"\s+[|–—·•:]\s+|\s+-\s+")  # "LinkNaija | Nigeria's news platform"
_TITLE_SPLIT = re.compile(r"\s+(?:[|–—·•]|::|-)\s+")
MAX_OUTLET_CHARS = 60


def read_date(value: str | None, notes: list[str] | None) -> str | None:
    """The date normalised; one that cannot be read is a note for the article's owner and no
    date, never a lost article (with `notes` None it is an InputError: the caller can fix
    it now)."""
    if value is None or not value.strip():
        return None
    try:
        return normalise_date(value)
    except InputError as exc:
        if notes is None:
            raise
        notes.append(f"{exc.message}: indexed without a date")
        return None


def outlet_name(*candidates: str | None, url: str | None = None) -> str | None:
    """The first candidate that names a site (its first part where it runs on into a
    tagline: "LinkNaija | Nigeria's popular news platform" is LinkNaija), spelled as the
    best-written candidate of the same outlet spells it ("usatoday" and then "USA TODAY":
    USA TODAY), else the domain of `url` ("hosted.ap.org"), else None."""
    names = [name for name in map(site_name, candidates) if name]
    if not names:
        return domain(url)
    key = outlet_key(names[0])
    return max((n for n in names if outlet_key(n) == key), key=_written_as_a_name)


def _written_as_a_name(name: str) -> tuple[bool, bool, bool]:
    """Words apart, a capital first, not all lower case: "The Hill" over "TheHill"."""
    return " " in name, name[:1].isupper(), name != name.lower()


def site_name(value: str | None) -> str | None:
    if not value:
        return None
    name = " ".join(value.split()).lstrip("@")
    name = _SITE_PARTS.split(name, maxsplit=1)[0].strip()
    if _NOT_A_NAME.fullmatch(name) or len(name) > MAX_OUTLET_CHARS:
        return None
    return name


def domain(url: str | None) -> str | None:
    """ "https://www.nytimes.com/2019/..." -> "nytimes.com"."""
    if not url:
        return None
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    host = host.removeprefix("www.")
    return host if "." in host else None


def title_without_site(title: str, *names: str | None) -> str:
    """`title` without a leading or trailing part that is the site's name ("Spiced Honey Pear
    Jam Recipe | The Anti-June Cleaver"); a title that is nothing but the name stays."""
    keys = {outlet_key(n) for n in names if n} - {""}
    if not keys:
        return title
    # a whole site name first: it can hold a separator itself ("Remember 80/90 - Memorabilia")
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        for sep in (" | ", " - ", " – ", " — ", ": "):
            rest = len(title) - len(name) - len(sep)
            if rest > 10 and title.startswith(name + sep):
                return title[-rest:].strip()
            if rest > 10 and sep != ": " and title.endswith(sep + name):
                return title[:rest].strip()
    cuts = list(_TITLE_SPLIT.finditer(title))
    if cuts and _names_site(title[cuts[-1].end() :], keys):
        return title[: cuts[-1].start()].strip()
    if cuts and _names_site(title[: cuts[0].start()], keys):
        return title[cuts[0].end() :].strip()
    return title


def _names_site(part: str, keys: set[str]) -> bool:
    """Whether a part of a title is the site's name, or it with a word or two more ("ZDNet
    UK"); "comwrap auf der DMEXCO 2018" is a headline that starts with one."""
    key = outlet_key(part)
    if not key:
        return False
    return key in keys or (
        len(part.split()) <= 3 and any(len(k) >= 4 and key.startswith(k) for k in keys)
    )
