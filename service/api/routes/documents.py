"""/documents: add, replace, delete, read and page through articles."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.convertors import Convertor, register_url_convertor

from service.api.deps import IndexDep, Reader, Writer
from service.api.schemas import (
    DOC_ID_PATTERN,
    ArticleIn,
    ArticleReplace,
    DeleteOut,
    DocumentOut,
    DocumentPage,
    DocumentSummary,
    ErrorOut,
    PassageOut,
    SearchOut,
    WriteOut,
    WrittenDoc,
)
from service.errors import InputError
from service.ingest import article_from_fields
from service.newsindex import NewsIndex
from service.records import Article
from service.reports import AddReport
from service.search import MAX_K
from service.store import DocumentRow
from service.validate import check_doc_id

router = APIRouter(prefix="/documents", tags=["documents"])


class _AnyPath(Convertor[str]):
    """The rest of the path, line breaks included: an id a client escaped with %0A reaches the
    id check (and its 422) instead of matching no route."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class _ArticlePath(_AnyPath):
    """As _AnyPath, less a path ending in /similar: that is the more-like-this route, so a PUT
    or DELETE there is 405 (a wrong method), not a write to an id that ends in "/similar"."""

    regex = r"(?s:(?!.*/similar\Z).*)"


register_url_convertor("docid", _AnyPath())
register_url_convertor("article", _ArticlePath())


async def _path_id(
    request: Request,
    doc_id: Annotated[str, Path(min_length=1, max_length=512, pattern=DOC_ID_PATTERN)],
) -> str:
    """The id in the path, checked as every id is (service.validate). The server decodes the
    path leniently (bytes that are not UTF-8 become U+FFFD, so two ids would meet): the raw
    path must decode strictly."""
    raw = request.scope.get("raw_path") or b""
    try:
        unquote_to_bytes(raw.decode("latin-1")).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("document id is not valid UTF-8") from None
    return check_doc_id(doc_id)


PathId = Annotated[str, Depends(_path_id)]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "API key required"},
    413: {"model": ErrorOut, "description": "request body or its passages over the limit"},
    422: {"model": ErrorOut, "description": "invalid article"},
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such document"},
    401: {"model": ErrorOut, "description": "API key required (with --protect-reads)"},
}


def _write(index: NewsIndex, articles: list[Article]) -> WriteOut:
    started = time.perf_counter()
    report: AddReport = index.add_articles(articles, atomic=True)  # one request, one transaction
    status = {d: "added" for d in report.added} | {d: "updated" for d in report.updated}
    docs = []
    for article in dict((a.doc_id, a) for a in articles).values():
        doc_id = article.doc_id
        if doc_id in report.passages:
            docs.append(
                WrittenDoc(
                    doc_id=doc_id,
                    status=status[doc_id],  # type: ignore[arg-type]
                    passages=report.passages[doc_id],
                )
            )
        else:
            row = index.find_document(doc_id)
            docs.append(
                WrittenDoc(doc_id=doc_id, status="unchanged", passages=row.passages if row else 0)
            )
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    return WriteOut(documents=docs, took_ms=took_ms, warnings=report.warnings)


@router.post("", response_model=WriteOut, dependencies=[Writer], responses=WRITE_ERRORS)
def add_documents(index: IndexDep, body: ArticleIn | list[ArticleIn]) -> WriteOut:
    """Adds one article or a list, all in one transaction: when this returns they are durable
    and searchable; if it fails, none of them was written."""
    items = body if isinstance(body, list) else [body]
    articles = [article_from_fields(item.fields(item.id), source_path=None) for item in items]
    return _write(index, articles)


@router.put(
    "/{doc_id:article}", response_model=WriteOut, dependencies=[Writer], responses=WRITE_ERRORS
)
def replace_document(index: IndexDep, doc_id: PathId, body: ArticleReplace) -> WriteOut:
    """Creates or replaces the article with this id."""
    fields = body.fields(doc_id)
    return _write(index, [article_from_fields(fields, source_path=None)])


@router.delete(
    "/{doc_id:article}",
    response_model=DeleteOut,
    dependencies=[Writer],
    responses={**WRITE_ERRORS, **READ_ERRORS},
)
def delete_document(index: IndexDep, doc_id: PathId) -> DeleteOut:
    """Removes the article with this id and its passages."""
    return DeleteOut(doc_id=doc_id, deleted_passages=index.delete(doc_id))


def _fields(row: DocumentRow) -> dict[str, object]:
    return {
        "doc_id": row.doc_id,
        "title": row.title,
        "date": row.date,
        "outlet": row.outlet,
        "url": row.url,
        "source": row.source,
        "added_at": row.added_at,
        "language": row.language,
    }


def _summary(row: DocumentRow) -> DocumentSummary:
    return DocumentSummary.model_validate(_fields(row) | {"passages": row.passages})


@router.get("", response_model=DocumentPage, dependencies=[Reader], responses=READ_ERRORS)
def list_documents(
    index: IndexDep,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DocumentPage:
    """A page of articles by id, with the total count."""
    rows = index.documents(offset, limit)
    total, _ = index.counts()
    return DocumentPage(
        documents=[_summary(r) for r in rows], total=total, offset=offset, limit=limit
    )


@router.get(
    "/{doc_id:docid}/similar",
    response_model=SearchOut,
    dependencies=[Reader],
    responses=READ_ERRORS,
)
def similar_documents(
    index: IndexDep,
    doc_id: PathId,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="number of results")] = 10,
    group: bool = True,
) -> SearchOut:
    """Articles like this one, best first: the same result shape as a search (its query is
    the article's title), one passage an article, grouped across outlets."""
    return SearchOut.model_validate(index.similar(doc_id, k, group=group).to_dict())


@router.get(
    "/{doc_id:article}", response_model=DocumentOut, dependencies=[Reader], responses=READ_ERRORS
)
def get_document(index: IndexDep, doc_id: PathId) -> DocumentOut:
    """The article with its passages and its quotes (offsets into its text)."""
    row, passages = index.document(doc_id)
    return DocumentOut.model_validate(
        _fields(row)
        | {
            "text": row.text,
            "passages": [
                PassageOut(paragraph=p.paragraph, start=p.start, end=p.end, text=p.text)
                for p in passages
            ],
            "quotes": [q.in_article() for q in index.document_quotes(doc_id)],
        }
    )
