"""Vocabulary trimming: keep only the tokens a corpus uses, so a multilingual encoder whose parameters are ~80 %
word embeddings (multilingual-e5-small: 96 M of 118 M) shrinks to what an experiment actually touches.

The idea is the one of Abdaoui et al. 2020 ("Load What You Need: Smaller Versions of Multilingual BERT") and
Ushio et al. 2023 ("Efficient Multilingual Language Model Compression through Vocabulary Trimming"). What we keep:
special tokens + every piece the tokenizer produces on the given texts + the lowest-scoring piece of the Unigram
vocabulary. Why the last one: the Unigram lattice (Hugging Face ``tokenizers``) scores an unknown character as
``min(score) - 10``; keeping the minimum keeps that penalty, and then the original Viterbi path is still the best
path of the trimmed lattice (every piece of it is kept; any new path is one the full lattice had, or uses an <unk>
node where the full vocabulary had a single-character piece of higher score). So the given texts tokenise to the
same piece strings, and the model — its embedding rows sliced in the same order — computes the same hidden states.
Both are checked here (strings on all texts, hidden states on a sample).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Iterable

from ..errors import UserError
from .classifier import count_parameters
from .sidecar import read_sidecar, write_sidecar

SLOW_VOCAB_FILES = ("sentencepiece.bpe.model", "spiece.model", "vocab.txt", "vocab.json", "merges.txt")


def _load_model(model_dir: Path):
    """The checkpoint with its own architecture class (encoder or classifier), weights from safetensors only."""
    import transformers
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(model_dir)
    arch = (getattr(config, "architectures", None) or [None])[0]
    cls = getattr(transformers, arch, None) if arch else None
    model = (cls or AutoModel).from_pretrained(model_dir, use_safetensors=True).eval()
    if model.get_output_embeddings() is not None:
        raise UserError(f"{model_dir}: models with a language-model head (tied output embeddings) are not trimmed")
    return model


def _remap_post_processor(proc: dict[str, Any] | None, new_id: dict[int, int]) -> None:
    """Rewrite the special-token ids a tokenizer.json post-processor hard-codes."""
    if not proc:
        return
    kind = proc.get("type")
    if kind == "TemplateProcessing":
        for spec in proc.get("special_tokens", {}).values():
            spec["ids"] = [new_id[i] for i in spec["ids"]]
    elif kind in ("RobertaProcessing", "BertProcessing"):
        for key in ("sep", "cls"):
            proc[key] = [proc[key][0], new_id[proc[key][1]]]
    elif kind == "Sequence":
        for sub in proc.get("processors", []):
            _remap_post_processor(sub, new_id)


def trimmed_tokenizer_json(spec: dict[str, Any], kept: list[int]) -> dict[str, Any]:
    """A Unigram tokenizer.json restricted to the ``kept`` ids (ascending), renumbered 0..len(kept)-1."""
    new_id = {old: new for new, old in enumerate(kept)}
    model = spec["model"]
    vocab = model["vocab"]
    model["vocab"] = [vocab[i] for i in kept if i < len(vocab)]
    if model.get("unk_id") is not None:
        model["unk_id"] = new_id[model["unk_id"]]
    for added in spec.get("added_tokens", []):
        added["id"] = new_id[added["id"]]
    _remap_post_processor(spec.get("post_processor"), new_id)
    return spec


def _sha256_texts(texts: list[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8") + b"\n")
    return h.hexdigest()


def trim_vocabulary(model_dir: str | Path, texts: Iterable[str], out_dir: str | Path, verify: int = 32,
                    atol: float = 1e-5) -> Path:
    """Write a copy of ``model_dir`` whose vocabulary is the tokens of ``texts`` (plus specials) into ``out_dir``.

    Works for BERT and XLM-R encoders/classifiers with a Unigram (SentencePiece) ``tokenizer.json``. Raises
    UserError if the trimmed tokenizer splits any text differently, or if hidden states on ``verify`` of the texts
    differ by more than ``atol``. Records ``vocab_trimmed`` and the original vocab size in ``robustxnli.json``.
    """
    import torch
    from transformers import AutoTokenizer

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    texts = [t for t in texts if t]
    if not texts:
        raise UserError("vocabulary trimming needs at least one non-empty text")
    tok = AutoTokenizer.from_pretrained(model_dir)
    if not getattr(tok, "is_fast", False):
        raise UserError(f"{model_dir}: vocabulary trimming needs a fast tokenizer (tokenizer.json)")
    spec = json.loads(tok.backend_tokenizer.to_str())
    if spec["model"]["type"] != "Unigram":
        raise UserError(f"{model_dir}: only Unigram (SentencePiece) tokenizers can be trimmed, "
                        f"not {spec['model']['type']}")
    backend = tok.backend_tokenizer
    encodings = backend.encode_batch(texts, add_special_tokens=False)
    before = [e.tokens for e in encodings]
    used = {i for e in encodings for i in e.ids}
    scores = spec["model"]["vocab"]
    lowest = min(range(len(scores)), key=lambda i: scores[i][1])  # keeps the <unk> penalty (see module docstring)
    specials = set(tok.all_special_ids) | {a["id"] for a in spec.get("added_tokens", [])}
    if spec["model"].get("unk_id") is not None:
        specials.add(spec["model"]["unk_id"])
    kept = sorted(used | specials | {lowest})

    model = _load_model(model_dir)
    old_vocab = model.get_input_embeddings().weight.shape[0]
    if kept[-1] >= old_vocab:
        raise UserError(f"{model_dir}: tokenizer id {kept[-1]} is outside the model's {old_vocab} embedding rows")

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    tok.save_pretrained(out_dir)
    for name in SLOW_VOCAB_FILES:  # the slow tokenizer's files would disagree with the new ids
        (out_dir / name).unlink(missing_ok=True)
    (out_dir / "tokenizer.json").write_text(
        json.dumps(trimmed_tokenizer_json(spec, kept), ensure_ascii=False), encoding="utf-8")
    new_id = {old: new for new, old in enumerate(kept)}
    cfg_path = out_dir / "tokenizer_config.json"
    tok_cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    if "added_tokens_decoder" in tok_cfg:
        tok_cfg["added_tokens_decoder"] = {str(new_id[int(k)]): v for k, v in tok_cfg["added_tokens_decoder"].items()}
    cfg_path.write_text(json.dumps(tok_cfg, indent=2, ensure_ascii=False), encoding="utf-8")

    # the model: slice the word-embedding rows in the same order, renumber the special ids its config holds
    old_emb = model.get_input_embeddings()
    pad = new_id.get(model.config.pad_token_id) if model.config.pad_token_id is not None else None
    new_emb = torch.nn.Embedding(len(kept), old_emb.embedding_dim, padding_idx=pad)
    new_emb.weight.data = old_emb.weight.data[torch.tensor(kept)].clone()
    model.set_input_embeddings(new_emb)
    model.config.vocab_size = len(kept)
    for key in ("pad_token_id", "bos_token_id", "eos_token_id", "sep_token_id", "cls_token_id"):
        old = getattr(model.config, key, None)
        if old is not None:
            setattr(model.config, key, new_id.get(old))
    model.save_pretrained(out_dir, safe_serialization=True)

    side = read_sidecar(model_dir)
    counts = count_parameters(model)
    label = side.get("model_label", side.get("base_model", str(model_dir)))
    side.update({
        "base_model": side.get("base_model", str(model_dir)),
        "model_label": f"{label} [vocab trimmed {len(kept)}/{old_vocab}]",
        "vocab_trimmed": True, "original_vocab_size": old_vocab, "vocab_size": len(kept),
        "trimmed_from": str(model_dir), "trim_corpus_texts": len(texts), "trim_corpus_sha256": _sha256_texts(texts),
        "params_total": counts["total"], "params_non_embedding": counts["non_embedding"],
        "caveats": list(side.get("caveats", [])) + [
            f"vocabulary trimmed to the {len(kept)} tokens of a {len(texts)}-text corpus (of {old_vocab}): other "
            "text tokenises into smaller pieces or <unk>, unlike the untrimmed model"],
    })
    write_sidecar(out_dir, side)

    new_tok = AutoTokenizer.from_pretrained(out_dir)
    after = [e.tokens for e in new_tok.backend_tokenizer.encode_batch(texts, add_special_tokens=False)]
    bad = [t for t, a, b in zip(texts, after, before) if a != b]
    if bad:
        raise UserError(f"trimmed tokenizer splits {len(bad)} text(s) differently, e.g. {bad[0][:80]!r}")
    if verify:
        sample = texts[:: max(1, len(texts) // verify)][:verify]
        max_diff = hidden_state_difference(model_dir, out_dir, sample, tok, new_tok)
        if max_diff > atol:
            raise UserError(f"trimmed model's hidden states differ by {max_diff:.2e} (> {atol}) from {model_dir}")
    return out_dir


def hidden_state_difference(dir_a: Path, dir_b: Path, texts: list[str], tok_a=None, tok_b=None) -> float:
    """Largest absolute difference of all hidden states of two checkpoints on ``texts`` (each its own tokenizer)."""
    import torch
    from transformers import AutoTokenizer

    tok_a = tok_a or AutoTokenizer.from_pretrained(dir_a)
    tok_b = tok_b or AutoTokenizer.from_pretrained(dir_b)
    model_a, model_b = _load_model(Path(dir_a)), _load_model(Path(dir_b))
    worst = 0.0
    with torch.inference_mode():
        for start in range(0, len(texts), 16):
            batch = texts[start: start + 16]
            enc_a = tok_a(batch, padding=True, truncation=True, return_tensors="pt")
            enc_b = tok_b(batch, padding=True, truncation=True, return_tensors="pt")
            out_a = model_a(**enc_a, output_hidden_states=True)
            out_b = model_b(**enc_b, output_hidden_states=True)
            mask = enc_a["attention_mask"].bool()
            for h_a, h_b in zip(out_a.hidden_states, out_b.hidden_states):
                worst = max(worst, (h_a - h_b)[mask].abs().max().item())
            if getattr(out_a, "logits", None) is not None:
                worst = max(worst, (out_a.logits - out_b.logits).abs().max().item())
    return worst
