"""The SQLite schema of an index: documents, passages with their embeddings, the FTS5 keyword
index over the passages (kept in step by triggers), the quotes and entities found in each
article (service.attribution), and the index's identity in `meta`."""

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
-- the newest articles, and the newest undated ones: the candidates a new story reads
CREATE INDEX IF NOT EXISTS documents_added ON documents(added_at);
CREATE INDEX IF NOT EXISTS documents_undated ON documents(added_at) WHERE date IS NULL;
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
-- a second encoder's embedding of each passage (meta second_model; service.ensemble), kept
-- beside the passage's own: added with it, gone with it
CREATE TABLE IF NOT EXISTS second_embeddings (
    id INTEGER PRIMARY KEY,
    embedding BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS quotes (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    kind TEXT NOT NULL,
    speaker TEXT,
    speaker_key TEXT,
    speaker_start INTEGER,
    speaker_end INTEGER,
    cue TEXT,
    cue_start INTEGER,
    cue_end INTEGER,
    role TEXT
);
-- covering what a result's quotes and the speaker facet read, so neither reads the table
CREATE INDEX IF NOT EXISTS quotes_doc ON quotes(doc_id, start, end, speaker_key, speaker);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_key);
CREATE TABLE IF NOT EXISTS entities (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_doc ON entities(doc_id, start, kind, key, name);
CREATE INDEX IF NOT EXISTS entities_key ON entities(kind, key);
-- each passage's names (entities in it, speakers quoted in it) as a JSON list: what the name
-- facets count, one indexed row a candidate passage
CREATE TABLE IF NOT EXISTS passage_names (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    names TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passage_names_doc ON passage_names(doc_id);
-- which articles have had their quotes and entities found, and by which pipeline: an index
-- made before this step, or with it off, is analysed later without re-embedding
CREATE TABLE IF NOT EXISTS analysed (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    pipeline TEXT NOT NULL
);
-- the story each article belongs to (service.stories): articles that report one event
CREATE TABLE IF NOT EXISTS stories (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    story_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_story ON stories(story_id);
-- the language each article is written in (service.language; NULL: too short or mixed to
-- tell); an article with no row has not been read for it yet
CREATE TABLE IF NOT EXISTS languages (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    language TEXT
);
CREATE INDEX IF NOT EXISTS languages_language ON languages(language);
-- how many of a story's articles each source (outlet) has: a result's "N outlets on this story"
-- without reading every article of a story that may hold thousands (kept by StoryRows)
CREATE TABLE IF NOT EXISTS story_sources (
    story_id TEXT NOT NULL,
    source TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (story_id, source)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad_second AFTER DELETE ON passages BEGIN
    DELETE FROM second_embeddings WHERE id = old.id;
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
       d.added_at, (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id),
       (SELECT l.language FROM languages l WHERE l.doc_id = d.doc_id)
FROM documents d
"""

# a quote with its article's fields (service.store.rows.StoredQuote, in this order)
QUOTE_SELECT = """
SELECT q.id, q.doc_id, q.start, q.end, q.kind, q.speaker, q.speaker_start, q.speaker_end,
       q.cue, q.role, substr(d.text, q.start + 1, q.end - q.start), d.title, d.date, d.outlet,
       d.url, d.source_path
FROM quotes q JOIN documents d ON d.doc_id = q.doc_id
"""
