"""/health and /stats."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api.deps import IndexDep, Reader
from service.api.schemas import ErrorOut, HealthOut, StatsOut

router = APIRouter(tags=["service"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(request: Request) -> JSONResponse:
    """200 only once the model and the index are loaded."""
    ready = bool(getattr(request.app.state, "ready", False))
    return JSONResponse(
        {"status": "ok" if ready else "starting"}, status_code=200 if ready else 503
    )


@router.get(
    "/stats", response_model=StatsOut, dependencies=[Reader], responses={401: {"model": ErrorOut}}
)
def stats(request: Request, index: IndexDep) -> StatsOut:
    s = index.stats()
    return StatsOut(
        documents=s.documents,
        passages=s.passages,
        model=s.model,
        dim=s.dim,
        index_dir=s.index_dir,
        index_size_bytes=s.size_bytes,
        generation=s.generation,
        uptime_s=round(time.monotonic() - request.app.state.started, 1),
    )
