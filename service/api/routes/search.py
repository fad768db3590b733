"""GET and POST /search: both end in NewsIndex.search; GET /quotes, /stories and /timeline in
NewsIndex.quotes, .stories and .timeline."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from service.api.deps import IndexDep, Reader
from service.api.schemas import (
    DOC_ID_PATTERN,
    NOT_BLANK,
    Bucket,
    ErrorOut,
    IsoDate,
    QuoteOut,
    QuotesOut,
    SearchBody,
    SearchOut,
    StoriesOut,
    StoryOut,
    TimelineOut,
)
from service.errors import InputError
from service.search import (
    HALF_LIFE_DAYS,
    MAX_DEPTH,
    MAX_K,
    MAX_NAME_CHARS,
    Filters,
    Mode,
    SearchRequest,
    Sort,
)
from service.stories import MAX_LIST

router = APIRouter(tags=["search"], dependencies=[Reader])
NameQuery = Annotated[
    str | None, Query(max_length=MAX_NAME_CHARS, description="a name: its words match")
]
ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorOut, "description": "invalid query, k, mode or date"},
    401: {"model": ErrorOut, "description": "API key required (with --protect-reads)"},
    503: {"model": ErrorOut, "description": "still loading"},
}


def only_known(request: Request, path: str, names: list[str]) -> None:
    """A GET refuses a parameter it does not take, as a POST body refuses a field."""
    unknown = sorted(set(request.query_params) - set(names))
    if unknown:
        raise InputError(f"GET {path} has no parameter {unknown[0]!r}; it takes {', '.join(names)}")


def json_reply(model: BaseModel) -> Response:
    """The reply's JSON, made in the worker thread that made the reply: returned as a model,
    FastAPI would check it again and serialise it on further trips through the worker pool."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


def run_search(index: IndexDep, body: SearchBody) -> Response:
    if body.outlet and body.source and body.outlet != body.source:
        # both filters apply, and no passage has two different sources
        empty = SearchOut(query=body.query.strip(), mode=body.mode, results=[], took_ms=0.0)
        return json_reply(empty)
    filters = Filters(
        outlet=body.outlet or body.source,
        date_from=body.date_from.isoformat() if body.date_from else None,
        date_to=body.date_to.isoformat() if body.date_to else None,
        doc_id=body.doc_id,
        speaker=body.speaker,
        person=body.person,
        org=body.org,
        place=body.place,
        story=body.story,
        language=body.language,
    )
    request = SearchRequest(
        body.query,
        body.k,
        body.mode,
        filters,
        body.group,
        body.highlight,
        offset=body.offset,
        sort=body.sort,
        recency=body.recency,
        facets=body.facets,
        date_bucket=body.date_bucket,
    )
    # read straight from the result's dataclasses: to_dict() would copy them first
    return json_reply(SearchOut.model_validate(index.search(request), from_attributes=True))


@router.get("/search", response_model=SearchOut, responses=ERRORS)
def search_get(
    request: Request,
    index: IndexDep,
    q: Annotated[str, Query(min_length=1, pattern=NOT_BLANK, description="the question")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="number of results")] = 10,
    mode: Mode = "hybrid",
    outlet: Annotated[str | None, Query(max_length=512)] = None,
    source: Annotated[str | None, Query(max_length=512)] = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    doc_id: Annotated[str | None, Query(max_length=512, pattern=DOC_ID_PATTERN)] = None,
    speaker: NameQuery = None,
    person: NameQuery = None,
    org: NameQuery = None,
    place: NameQuery = None,
    story: Annotated[str | None, Query(max_length=512)] = None,
    language: Annotated[str | None, Query(max_length=512)] = None,
    group: bool = True,
    highlight: bool = True,
    offset: Annotated[int, Query(ge=0, le=MAX_DEPTH - 1, description="results to skip")] = 0,
    sort: Sort = "relevance",
    recency: Annotated[
        float | None,
        Query(ge=HALF_LIFE_DAYS[0], le=HALF_LIFE_DAYS[1], description="half-life in days"),
    ] = None,
    facets: bool = False,
    date_bucket: Bucket = "month",
) -> Response:
    """The passages that answer the question `q`, best first (filters apply inside the
    search). The query language (phrases, -exclusions, OR, outlet:, after:, before:) is in
    the search guide; an unknown parameter is refused, as in POST /search."""
    only_known(request, "/search", ["q", *(n for n in SearchBody.model_fields if n != "query")])
    body = SearchBody(
        query=q,
        k=k,
        mode=mode,
        outlet=outlet,
        source=source,
        date_from=date_from,
        date_to=date_to,
        doc_id=doc_id,
        speaker=speaker,
        person=person,
        org=org,
        place=place,
        story=story,
        language=language,
        group=group,
        highlight=highlight,
        offset=offset,
        sort=sort,
        recency=recency,
        facets=facets,
        date_bucket=date_bucket,
    )
    return run_search(index, body)


@router.post("/search", response_model=SearchOut, responses=ERRORS)
def search_post(index: IndexDep, body: SearchBody) -> Response:
    """As GET /search, with the request as a JSON body."""
    return run_search(index, body)


@router.get("/quotes", response_model=QuotesOut, responses=ERRORS, tags=["quotes"])
def quotes_get(
    request: Request,
    index: IndexDep,
    speaker: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_NAME_CHARS,
            pattern=NOT_BLANK,
            description="who said it; a name matches by its words (Blinken: Antony Blinken)",
        ),
    ],
    q: Annotated[
        str | None,
        Query(min_length=1, pattern=NOT_BLANK, description="only quotes that answer this"),
    ] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="number of quotes")] = 20,
) -> QuotesOut:
    """The speaker's quotes, newest first; the same quote in several outlets is one, with
    also_reported_by. With `q`, only those in the passages that best answer it."""
    only_known(request, "/quotes", ["speaker", "q", "k"])
    found = index.quotes(speaker, q, k)
    return QuotesOut(
        speaker=speaker.strip(), query=q, quotes=[QuoteOut(**x.to_dict()) for x in found]
    )


@router.get("/stories", response_model=StoriesOut, responses=ERRORS, tags=["quotes"])
def stories_get(
    request: Request,
    index: IndexDep,
    since: IsoDate | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST, description="stories listed")] = 20,
    at_least: Annotated[int, Query(ge=1, le=MAX_LIST, description="articles a story has")] = 2,
) -> StoriesOut:
    """Stories (articles that report one event), newest first, with their outlets, first
    and last dates and a headline; with `since`, those with an article on or after it."""
    only_known(request, "/stories", ["since", "limit", "at_least"])
    found = index.stories(since.isoformat() if since else None, limit, at_least)
    return StoriesOut(stories=[StoryOut(**asdict(s)) for s in found])


@router.get(
    "/timeline",
    response_model=TimelineOut,
    responses={**ERRORS, 404: {"model": ErrorOut, "description": "no such story"}},
    tags=["quotes"],
)
def timeline_get(
    request: Request,
    index: IndexDep,
    q: Annotated[str, Query(min_length=1, pattern=NOT_BLANK, description="the question")],
    story: Annotated[
        str | None, Query(max_length=512, description="default: the best answer's")
    ] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="passages")] = 20,
) -> TimelineOut:
    """A story's passages that answer `q`, oldest first; each quote names the outlet that
    reported it first."""
    only_known(request, "/timeline", ["q", "story", "k"])
    return TimelineOut.model_validate(index.timeline(q, story, k).to_dict())
