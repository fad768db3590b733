"""Search: the request and its checks, fusion of the dense and keyword lists, the Searcher,
grouping across outlets, the highlight and optional reranking. Nothing here imports the index
facade (service.newsindex), torch or fastapi."""

from service.search.request import DEFAULT_MODE, MAX_K, MODES, Filters, Mode, SearchRequest
from service.search.searcher import CANDIDATES, Searcher

__all__ = [
    "CANDIDATES",
    "DEFAULT_MODE",
    "MAX_K",
    "MODES",
    "Filters",
    "Mode",
    "SearchRequest",
    "Searcher",
]
