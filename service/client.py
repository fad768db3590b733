"""A client for a running `newsearch serve`: the same requests and typed replies as the
library (SearchRequest in, SearchResponse out), over HTTP. `ask --server` and `add` use it."""

from __future__ import annotations

from typing import Any

from service.errors import ServerError
from service.records import Article, SearchResponse, WrittenDocument
from service.search import SearchRequest

TIMEOUT_S = 120.0


class Client:
    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        # the header every write needs from a client that is not a page (service.api.guards)
        headers = {"X-Newsearch-Client": "newsearch"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(base_url=self.base_url, timeout=TIMEOUT_S, headers=headers)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServerError(
                f"cannot reach the server at {self.base_url} ({exc.__class__.__name__}) — "
                "is `newsearch serve` running there?"
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            message = (
                (data or {}).get("error", {}).get("message") if isinstance(data, dict) else None
            )
            raise ServerError(
                f"server said {response.status_code}: {message or response.text[:200]}",
                status=response.status_code,
            )
        return data

    def search(self, request: SearchRequest) -> SearchResponse:
        """The server's answer to the request, as NewsIndex.search would give it."""
        f = request.filters
        body = {
            "query": request.query,
            "k": request.k,
            "mode": request.mode,
            "outlet": f.outlet,
            "date_from": f.date_from,
            "date_to": f.date_to,
            "doc_id": f.doc_id,
            "group": request.group,
            "highlight": request.highlight,
        }
        data = self._call("POST", "/search", json={k: v for k, v in body.items() if v is not None})
        return SearchResponse.from_dict(data)

    def add(self, articles: list[Article]) -> list[WrittenDocument]:
        """Adds or replaces the articles; what happened to each."""
        payload = [
            {
                k: v
                for k, v in {
                    "id": a.doc_id,
                    "text": a.text,
                    "title": a.title or None,
                    "url": a.url,
                    "date": a.date,
                    "outlet": a.outlet,
                }.items()
                if v is not None
            }
            for a in articles
        ]
        data = self._call("POST", "/documents", json=payload)
        return [WrittenDocument(**doc) for doc in data["documents"]]

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
