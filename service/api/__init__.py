"""The HTTP service: `create_app(settings)` assembles the FastAPI app; nothing is read from the
environment or opened at import time."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from service.api.errors import install_error_handlers
from service.api.guards import Guards, allowed_hosts
from service.api.keys import KeyCheck
from service.api.limits import BodyLimit
from service.api.observe import Metrics, Observer
from service.api.routes import admin, documents, search, web
from service.api.schemas import ErrorOut
from service.api.upkeep import Upkeep
from service.config import Settings
from service.errors import NewsearchError
from service.newsindex import NewsIndex

log = logging.getLogger("newsearch.api")


def create_app(settings: Settings, *, index: NewsIndex | None = None) -> FastAPI:
    """The app over `settings.index_dir` (opened writable at start-up), or over a given index."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.started = time.monotonic()
        app.state.ready = False
        # A bounded worker pool: each worker thread keeps one SQLite connection, so memory stays
        # flat under load (and two cores gain nothing from forty threads).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.workers
        own = index is None
        writable = not settings.read_only
        opened = index or NewsIndex.open(settings, writable=writable, create=writable)
        opened.encoder.encode_query("warm up")  # load the model before /health says ok
        upkeep = Upkeep(opened, settings)
        app.state.index = opened
        app.state.upkeep = upkeep
        app.state.ready = True
        upkeep.start()
        documents, passages = opened.counts()
        log.info(
            "ready: %s articles, %s passages in '%s' (%s, %s search)",
            f"{documents:,}",
            f"{passages:,}",
            opened.index_dir,
            opened.model,
            opened.vectors.kind,
        )
        try:
            yield
        finally:
            app.state.ready = False
            upkeep.stop()
            served = int(sum(s.value for s in _samples(metrics, "newsearch_requests_total")))
            uptime = time.monotonic() - app.state.started
            log.info("stopping after %s requests in %.0f s", f"{served:,}", uptime)
            if own:
                try:
                    opened.close()
                except NewsearchError as exc:  # damage found at the last check: say so
                    log.error("%s", exc.message)
            else:
                opened.flush()

    app = FastAPI(
        title="newsearch",
        version="0.1.0",
        summary="Semantic search over news archives.",
        lifespan=lifespan,
        docs_url=None,  # served by routes/web.py from bundled files, under the page's CSP
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.keys = KeyCheck(settings.api_key)
    metrics = Metrics(lambda: _facts(app))
    app.state.metrics = metrics
    app.state.ready = False
    app.state.started = time.monotonic()
    install_error_handlers(app)
    for router in (search.router, documents.router, admin.router, web.router):
        app.include_router(router, responses=COMMON_ERRORS)
    _document_limits(app, settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Newsearch-Client"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)
    app.add_middleware(Guards, hosts=allowed_hosts(settings.host, settings.allowed_hosts))
    app.add_middleware(Observer, metrics=metrics)  # outermost: refused requests count too
    return app


def _facts(app: FastAPI) -> tuple[int, int, int] | None:
    """(articles, passages, write generation) for the metrics, once the index is open."""
    index: NewsIndex | None = getattr(app.state, "index", None)
    if index is None or not app.state.ready:
        return None
    documents, passages = index.counts()
    return documents, passages, index.store.generation()


def _samples(metrics: Metrics, name: str) -> list[Any]:
    return [s for m in metrics.registry.collect() for s in m.samples if s.name == name]


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "body is not parseable JSON, or a Host not allowed"},
    401: {"model": ErrorOut, "description": "API key required"},
    403: {"model": ErrorOut, "description": "a write without a JSON body or client header"},
    429: {"model": ErrorOut, "description": "too many wrong API keys from this address"},
    413: {"model": ErrorOut, "description": "request body over the size limit"},
    422: {"model": ErrorOut, "description": "invalid request"},
    503: {"model": ErrorOut, "description": "still loading"},
}


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """Puts the configured query length limit into the OpenAPI schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            props = schema["components"]["schemas"]["SearchBody"]["properties"]
            props["query"]["maxLength"] = settings.max_query_chars
            for param in schema["paths"]["/search"]["get"]["parameters"]:
                if param["name"] == "q":
                    param["schema"]["maxLength"] = settings.max_query_chars
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
