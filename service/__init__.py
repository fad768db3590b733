"""newsearch: semantic search over news archives.

The public API is the NewsIndex object (open, add_articles, index_files, delete, search) with
the records it takes and returns, and a Client that asks a running server the same questions;
the CLI (`newsearch`) and the HTTP service are thin layers over them.
"""

from service.client import AsyncClient, Client
from service.config import Settings
from service.errors import (
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    InputError,
    MissingDependency,
    NewsearchError,
    NotFound,
    ReadOnly,
    ServerError,
)
from service.newsindex import NewsIndex
from service.records import (
    AlsoReported,
    Article,
    FacetCount,
    Facets,
    Hit,
    Passage,
    SearchResponse,
    Stats,
    Written,
    WrittenDocument,
)
from service.reports import AddReport
from service.search import Filters, SearchRequest

__all__ = [
    "AddReport",
    "AlsoReported",
    "Article",
    "AsyncClient",
    "Client",
    "FacetCount",
    "Facets",
    "Filters",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexMissing",
    "InputError",
    "MissingDependency",
    "NewsIndex",
    "NewsearchError",
    "NotFound",
    "Passage",
    "ReadOnly",
    "SearchRequest",
    "SearchResponse",
    "ServerError",
    "Settings",
    "Stats",
    "Written",
    "WrittenDocument",
]
