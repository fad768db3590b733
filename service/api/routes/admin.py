"""/health and /stats."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.deps import IndexDep, Reader, SettingsDep, Writer
from service.api.schemas import ErrorOut, HealthOut, SnapshotOut, StatsOut
from service.maintenance import prune_snapshots, snapshot

router = APIRouter(tags=["service"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(request: Request) -> JSONResponse:
    """200 only once the model and the index are loaded, and while the database passes its
    checks; 503 with the status "starting" or "damaged" (and what to do) otherwise."""
    state = request.app.state
    upkeep = getattr(state, "upkeep", None)
    if upkeep is not None and upkeep.damaged:
        return JSONResponse({"status": "damaged", "message": upkeep.damaged}, status_code=503)
    if not getattr(state, "ready", False):
        return JSONResponse({"status": "starting"}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get(
    "/metrics",
    dependencies=[Reader],
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus metrics"}},
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency by route, the index's size and generation."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/stats", response_model=StatsOut, dependencies=[Reader], responses={401: {"model": ErrorOut}}
)
def stats(request: Request, index: IndexDep) -> StatsOut:
    """Article and passage counts, the model, the index size, the articles' languages and the
    uptime."""
    s = index.stats()
    return StatsOut(
        documents=s.documents,
        passages=s.passages,
        model=s.model,
        dim=s.dim,
        index_dir=s.index_dir,
        index_size_bytes=s.size_bytes,
        generation=s.generation,
        vector_search=s.vector_search,
        languages=s.languages,
        second_model=s.second_model,
        uptime_s=round(time.monotonic() - request.app.state.started, 1),
    )


@router.post(
    "/snapshot",
    response_model=SnapshotOut,
    dependencies=[Writer],
    responses={401: {"model": ErrorOut}},
)
def make_snapshot(index: IndexDep, settings: SettingsDep) -> SnapshotOut:
    """A consistent copy of the live index in the server's snapshot folder (never a path the
    client names), keeping the newest `--keep-snapshots`; `newsearch serve --index-dir PATH`
    opens one."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    info = snapshot(settings, settings.snapshots() / f"snapshot-{stamp}")
    prune_snapshots(settings.snapshots(), settings.keep_snapshots)
    return SnapshotOut(
        path=info.path, documents=info.documents, passages=info.passages, generation=info.generation
    )
