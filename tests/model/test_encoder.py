"""The default ONNX int8 encoder against the PyTorch model it is exported from."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from service.config import DEFAULT_MODEL
from service.encoders import load_encoder
from service.ingest import collect_articles
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.model


def test_onnx_int8_vectors_match_pytorch(tmp_path: Path) -> None:
    articles, _, _ = collect_articles([SEEDS], ROOT)
    # every seed paragraph and a few questions, so short and long inputs are both covered
    texts = [p for a in articles for p in a.text.split("\n\n") if p.strip()]
    texts += ["what did Blinken tell Abbas", "Eid al Fitr", "ceasefire"]
    long_text = " ".join(texts)  # past the model's 256-token limit: both must truncate alike
    texts.append(long_text)
    # a fresh cache directory: this test exports the model itself, with today's recipe
    onnx = load_encoder(DEFAULT_MODEL, "onnx-int8", cache_dir=tmp_path)
    torch = load_encoder(DEFAULT_MODEL, "torch")
    fast, ref = onnx.encode(texts), torch.encode(texts)
    assert fast.shape == ref.shape == (len(texts), 384)
    cosine = (fast * ref).sum(axis=1)
    assert cosine.min() >= 0.985, texts[int(cosine.argmin())]
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)
    # a query is embedded the same way as a passage
    assert np.allclose(onnx.encode_query(texts[0]), fast[0], atol=1e-6)
    # a search's few highlight sentences: same vectors, and no wait behind a long encode call
    done: list[np.ndarray] = []
    lock: threading.Lock = onnx._lock  # type: ignore[attr-defined]
    with lock:  # as while an ingest is encoding
        worker = threading.Thread(target=lambda: done.append(onnx.encode_few(texts[:3])))
        worker.start()
        worker.join(30)
        assert done, "encode_few waited for a running encode() call"
    assert np.allclose(done[0], fast[:3], atol=1e-6)
