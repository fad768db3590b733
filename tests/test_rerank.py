"""The rerank stage with a tiny cross-encoder the test builds itself (random weights): the
final order must follow the cross-encoder's scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service import Filters, NewsIndex, SearchRequest, Settings
from service.encoders import resolve_model_path
from service.search.rerank import CrossEncoderReranker


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(7)
    path = tmp_path_factory.mktemp("tiny-ce")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("all-MiniLM-L6-v2"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_final_order_follows_the_cross_encoder(
    tiny_cross_encoder: Path, seeded: NewsIndex, settings: Settings
) -> None:
    seeded.close()
    reranking = settings.with_(rerank_model=str(tiny_cross_encoder), rerank_top_n=20)
    with NewsIndex.open(reranking) as index:
        query = "what did Blinken tell Abbas"
        plain = index.searcher.retrieve(query, "hybrid", Filters())
        hits = index.search(SearchRequest(query, k=10, group=False)).results
        judge = CrossEncoderReranker(str(tiny_cross_encoder))
        expected = judge.scores(query, [h.text for h in hits])
        assert [h.score for h in hits] == pytest.approx(sorted(expected, reverse=True), abs=1e-3)
        assert [h.score for h in hits] == pytest.approx(expected, abs=1e-3)
        top20 = {pid for pid, _ in plain[:20]}
        ids = {
            row[0]
            for row in index.store.conn.execute(
                "SELECT id FROM passages WHERE doc_id || '#' || paragraph IN ({})".format(
                    ",".join("?" * len(hits))
                ),
                [f"{h.doc_id}#{h.paragraph}" for h in hits],
            )
        }
        assert ids <= top20  # only the top candidates are reranked


def test_eval_takes_backend_and_rerank(cli, tiny_cross_encoder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`newsearch eval --backend/--rerank` reach the evaluation (they were once dropped)."""
    from tests.test_evaluate import make_beir

    data = str(make_beir(tmp_path / "tiny"))
    plain = cli("eval", data, "--json", "--mode", "hybrid", "--backend", "torch")
    assert plain.code == 0, plain.err
    body = json.loads(plain.out)
    assert body["backend"] == "torch" and body["rerank"] is None
    reranked = cli("eval", data, "--json", "--mode", "hybrid", "--rerank", str(tiny_cross_encoder))
    assert reranked.code == 0, reranked.err
    assert json.loads(reranked.out)["rerank"] == str(tiny_cross_encoder)
    missing = cli("eval", data, "--mode", "hybrid", "--rerank", str(tmp_path / "no-such-model"))
    assert missing.code == 1 and "no-such-model" in missing.err
    assert len(missing.err.strip().splitlines()) == 1
