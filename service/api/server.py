"""`newsearch serve`: uvicorn with the connection hygiene a server that may face a network needs.
uvicorn alone waits for ever on a client that sends its request head slowly (or not at all),
so each connection here has a deadline for the head of every request; connections past a cap
get a 503 at once; the body deadline and size limit are in service.api.limits."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.api import create_app
from service.config import Settings
from service.heap import limit_malloc_arenas
from service.logs import configure

log = logging.getLogger("newsearch.api")
_SPARE_FILES = 64  # file descriptors kept for the index, the model and logs


def _raw_response(status: str, code: str, message: str) -> bytes:
    """A whole HTTP response in the one error shape, written past the parser (no request
    was read)."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


TOO_SLOW = _raw_response(
    "408 Request Timeout", "request_timeout", "the request head did not arrive in time"
)
TOO_MANY = _raw_response(
    "503 Service Unavailable", "too_many_connections", "the server holds too many connections"
)
LINGER_SECONDS = 2.0  # how long a refused connection's unread input is drained


MAX_HEAD_BYTES = 16 * 1024  # llhttp has no limit of its own; h11's, which we used to run


class Guarded(asyncio.Protocol):
    """What uvicorn's HTTP protocols lack for a server that may face a network: a deadline for
    each request head, a cap on its size and on connections (both set on the class by
    `serve`). Mixed into a protocol class before it: see GuardedHttpToolsProtocol."""

    header_timeout: float = 10.0
    max_connections: int = 4096
    connections: set[Any]
    cycle: Any
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._lingering = False
        self._head_bytes = 0
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.write(TOO_MANY)
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # a refused request's rest: read and dropped
        super().data_received(data)
        if self._lingering or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # the head is in: the app (and the body deadline) take over
            return
        if self._deadline is None:
            self._arm()  # the next request's head has begun to arrive
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self.send_400_response("the request head is over 16 KB")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._head_bytes = 0
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def send_400_response(self, msg: str) -> None:
        """A malformed or oversized request head: the error in the one shape, then a lingering
        close. Closing with the client's request still unread would reset the connection,
        and a reset can discard the answer before the client reads it."""
        self._disarm()
        self.transport.write(_raw_response("400 Bad Request", "bad_request", msg))
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.write(TOO_SLOW)
            self.transport.close()


class GuardedHttpToolsProtocol(Guarded, HttpToolsProtocol):
    """uvicorn's protocol on httptools (llhttp, Node.js's parser, in C), guarded. It serves
    more searches a second than the pure-Python h11 under concurrent clients, on uvloop's
    event loop (uvicorn's choice when uvloop is installed; bench/serving.py)."""


def open_files_limit() -> int:
    """Raises this process's soft limit of open files to its hard limit (every connection is
    one); returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return int(soft)


def uvicorn_config(settings: Settings, app: Any = None) -> uvicorn.Config:
    """The uvicorn configuration `newsearch serve` runs with."""
    files = open_files_limit()
    protocol = type(
        "NewsearchProtocol",
        (GuardedHttpToolsProtocol,),
        {
            "header_timeout": settings.header_timeout,
            "max_connections": max(1, min(settings.max_connections, files - _SPARE_FILES)),
        },
    )
    return uvicorn.Config(
        app if app is not None else create_app(settings),
        host=settings.host,
        port=settings.port,
        http=protocol,
        timeout_keep_alive=int(max(1, settings.keep_alive_seconds)),
        log_level="warning",
    )


def serve(settings: Settings) -> None:
    configure(settings.log_format)
    limit_malloc_arenas()  # before the worker threads start
    log.info(
        "serving '%s' on http://%s:%s (the page at /, API docs at /docs, metrics at /metrics)",
        settings.index_dir,
        settings.host,
        settings.port,
    )
    uvicorn.Server(uvicorn_config(settings)).run()
