"""The search page, the article page and their static files (HTML stays out of the OpenAPI
schema; the JSON API under /documents is unchanged)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from service.api.deps import IndexDep, Reader
from service.api.schemas import IndexFacetsOut, LanguageCount, OutletCount
from service.errors import MissingDependency

router = APIRouter()
# The pages load only their own scripts and styles: no inline script can run, so even an
# escaping bug could not execute a passage's <script>.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
OWN_STATIC = {"app.js", "article.js", "docs.js", "style.css"}
# Swagger UI for /docs comes inside the fastapi-offline package, so the docs work offline
SWAGGER_STATIC = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}


def _asset(name: str) -> str:
    return resources.files("service.web").joinpath(name).read_text(encoding="utf-8")


@router.get("/", include_in_schema=False)
def search_page() -> HTMLResponse:
    return HTMLResponse(_asset("index.html"), headers=SECURITY_HEADERS)


@router.get("/read/{doc_id:path}", include_in_schema=False)
def article_page(doc_id: str) -> HTMLResponse:
    return HTMLResponse(_asset("article.html"), headers=SECURITY_HEADERS)


@router.get("/docs", include_in_schema=False)
def api_docs() -> HTMLResponse:
    return HTMLResponse(_asset("docs.html"), headers=SECURITY_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    # a fixed allow-list: no path from the client ever reaches the file system
    if name not in OWN_STATIC:
        return Response(status_code=404)
    return _static(_asset(name).encode("utf-8"), name, max_age=300)


@router.get("/static/swagger/{name}", include_in_schema=False)
def swagger_file(name: str) -> Response:
    if name not in SWAGGER_STATIC:
        return Response(status_code=404)
    return _static(_swagger_asset(name), name, max_age=86400)


def _static(body: bytes, name: str, *, max_age: int) -> Response:
    media = STATIC_TYPES[name[name.rfind(".") :]]
    headers = {**SECURITY_HEADERS, "Cache-Control": f"max-age={max_age}"}
    return Response(body, media_type=media, headers=headers)


@lru_cache(maxsize=len(SWAGGER_STATIC))
def _swagger_asset(name: str) -> bytes:
    try:
        return resources.files("fastapi_offline").joinpath("static", name).read_bytes()
    except ModuleNotFoundError:
        raise MissingDependency("the API docs page", "fastapi-offline") from None


@router.get("/facets", response_model=IndexFacetsOut, dependencies=[Reader], tags=["search"])
def facets(index: IndexDep) -> IndexFacetsOut:
    """Outlets and languages (for the filters), counts and example questions for the search
    page."""
    docs, passages = index.counts()
    return IndexFacetsOut(
        documents=docs,
        passages=passages,
        outlets=[OutletCount(name=n, documents=c) for n, c in index.outlets()],
        languages=[LanguageCount(language=n, documents=c) for n, c in index.languages()],
        examples=index.example_questions(),
    )
