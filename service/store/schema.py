"""The SQLite schema of an index: documents, passages with their embeddings, the FTS5 keyword
index over the passages (kept in step by triggers), and the index's identity in `meta`."""

from __future__ import annotations

from service.analysis import FTS_TOKENIZE

SCHEMA_VERSION = 1
DB_NAME = "newsearch.db"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    date TEXT,
    outlet TEXT,
    url TEXT,
    source_path TEXT,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE INDEX IF NOT EXISTS documents_outlet ON documents(outlet);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, content='passages', content_rowid='id',
    tokenize='{FTS_TOKENIZE}'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""

# a passage with its article's fields (service.store.rows.StoredPassage, in this order)
PASSAGE_SELECT = """
SELECT p.id, p.doc_id, p.paragraph, p.start, p.end, p.text,
       d.title, d.date, d.outlet, d.url, d.source_path
FROM passages p JOIN documents d ON d.doc_id = p.doc_id
"""
# an article with its passage count (service.store.rows.DocumentRow, in this order)
DOCUMENT_SELECT = """
SELECT d.doc_id, d.title, d.date, d.outlet, d.url, d.source_path, d.text, d.content_hash,
       d.added_at, (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id)
FROM documents d
"""
