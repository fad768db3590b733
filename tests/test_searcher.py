"""A Searcher is built from the parts it reads, with no index facade: a Store, a VectorIndex,
a KeywordIndex and an encoder (here the hashing one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service import Article, Settings
from service.chunking import chunk
from service.encoders import HashingEncoder
from service.keywords import KeywordIndex
from service.pipeline import content_hash
from service.search import Filters, Searcher, SearchRequest
from service.store import Store
from service.vectors import VectorIndex


def test_a_searcher_from_a_store_vectors_and_the_hashing_encoder(tmp_path: Path) -> None:
    encoder = HashingEncoder(64)
    store = Store(tmp_path / "db.sqlite")
    vectors = VectorIndex(encoder.dim)
    articles = [
        Article("a", "Blinken called Abbas on Wednesday.\n\nHe spoke of Eid.", "Call", "2021-05"),
        Article("b", "Rockets were fired from Gaza at Israel overnight.", "Rockets", "2021-05-13"),
    ]
    with store.transaction() as tx:
        for article in articles:
            passages = chunk(article)
            vecs = encoder.encode([p.text for p in passages])
            ids = store.insert_document(tx, article, content_hash(article, "t"), passages, vecs)
            vectors.add(np.asarray(ids, dtype=np.int64), vecs)
    searcher = Searcher(
        store, vectors, KeywordIndex(store, budget=1000), encoder, Settings(model=encoder.name)
    )
    for mode in ("hybrid", "dense", "keyword"):
        hits = searcher.search(SearchRequest("Blinken Abbas", k=2, mode=mode)).results
        assert hits[0].doc_id == "a" and hits[0].paragraph == 1, mode
        assert hits[0].highlight == {"start": 0, "end": len(hits[0].text)}
    dated = searcher.search(SearchRequest("rockets", filters=Filters(date_from="2021-05-13")))
    assert {h.doc_id for h in dated.results} == {"b"}
    store.close()
