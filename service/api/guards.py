"""ASGI guards in front of the app, for a service a browser or a network can reach: the Host
header must be one the server answers to (a DNS-rebinding page names its own), and a request
that changes state must be one no page on another site can make a browser send without the
server's consent (a JSON body or a newsearch header: both need a CORS preflight, which the
server refuses unless --cors-origin allows it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.api.limits import send_error
from service.errors import CrossSite, HostNotAllowed, NewsearchError

LOOPBACK = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")
CLIENT_HEADER = b"x-newsearch-client"
UNSAFE = {"POST", "PUT", "DELETE", "PATCH"}


def allowed_hosts(bind: str, extra: Iterable[str]) -> frozenset[str]:
    """The Host names a server answers to: loopback, the address it binds (unless that is every
    address), and the ones given (`--allowed-host`; `*` allows any)."""
    names = {*LOOPBACK, *(h.strip().lower() for h in extra if h.strip())}
    if bind not in WILDCARD_BINDS:
        names.add(bind.lower())
    return frozenset(names)


def host_name(value: str) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "::1")."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guards:
    def __init__(self, app: Any, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        error = self._refusal(scope, headers)
        if error is not None:
            await send_error(send, error, close=False)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: dict[str, Any], headers: dict[bytes, bytes]) -> NewsearchError | None:
        host = headers.get(b"host")
        if host is not None and "*" not in self.hosts:
            name = host_name(host.decode("latin-1"))
            if name not in self.hosts:
                return HostNotAllowed(
                    f"this server does not answer to the host {name!r}; start it with "
                    f"`newsearch serve --allowed-host {name}` if that name is its own"
                )
        if scope.get("method") in UNSAFE:
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind != b"application/json" and CLIENT_HEADER not in headers:
                return CrossSite(
                    "a request that changes the index needs a JSON body (Content-Type: "
                    "application/json) or an X-Newsearch-Client header; a page on another "
                    "site cannot make a browser send either"
                )
        return None
