"""newsearch: semantic search over news archives.

The public API is the NewsIndex object (open, add_articles, delete, search) plus the records it
takes and returns; the CLI (`newsearch`) and the HTTP service are thin layers over it.
"""

from service.config import Settings
from service.errors import (
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    InputError,
    NewsearchError,
    NotFound,
)
from service.newsindex import AddReport, NewsIndex, Stats
from service.records import AlsoReported, Article, Hit, Passage, SearchResponse
from service.search import SearchRequest
from service.store import Filters

__all__ = [
    "AddReport",
    "AlsoReported",
    "Article",
    "Filters",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexMissing",
    "InputError",
    "NewsIndex",
    "NewsearchError",
    "NotFound",
    "Passage",
    "SearchRequest",
    "SearchResponse",
    "Settings",
    "Stats",
]
