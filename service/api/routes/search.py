"""GET and POST /search: both end in NewsIndex.search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import IndexDep, Reader
from service.api.schemas import ErrorOut, Mode, SearchBody, SearchOut
from service.errors import InputError
from service.search import SearchRequest
from service.store import Filters

router = APIRouter(tags=["search"], dependencies=[Reader])
ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorOut, "description": "invalid query, k, mode or date"},
    401: {"model": ErrorOut, "description": "API key required (with --protect-reads)"},
    503: {"model": ErrorOut, "description": "still loading"},
}


def run_search(index: IndexDep, body: SearchBody) -> SearchOut:
    if body.outlet and body.source and body.outlet != body.source:
        raise InputError("give outlet or source, not two different values")
    filters = Filters(
        outlet=body.outlet or body.source,
        date_from=body.date_from,
        date_to=body.date_to,
        doc_id=body.doc_id,
    )
    request = SearchRequest(body.query, body.k, body.mode, filters, body.group, body.highlight)
    return SearchOut.model_validate(index.search(request).to_dict())


@router.get("/search", response_model=SearchOut, responses=ERRORS)
def search_get(
    index: IndexDep,
    q: Annotated[str, Query(description="the question")],
    k: Annotated[int, Query(description="number of results, 1-100")] = 10,
    mode: Mode = "hybrid",
    outlet: str | None = None,
    source: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    doc_id: str | None = None,
    group: bool = True,
    highlight: bool = True,
) -> SearchOut:
    body = SearchBody(
        query=q,
        k=k,
        mode=mode,
        outlet=outlet,
        source=source,
        date_from=date_from,
        date_to=date_to,
        doc_id=doc_id,
        group=group,
        highlight=highlight,
    )
    return run_search(index, body)


@router.post("/search", response_model=SearchOut, responses=ERRORS)
def search_post(index: IndexDep, body: SearchBody) -> SearchOut:
    return run_search(index, body)
