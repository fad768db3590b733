"""Bytes of an article file to text: a byte-order mark, else UTF-8, else the charset an HTML
page declares, else a guess (charset-normalizer) that the caller reports."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from service.errors import InputError

# where a page declares its charset: <meta charset>, <meta http-equiv content="...; charset=">
# or an XML declaration. Browsers look at the first 1,024 bytes and then, finding a later
# <meta> in the head, read the page again: real pages put it after 60 KB of scripts.
_DECLARED = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([a-z0-9._:-]+)"
    rb"|<\?xml[^>]+encoding\s*=\s*[\"']([a-z0-9._:-]+)",
    re.IGNORECASE,
)
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.IGNORECASE)
HEAD_BYTES = 256 * 1024  # how far to look for the end of <head>
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# labels a browser reads as another codec (the WHATWG Encoding standard): pages that say
# Latin-1 are written, and read by every browser, as Windows-1252
_AS_BROWSERS_READ = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    guessed: bool  # no mark or declaration said so: the caller warns


def decode(data: bytes, *, html: bool, charset: str | None = None) -> Decoded:
    """The text of an article file; InputError when no encoding reads it. `charset`: what
    the server said it sent (HTTP Content-Type), second only to a byte-order mark, as a
    browser reads it."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return Decoded(_strict(data, name), name.removesuffix("-sig"), guessed=False)
    if b"\x00" in data[:65536]:
        raise InputError("binary file, not text (skipped)")
    sent = _codec(charset.encode("ascii", "replace")) if charset else None
    if sent:
        try:
            return Decoded(data.decode(sent), sent, guessed=False)
        except UnicodeDecodeError:
            pass  # a server that is wrong about it: read the page as if it said nothing
    try:
        return Decoded(data.decode("utf-8"), "utf-8", guessed=False)
    except UnicodeDecodeError:
        pass
    declared = _declared(data) if html else None
    if declared and declared != "utf-8":
        try:
            return Decoded(data.decode(declared), declared, guessed=False)
        except UnicodeDecodeError:
            pass  # a page that lies about its charset: guess, as for a page that says nothing
    return _guess(data)


def _declared(data: bytes) -> str | None:
    end = _HEAD_END.search(data, 0, HEAD_BYTES)
    found = _DECLARED.search(data, 0, end.start() if end else HEAD_BYTES)
    if not found:
        return None
    return _codec(found.group(1) or found.group(2))


def _codec(raw: bytes) -> str | None:
    label = raw.decode("ascii", "replace").strip().lower()
    label = _AS_BROWSERS_READ.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _strict(data: bytes, name: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        raise InputError(f"not valid {name} text after its byte-order mark (skipped)") from None


def _guess(data: bytes) -> Decoded:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError("not UTF-8 text, and no encoding reads it (skipped)")
    return Decoded(str(best), codecs.lookup(best.encoding).name, guessed=True)
