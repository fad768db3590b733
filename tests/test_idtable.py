"""IdTable: the compact id map an indexing run keeps of the ids it wrote."""

from __future__ import annotations

import numpy as np

from service import idtable
from service.idtable import IdTable


def test_rows_by_id_through_merges(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(idtable, "MERGE_AT", 100)  # many merges over a few hundred ids
    table = IdTable(width=2)
    for n in range(1000):
        table.set(f"doc-{n}", [n, -n])
    for n in range(0, 1000, 3):  # a newer row replaces the older, merged or not
        table.set(f"doc-{n}", [n + 1, 7])
    assert len(table) == 1000
    assert table.get("doc-5") is not None and table.get("doc-5").tolist() == [5, -5]
    assert table.get("doc-6").tolist() == [7, 7]  # type: ignore[union-attr]
    assert "doc-999" in table and "doc-1000" not in table and "" not in table
    assert all(table.get(f"doc-{n}")[0] == n + (n % 3 == 0) for n in range(1000))  # type: ignore[index]


def test_a_million_ids_take_a_few_dozen_bytes_each() -> None:
    table = IdTable()
    for n in range(200_000):
        table.set(f"folder/file-{n}.html", [n])
    held = sum(a.nbytes for a in (table._hi, table._lo, table._rows))
    held += len(table._recent) * 150  # the dict part, generously
    assert held / 200_000 < 40
    assert table.get("folder/file-123456.html").tolist() == [123456]  # type: ignore[union-attr]
    assert table.get("folder/file-200000.html") is None
    assert isinstance(table.get("folder/file-0.html"), np.ndarray)
