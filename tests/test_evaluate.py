"""The evaluator on a tiny hand-made BEIR folder whose metric values are worked out by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from service import Settings
from service.errors import InputError
from service.evaluate import evaluate, load_dataset

DOCS = {"d1": "apple banana cherry", "d2": "apple", "d3": "zebra yak", "d4": "zebra"}
QUERIES = {"q1": "banana cherry", "q2": "yak", "q3": "zebra", "d2": "apple"}
QRELS = [("q1", "d1"), ("q2", "d4"), ("q3", "d3"), ("d2", "d1")]


def make_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    with (root / "corpus.jsonl").open("w") as handle:
        for doc_id, text in DOCS.items():
            handle.write(json.dumps({"_id": doc_id, "title": "", "text": text}) + "\n")
    with (root / "queries.jsonl").open("w") as handle:
        for qid, text in {**QUERIES, "train-only": "apple"}.items():
            handle.write(json.dumps({"_id": qid, "text": text}) + "\n")
    rows = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t1" for q, d in QRELS]
    (root / "qrels" / "test.tsv").write_text("\n".join(rows) + "\n")
    return root


def test_keyword_metrics_match_the_hand_computation(tmp_path: Path) -> None:
    data = make_beir(tmp_path / "tiny")
    settings = Settings(model="hashing-64")
    (result,) = evaluate(data, settings, ["keyword"])
    # q1: d1 first (1.0). q2: only d3 matches "yak", d4 is relevant (0). q3: bm25 puts the
    # shorter d4 above d3 (1/log2(3)). d2 ("apple"): itself first, d1 second (1/log2(3)).
    second = 1 / math.log2(3)
    assert result.queries == 4
    assert result.ndcg10 == pytest.approx((1 + 0 + second + second) / 4, abs=1e-4)
    assert result.recall100 == pytest.approx(3 / 4)
    assert result.mrr10 == pytest.approx((1 + 0 + 0.5 + 0.5) / 4)
    assert result.p50_ms >= 0


def test_identical_ids_are_dropped_when_asked(tmp_path: Path) -> None:
    data = make_beir(tmp_path / "tiny")
    (result,) = evaluate(data, Settings(model="hashing-64"), ["keyword"], ignore_identical_ids=True)
    # query "d2" no longer finds itself: d1 is first
    assert result.mrr10 == pytest.approx((1 + 0 + 0.5 + 1) / 4)


def test_train_queries_are_left_out_and_bad_folders_refused(tmp_path: Path) -> None:
    data = load_dataset(make_beir(tmp_path / "tiny"))
    assert sorted(data.queries) == ["d2", "q1", "q2", "q3"]
    with pytest.raises(InputError, match="not a BEIR folder"):
        load_dataset(tmp_path)


def test_eval_command_prints_a_table(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = make_beir(tmp_path / "tiny")
    result = cli("eval", str(data), "--json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert [r["mode"] for r in body["results"]] == ["dense", "keyword", "hybrid"]
    table = cli("eval", str(data), "--mode", "keyword")
    assert "nDCG@10" in table.out and "keyword" in table.out
