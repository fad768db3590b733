"""Pages and text files that are not UTF-8 are read as their authors wrote them: a byte-order
mark, the charset a page declares (wherever in its head), else a guess with a warning."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

from service.errors import InputError
from service.ingest import Notice, Skipped, read_articles
from service.ingest.decoding import decode
from service.records import Article
from tests.conftest import ROOT

DATA = ROOT.parent / "shared" / "data" / "article-extraction"
RUSSIAN = (
    "Госсекретарь США Энтони Блинкен заявил, что Вашингтон поддерживает прекращение огня. "
    "Он провёл переговоры с президентом Палестинской администрации Махмудом Аббасом."
)
FRENCH = "Le secrétaire d’État a rencontré à Ramallah le président de l’Autorité palestinienne."


def _page(body: str, head: str = "", title: str = "Блинкен и Аббас") -> str:
    return (
        f"<html><head>{head}<title>{title}</title></head><body><article>"
        f"<h1>{title}</h1><p>{body}</p><p>{body}</p></article></body></html>"
    )


def _read(path: Path) -> list[Article | Skipped | Notice]:
    return list(read_articles([path], path.parent))


def test_a_declared_charset_after_a_long_head_is_honoured(tmp_path: Path) -> None:
    scripts = "<script>" + "var x = 1;" * 3000 + "</script>"  # 30 KB before the declaration
    html = _page(RUSSIAN, scripts + '<meta charset="windows-1251">')
    (tmp_path / "utf8.html").write_text(html.replace("windows-1251", "utf-8"), encoding="utf-8")
    (tmp_path / "cp1251.html").write_bytes(html.encode("cp1251"))
    (original,) = _read(tmp_path / "utf8.html")
    (legacy,) = _read(tmp_path / "cp1251.html")  # no notice: the page said what it is
    assert isinstance(original, Article) and isinstance(legacy, Article)
    assert (legacy.title, legacy.text) == (original.title, original.text)
    assert "Блинкен" in legacy.text


def test_a_page_that_says_latin_1_is_read_as_browsers_read_it(tmp_path: Path) -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    text = FRENCH + " Il a dit : « cela suffit »."
    (tmp_path / "fr.html").write_bytes(_page(text, head, "Blinken à Ramallah").encode("cp1252"))
    (article,) = _read(tmp_path / "fr.html")  # ’ is 0x92: Windows-1252, as browsers read it
    assert isinstance(article, Article) and FRENCH in article.text


def test_a_text_file_with_no_declaration_is_guessed_and_the_guess_named(tmp_path: Path) -> None:
    (tmp_path / "ru.txt").write_bytes((RUSSIAN + "\n\n" + RUSSIAN).encode("cp1251"))
    items = _read(tmp_path / "ru.txt")
    (notice,) = [i for i in items if isinstance(i, Notice)]
    (article,) = [i for i in items if isinstance(i, Article)]
    assert "read as cp1251" in notice.message and article.text.startswith(RUSSIAN[:40])


def test_byte_order_marks_and_binary() -> None:
    assert decode("\ufeffAbbas".encode("utf-16-le"), html=False).text == "Abbas"
    assert decode(b"\xef\xbb\xbfAbbas", html=False).text == "Abbas"
    assert not decode("Abbas".encode("utf-16"), html=False).guessed
    with pytest.raises(InputError, match="binary"):
        decode(b"\x00\x01PK" * 100, html=False)


def test_the_indexer_warns_and_exits_0_for_a_guessed_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ru.txt").write_bytes((RUSSIAN + "\n\n" + RUSSIAN).encode("cp1251"))
    done = cli("index", str(tmp_path / "ru.txt"), "--index-dir", str(tmp_path / "idx"))
    assert done.code == 0 and "1 new" in done.out
    assert "warning:" in done.err and "read as cp1251" in done.err


@pytest.mark.skipif(not DATA.exists(), reason="../shared/data/article-extraction is absent")
def test_real_pages_re_encoded_read_as_their_utf8_originals(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("charsets", ROOT / "bench" / "charsets.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # the bench's method, on a slice
    cases = list(bench.legacy_pages(DATA, limit=10))
    assert len({charset for _, charset, _ in cases}) >= 2
    for name, charset, raw in cases:
        html = gzip.decompress((DATA / "html" / f"{name}.html.gz").read_bytes())
        original, _ = bench.read(html, tmp_path, "original")
        legacy, notes = bench.read(raw, tmp_path, "legacy")
        assert bench.same(original, legacy) and not notes, (name, charset)
