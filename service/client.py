"""Clients for a running `newsearch serve`: the same requests and typed replies as the library
(SearchRequest in, SearchResponse out), over HTTP: `Client` to call from ordinary code,
`AsyncClient` from asyncio. `newsearch add` and the `--server` of `ask`, `quotes`, `stories`
and `timeline` use `Client`."""

from __future__ import annotations

from typing import Any

from service.errors import ServerError
from service.records import Article, SearchResponse, Written, WrittenDocument
from service.search import QuoteResult, SearchRequest
from service.search.timeline import Timeline
from service.store.stories import StoryRow

TIMEOUT_S = 120.0


def _headers(api_key: str | None) -> dict[str, str]:
    # the header every write needs from a client that is not a page (service.api.guards)
    headers = {"X-Newsearch-Client": "newsearch"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


def _search_body(request: SearchRequest) -> dict[str, Any]:
    f = request.filters
    body = {
        "query": request.query,
        "k": request.k,
        "mode": request.mode,
        "outlet": f.outlet,
        "date_from": f.date_from,
        "date_to": f.date_to,
        "doc_id": f.doc_id,
        "speaker": f.speaker,
        "person": f.person,
        "org": f.org,
        "place": f.place,
        "story": f.story,
        "language": f.language,
        "group": request.group,
        "highlight": request.highlight,
        "offset": request.offset,
        "sort": request.sort,
        "recency": request.recency,
        "facets": request.facets,
        "date_bucket": request.date_bucket,
    }
    return {k: v for k, v in body.items() if v is not None}


def _quotes_params(speaker: str, question: str | None, k: int) -> dict[str, Any]:
    params: dict[str, Any] = {"speaker": speaker, "k": k}
    if question:
        params["q"] = question
    return params


def _stories_params(since: str | None, limit: int, at_least: int) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "at_least": at_least}
    if since:
        params["since"] = since
    return params


def _timeline_params(question: str, story: str | None, k: int) -> dict[str, Any]:
    params: dict[str, Any] = {"q": question, "k": k}
    if story:
        params["story"] = story
    return params


def _articles_body(articles: list[Article]) -> list[dict[str, str]]:
    fields = ("title", "url", "date", "outlet")
    return [
        {"id": a.doc_id, "text": a.text}
        | {name: value for name in fields if (value := getattr(a, name))}
        for a in articles
    ]


def _reply(response: Any) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400:
        message = (data or {}).get("error", {}).get("message") if isinstance(data, dict) else None
        raise ServerError(
            f"server said {response.status_code}: {message or response.text[:200]}",
            status=response.status_code,
        )
    return data


def _unreachable(base_url: str, exc: Exception) -> ServerError:
    return ServerError(
        f"cannot reach the server at {base_url} ({exc.__class__.__name__}) — is `newsearch "
        "serve` running there?"
    )


def _similar_path(doc_id: str) -> str:
    from urllib.parse import quote

    return f"/documents/{quote(doc_id, safe='/')}/similar"


class Client:
    """`with Client("http://127.0.0.1:8000") as c: c.search(SearchRequest("..."))`."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url, timeout=TIMEOUT_S, headers=_headers(api_key)
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from None
        return _reply(response)

    def search(self, request: SearchRequest) -> SearchResponse:
        """The server's answer to the request, as NewsIndex.search would give it."""
        return SearchResponse.from_dict(self._call("POST", "/search", json=_search_body(request)))

    def similar(self, doc_id: str, k: int = 10) -> SearchResponse:
        """Articles like this one, as NewsIndex.similar would give them."""
        data = self._call("GET", _similar_path(doc_id), params={"k": k})
        return SearchResponse.from_dict(data)

    def quotes(self, speaker: str, question: str | None = None, k: int = 20) -> list[QuoteResult]:
        """A speaker's quotes, as NewsIndex.quotes would give them."""
        data = self._call("GET", "/quotes", params=_quotes_params(speaker, question, k))
        return [QuoteResult.from_dict(q) for q in data["quotes"]]

    def stories(
        self, since: str | None = None, limit: int = 20, at_least: int = 2
    ) -> list[StoryRow]:
        """Stories, newest first, as NewsIndex.stories would give them."""
        data = self._call("GET", "/stories", params=_stories_params(since, limit, at_least))
        return [StoryRow(**s) for s in data["stories"]]

    def timeline(self, question: str, story: str | None = None, k: int = 20) -> Timeline:
        """A story's passages that answer the question, as NewsIndex.timeline gives them."""
        data = self._call("GET", "/timeline", params=_timeline_params(question, story, k))
        return Timeline.from_dict(data)

    def add(self, articles: list[Article]) -> list[WrittenDocument]:
        """Adds or replaces the articles (one transaction); what happened to each."""
        return self.write(articles).documents

    def write(self, articles: list[Article]) -> Written:
        """As add, with the warnings the server's write gave."""
        return Written.from_dict(self._call("POST", "/documents", json=_articles_body(articles)))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient:
    """`async with AsyncClient(url) as c: await c.search(SearchRequest("..."))`."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=TIMEOUT_S, headers=_headers(api_key)
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from None
        return _reply(response)

    async def search(self, request: SearchRequest) -> SearchResponse:
        data = await self._call("POST", "/search", json=_search_body(request))
        return SearchResponse.from_dict(data)

    async def similar(self, doc_id: str, k: int = 10) -> SearchResponse:
        data = await self._call("GET", _similar_path(doc_id), params={"k": k})
        return SearchResponse.from_dict(data)

    async def quotes(
        self, speaker: str, question: str | None = None, k: int = 20
    ) -> list[QuoteResult]:
        data = await self._call("GET", "/quotes", params=_quotes_params(speaker, question, k))
        return [QuoteResult.from_dict(q) for q in data["quotes"]]

    async def stories(
        self, since: str | None = None, limit: int = 20, at_least: int = 2
    ) -> list[StoryRow]:
        data = await self._call("GET", "/stories", params=_stories_params(since, limit, at_least))
        return [StoryRow(**s) for s in data["stories"]]

    async def timeline(self, question: str, story: str | None = None, k: int = 20) -> Timeline:
        data = await self._call("GET", "/timeline", params=_timeline_params(question, story, k))
        return Timeline.from_dict(data)

    async def add(self, articles: list[Article]) -> list[WrittenDocument]:
        return (await self.write(articles)).documents

    async def write(self, articles: list[Article]) -> Written:
        data = await self._call("POST", "/documents", json=_articles_body(articles))
        return Written.from_dict(data)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
