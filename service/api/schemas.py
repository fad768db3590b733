"""Pydantic models: the HTTP contract (and the OpenAPI schema) of the newsearch API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["hybrid", "dense", "keyword"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchBody(Strict):
    query: str = Field(description="the question", examples=["what did Blinken tell Abbas"])
    k: int = Field(10, description="number of results, 1-100")
    mode: Mode = "hybrid"
    outlet: str | None = Field(None, description="only this outlet (or source file)")
    source: str | None = Field(None, description="alias of outlet")
    date_from: str | None = Field(None, description="ISO date, inclusive")
    date_to: str | None = Field(None, description="ISO date, inclusive")
    doc_id: str | None = None
    group: bool = Field(True, description="fold near-duplicates into also_reported_by")
    highlight: bool = True


class Span(BaseModel):
    start: int
    end: int


class AlsoReportedOut(BaseModel):
    doc_id: str
    source: str
    title: str
    paragraph: int
    score: float


class HitOut(BaseModel):
    rank: int
    score: float
    text: str
    doc_id: str
    source: str
    title: str
    date: str | None
    paragraph: int
    start: int
    end: int
    url: str | None = None
    highlight: Span | None = None
    also_reported_by: list[AlsoReportedOut] = []


class SearchOut(BaseModel):
    query: str
    mode: Mode
    results: list[HitOut]
    took_ms: float


class ArticleIn(Strict):
    id: str = Field(description="stable document id", examples=["wire-2021-05-12-001"])
    text: str = Field(description="article text; paragraphs separated by newlines")
    title: str | None = None
    url: str | None = None
    date: str | None = Field(None, description="ISO date or timestamp")
    outlet: str | None = None


class ArticleReplace(Strict):
    """PUT body: the article fields; the id comes from the path."""

    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    outlet: str | None = None


class WrittenDoc(BaseModel):
    doc_id: str
    status: Literal["added", "updated", "unchanged"]
    passages: int


class WriteOut(BaseModel):
    documents: list[WrittenDoc]
    took_ms: float


class DeleteOut(BaseModel):
    doc_id: str
    deleted_passages: int


class PassageOut(BaseModel):
    paragraph: int
    start: int
    end: int
    text: str


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source: str
    text: str
    added_at: str
    passages: list[PassageOut]


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    url: str | None
    source: str
    passages: int
    added_at: str


class DocumentPage(BaseModel):
    documents: list[DocumentSummary]
    total: int
    offset: int
    limit: int


class StatsOut(BaseModel):
    documents: int
    passages: int
    model: str
    dim: int
    index_dir: str
    index_size_bytes: int
    generation: int
    uptime_s: float


class HealthOut(BaseModel):
    status: Literal["ok", "starting"]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class OutletCount(BaseModel):
    name: str
    documents: int


class FacetsOut(BaseModel):
    documents: int
    passages: int
    outlets: list[OutletCount]
    examples: list[str]
