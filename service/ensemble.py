"""A second encoder's dense list beside the model's own (an index setting, meta
`second_model`): its passages' vectors are stored in SQLite (`second_embeddings`) and searched
through a FAISS index of their own (`vectors-second.faiss`, with its own manifest); search
fuses it with the first dense list and the keyword list (service.search.fusion)."""

from __future__ import annotations

from dataclasses import dataclass

from service.encoders import LazyEncoder
from service.vectors import VectorIndex


@dataclass
class SecondList:
    model: str  # the identity its store records, as an index's model (model_id)
    dim: int
    encoder: LazyEncoder  # loaded on first use, like the index's own
    vectors: VectorIndex  # one object for life; a reshape swaps inside
