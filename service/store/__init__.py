"""SQLite, the source of truth of an index, and the only place its SQL is written."""

from service.store.database import HeldSnapshot, Store, peek_meta
from service.store.embeddings import PRIMARY, SECOND
from service.store.fts import FtsReader, Tokenizer
from service.store.rows import DocumentFilter, DocumentRow, StoredPassage, StoredQuote
from service.store.schema import DB_NAME, SCHEMA_VERSION
from service.store.stories import StoryRow

__all__ = [
    "PRIMARY",
    "SECOND",
    "DB_NAME",
    "SCHEMA_VERSION",
    "DocumentFilter",
    "DocumentRow",
    "FtsReader",
    "HeldSnapshot",
    "Store",
    "StoredPassage",
    "StoredQuote",
    "StoryRow",
    "Tokenizer",
    "peek_meta",
]
