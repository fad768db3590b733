"""Search: the request and its checks, the query language, retrieval and fusion of the dense and
keyword lists, the Searcher, grouping across outlets, pages, facets, the highlight and
optional reranking. Nothing here imports the index facade (service.newsindex), torch or
fastapi."""

from service.search.query import ParsedQuery, parse_query
from service.search.quotes import QuoteResult, QuoteSource, speaker_quotes
from service.search.request import (
    BUCKETS,
    DEFAULT_MODE,
    HALF_LIFE_DAYS,
    MAX_DEPTH,
    MAX_K,
    MAX_NAME_CHARS,
    MODES,
    SORTS,
    Filters,
    Mode,
    SearchRequest,
    Sort,
)
from service.search.retrieval import CANDIDATES
from service.search.searcher import Searcher

__all__ = [
    "BUCKETS",
    "CANDIDATES",
    "DEFAULT_MODE",
    "HALF_LIFE_DAYS",
    "MAX_DEPTH",
    "MAX_K",
    "MAX_NAME_CHARS",
    "MODES",
    "SORTS",
    "Filters",
    "Mode",
    "ParsedQuery",
    "QuoteResult",
    "QuoteSource",
    "SearchRequest",
    "Searcher",
    "Sort",
    "parse_query",
    "speaker_quotes",
]
