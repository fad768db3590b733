"""The HTTP service: `create_app(settings)` assembles the FastAPI app; nothing is read from the
environment or opened at import time."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.api.errors import install_error_handlers
from service.api.limits import BodyLimit
from service.api.routes import admin, documents, search, web
from service.config import Settings
from service.newsindex import NewsIndex

log = logging.getLogger("newsearch.api")
FLUSH_SECONDS = 5.0  # how often a changed FAISS file is saved; SQLite already holds every write


def create_app(settings: Settings, *, index: NewsIndex | None = None) -> FastAPI:
    """The app over `settings.index_dir` (opened writable at start-up), or over a given index."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.started = time.monotonic()
        app.state.ready = False
        own = index is None
        opened = index or NewsIndex.open(settings, writable=True, create=True)
        opened.encoder.encode_query("warm up")  # load the model before /health says ok
        app.state.index = opened
        app.state.ready = True
        stop = threading.Event()
        flusher = threading.Thread(target=_flush_loop, args=(opened, stop), daemon=True)
        flusher.start()
        try:
            yield
        finally:
            app.state.ready = False
            stop.set()
            flusher.join(timeout=10)
            if own:
                opened.close()
            else:
                opened.flush()

    app = FastAPI(
        title="newsearch",
        version="0.1.0",
        summary="Semantic search over news archives.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.ready = False
    app.state.started = time.monotonic()
    install_error_handlers(app)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(admin.router)
    app.include_router(web.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def _flush_loop(index: NewsIndex, stop: threading.Event) -> None:
    while not stop.wait(FLUSH_SECONDS):
        try:
            index.flush()
        except Exception:  # a failed save is retried; SQLite still has every write
            log.exception("saving the vectors failed; will retry")
