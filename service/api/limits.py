"""ASGI middleware that bounds a request body: over the size limit it gets 413 (Content-Length
is checked first, then the body is read, never more than the limit, before the app sees it),
and a body that does not arrive in time gets 408 and the connection is closed."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from service.errors import NewsearchError, PayloadTooLarge

Message = dict[str, Any]


class RequestTimeout(NewsearchError):
    status = 408
    code = "request_timeout"


class BodyLimit:
    def __init__(self, app: Any, max_bytes: int, timeout: float = 60.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await send_error(send, PayloadTooLarge.for_size(declared, self.max_bytes))
                    return
        chunks: list[bytes] = []
        seen = 0
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message: Message = await asyncio.wait_for(
                    receive(), max(0.0, deadline - time.monotonic())
                )
            except TimeoutError:
                late = RequestTimeout(f"the request body did not arrive in {self.timeout:g} s")
                await send_error(send, late)
                return
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                await send_error(send, PayloadTooLarge.for_size(seen, self.max_bytes))
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], then=receive), send)


async def send_error(send: Any, error: NewsearchError, *, close: bool = True) -> None:
    """The one error shape, answered at the ASGI level (before the app and its handlers);
    with `close`, the connection is not kept alive (the rest of the request is unread)."""
    body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], then: Any = None) -> Any:
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            result: Message = await then()
            return result
        return {"type": "http.disconnect"}

    return receive
