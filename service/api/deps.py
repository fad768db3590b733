"""FastAPI dependencies: the open index, and the API-key checks for writes (and reads). They
are coroutines because none of them waits on anything: a plain function would cost each
request a trip to the worker threads and back before its handler starts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.api.keys import KeyCheck
from service.config import Settings
from service.errors import IndexDamaged, NotReady, ReadOnly
from service.newsindex import NewsIndex


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_index(request: Request) -> NewsIndex:
    index: NewsIndex | None = getattr(request.app.state, "index", None)
    if index is None or not request.app.state.ready:
        raise NotReady("the index is still loading; retry in a moment")
    return index


def _check_key(request: Request, settings: Settings) -> None:
    keys: KeyCheck = request.app.state.keys
    address = request.client.host if request.client else "unknown"
    keys.check(request.headers.get("authorization", ""), address)


async def require_writer(request: Request) -> None:
    settings: Settings = request.app.state.settings
    _check_key(request, settings)
    upkeep = getattr(request.app.state, "upkeep", None)
    if upkeep is not None and upkeep.damaged:
        raise IndexDamaged(upkeep.damaged)
    if settings.read_only:
        raise ReadOnly(
            "this server is read-only (replicas of `newsearch serve --ray` share one snapshot): "
            "index with `newsearch index` on the writer, then restart the replicas"
        )


async def require_reader(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if settings.protect_reads:
        _check_key(request, settings)


IndexDep = Annotated[NewsIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Writer = Depends(require_writer)
Reader = Depends(require_reader)
