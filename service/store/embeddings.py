"""The stored embeddings of the passages, read back: every one (a check), a slice at a time
(a rebuild of the vectors), or those of some passages (a story's leads, a similar search);
the model's own (in `passages`) or a second encoder's (`second_embeddings`, same columns)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from service.errors import IndexCorrupt

READ_ROWS = 512  # stored vectors fetched from SQLite at a time by embeddings()
PRIMARY = "passages"  # the tables that hold (id, embedding) rows, for `table` below
SECOND = "second_embeddings"
TABLES = (PRIMARY, SECOND)


def _table(name: str) -> str:
    if name not in TABLES:  # the only names put into SQL text
        raise ValueError(f"no embeddings table {name!r}")
    return name


class EmbeddingRows:
    path: Path  # Store's

    @property
    def conn(self) -> sqlite3.Connection:  # Store's, one per thread
        raise NotImplementedError

    def all_vectors(self, dim: int, table: str = PRIMARY) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 (n,), vectors float32 (n, dim)) of every passage, in id order."""
        rows = self.conn.execute(
            f"SELECT id, embedding FROM {_table(table)} ORDER BY id"
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, self.embedding_matrix([r[1] for r in rows], dim).copy()

    def passage_ids(self, table: str = PRIMARY) -> np.ndarray:
        """The id of every passage (with a vector in `table`), ascending (int64)."""
        rows = self.conn.execute(f"SELECT id FROM {_table(table)} ORDER BY id")
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def embeddings(self, ids: np.ndarray, dim: int, table: str = PRIMARY) -> np.ndarray:
        """The stored vectors of these ascending passage ids, float32 (n, dim) in their order:
        a rebuild reads the vectors a slice at a time through this, not all at once."""
        out = np.empty((len(ids), dim), dtype=np.float32)
        cursor = self.conn.execute(
            f"SELECT embedding FROM {_table(table)} WHERE id IN (SELECT value FROM json_each(?)) "
            "ORDER BY id",
            (json.dumps(ids.tolist()),),
        )
        # copied in a few rows at a time: the slice's rows as bytes objects at once would
        # double it, and leave the process's heap that much larger for good
        filled = 0
        while rows := cursor.fetchmany(READ_ROWS):
            out[filled : filled + len(rows)] = self.embedding_matrix([r[0] for r in rows], dim)
            filled += len(rows)
        if filled != len(ids):
            raise IndexCorrupt(
                f"{self.path}: {len(ids) - filled} passages went while their vectors were "
                "read; run `newsearch check --repair`"
            )
        return out

    def vectors_for(self, ids: list[int], dim: int, table: str = PRIMARY) -> dict[int, np.ndarray]:
        rows = self.conn.execute(
            f"SELECT id, embedding FROM {_table(table)} "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchall()
        # one array for all rows: a frombuffer per row cost more than the query
        matrix = self.embedding_matrix([blob for _, blob in rows], dim)
        return {pid: matrix[n] for n, (pid, _) in enumerate(rows)}

    def embedding_matrix(self, blobs: list[bytes], dim: int) -> np.ndarray:
        """Stored embeddings as one read-only float32 (n, dim) array."""
        blob = b"".join(blobs)
        if len(blob) != len(blobs) * dim * 4:
            raise IndexCorrupt(
                f"{self.path}: stored embeddings are not {dim}-dimensional; rebuild the index"
            )
        return np.frombuffer(blob, dtype=np.float32).reshape(len(blobs), dim)

    # --- a second encoder's (service.ensemble) ------------------------------------------------
    def set_second_embeddings(
        self, tx: sqlite3.Connection, ids: list[int], vectors: np.ndarray
    ) -> None:
        tx.executemany(
            f"INSERT OR REPLACE INTO {SECOND} VALUES (?, ?)",
            (
                (pid, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                for pid, v in zip(ids, vectors, strict=True)
            ),
        )

    def clear_second(self, tx: sqlite3.Connection) -> None:
        tx.execute(f"DELETE FROM {SECOND}")

    def without_second(self, limit: int) -> list[tuple[int, str]]:
        """(id, text) of up to `limit` passages with no second embedding yet, by id."""
        rows = self.conn.execute(
            f"SELECT id, text FROM passages p WHERE NOT EXISTS "
            f"(SELECT 1 FROM {SECOND} s WHERE s.id = p.id) ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        return [(int(i), str(t)) for i, t in rows]
