"""The search page, the article page and their static files (HTML stays out of the OpenAPI
schema; the JSON API under /documents is unchanged)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from service.api.deps import IndexDep, Reader
from service.api.schemas import FacetsOut, OutletCount

router = APIRouter()
# The pages load only their own scripts and styles: no inline script can run, so even an
# escaping bug could not execute a passage's <script>.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}


def _asset(name: str) -> str:
    return resources.files("service.web").joinpath(name).read_text(encoding="utf-8")


@router.get("/", include_in_schema=False)
def search_page() -> HTMLResponse:
    return HTMLResponse(_asset("index.html"), headers=SECURITY_HEADERS)


@router.get("/read/{doc_id:path}", include_in_schema=False)
def article_page(doc_id: str) -> HTMLResponse:
    return HTMLResponse(_asset("article.html"), headers=SECURITY_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    # a fixed allow-list: no path from the client ever reaches the file system
    if name not in {"app.js", "article.js", "style.css"}:
        return Response(status_code=404)
    media = STATIC_TYPES[name[name.rfind(".") :]]
    return Response(
        _asset(name), media_type=media, headers={**SECURITY_HEADERS, "Cache-Control": "max-age=300"}
    )


@router.get("/facets", response_model=FacetsOut, dependencies=[Reader], tags=["search"])
def facets(index: IndexDep) -> FacetsOut:
    """Outlets (for the filter), counts and example questions for the search page."""
    docs, passages = index.counts()
    return FacetsOut(
        documents=docs,
        passages=passages,
        outlets=[OutletCount(name=n, documents=c) for n, c in index.outlets()],
        examples=index.example_questions(),
    )
