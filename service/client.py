"""A small HTTP client for a running `newsearch serve`, used by `ask --server` and `add`."""

from __future__ import annotations

from typing import Any

from service.errors import NewsearchError
from service.records import Article

TIMEOUT_S = 120.0


class ServerError(NewsearchError):
    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class Client:
    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
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

    def search(self, request: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in request.items() if v is not None}
        result: dict[str, Any] = self._call("POST", "/search", json=body)
        return result

    def add(self, articles: list[Article]) -> dict[str, Any]:
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
        result: dict[str, Any] = self._call("POST", "/documents", json=payload)
        return result

    def close(self) -> None:
        self._http.close()
