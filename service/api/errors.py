"""One error shape everywhere: {"error": {"code", "message"}}. Handlers never echo the
client's input back, so a body the JSON encoder cannot write (a lone surrogate, NaN) cannot
turn a 422 into a 500."""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import NewsearchError, TooManyAttempts
from service.store.failures import translate

log = logging.getLogger("newsearch.api")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NewsearchError)
    async def newsearch_error(_: Request, exc: NewsearchError) -> JSONResponse:
        if exc.status >= 500:
            log.error("server-side error: %s", exc.message)
        headers = None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after)}
        return error_response(exc.status, exc.code, exc.message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_input", _describe(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            # one path may be served by several routes (GET and POST /documents): Allow
            # lists every method any of them takes, as RFC 9110 asks
            headers = {"Allow": ", ".join(allowed_methods(app, request))}
        return error_response(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(sqlite3.Error)
    async def database_error(_: Request, exc: sqlite3.Error) -> JSONResponse:
        error = translate(exc)
        log.error("database error: %s (%s)", exc, error.code)
        return error_response(error.status, error.code, error.message)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "internal", "internal error; see the server log")


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    from starlette.routing import Match

    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed
