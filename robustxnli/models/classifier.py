"""Loading any NLI checkpoint (hub name, local directory or a ``robustxnli train`` run directory) as a
3-way classifier whose probabilities are always in XNLI label order.

Weights are loaded from safetensors only (``use_safetensors=True``): pickled ``.bin`` files are never unpickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import UserError
from .embedded import resolve_model_name
from .labels import label_permutation
from .sidecar import SIDECAR, read_sidecar

__all__ = ["SIDECAR", "read_sidecar", "NLIClassifier", "PairNLIClassifier", "load_classifier", "resolve_checkpoint",
           "resolve_base_model", "count_parameters"]


def resolve_checkpoint(name_or_path: str | Path) -> str:
    """A run directory means its ``model/``; embedded names (``e5-small-L6``...) mean the rebuilt local copy."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if (path / "model" / "config.json").exists():
            return str(path / "model")
        if (path / "config.json").exists():
            return str(path)
        raise UserError(f"{path} is a directory without config.json (nor model/config.json): not a checkpoint")
    if path.suffix or str(name_or_path).startswith((".", "/", "~")):
        raise UserError(f"checkpoint {name_or_path} does not exist")
    return str(resolve_model_name(str(name_or_path)))


def resolve_base_model(name_or_path: str | Path) -> str:
    """An encoder to fine-tune: a local directory as is, else an embedded ladder name or a hub name."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return str(path)
    return str(resolve_model_name(str(name_or_path)))


def count_parameters(model) -> dict[str, int]:
    """Total parameters and non-embedding parameters (token/position/type embedding matrices excluded)."""
    total = sum(p.numel() for p in model.parameters())
    emb = 0
    seen: set[int] = set()
    for module_name, module in model.named_modules():
        import torch

        if isinstance(module, torch.nn.Embedding) and id(module.weight) not in seen:
            seen.add(id(module.weight))
            emb += module.weight.numel()
    return {"total": int(total), "non_embedding": int(total - emb)}


class NLIClassifier:
    """A sequence-pair classifier with probabilities in XNLI order (entailment, neutral, contradiction)."""

    def __init__(self, model, tokenizer, name: str, perm: list[int], max_length: int = 256,
                 sidecar: dict[str, Any] | None = None):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.perm = perm
        self.max_length = max_length
        self.sidecar = sidecar or {}

    def param_counts(self) -> dict[str, int]:
        return count_parameters(self.model)

    def manifest_fields(self) -> dict[str, Any]:
        """What every run made with this model records about it (size, regime, seed, caveats)."""
        counts = self.param_counts()
        side = self.sidecar
        return {
            "checkpoint": self.name,
            "base_model": side.get("base_model", self.name),
            "model_label": side.get("model_label", side.get("base_model", self.name)),
            "params_total": side.get("params_total", counts["total"]),
            "params_non_embedding": side.get("params_non_embedding", counts["non_embedding"]),
            "regime": side.get("regime", "unknown"),
            "seed": side.get("seed"),
            "caveats": list(side.get("caveats", [])),
        }

    def encode(self, premises: Sequence[str], hypotheses: Sequence[str]):
        return self.tokenizer(list(premises), list(hypotheses), truncation=True, max_length=self.max_length,
                              padding=True, return_tensors="pt")

    def predict_proba(self, premises: Sequence[str], hypotheses: Sequence[str], batch_size: int = 64,
                      progress=None, timings: dict[str, float] | None = None) -> np.ndarray:
        """[n, 3] probabilities. All pairs are tokenised in one call, sorted by token length (longest first, so
        memory fails fast) and batched so each batch pads only to its own longest pair. ``timings`` (if given)
        accumulates ``encode_seconds``, ``forward_seconds`` and ``forward_calls``."""
        import time

        import torch

        n = len(premises)
        out = np.zeros((n, 3), dtype=np.float32)
        if n == 0:
            return out
        t0 = time.perf_counter()
        enc = self.tokenizer(list(premises), list(hypotheses), truncation=True, max_length=self.max_length)
        ids = enc["input_ids"]
        extra = {k: enc[k] for k in ("token_type_ids",) if k in enc}
        order = np.argsort([len(x) for x in ids], kind="stable")[::-1]
        pad = self.tokenizer.pad_token_id
        device = next(self.model.parameters()).device
        if timings is not None:
            timings["encode_seconds"] = timings.get("encode_seconds", 0.0) + time.perf_counter() - t0
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                idx = order[start: start + batch_size]
                t0 = time.perf_counter()
                width = len(ids[idx[0]])
                batch = {"input_ids": torch.full((len(idx), width), pad, dtype=torch.long),
                         "attention_mask": torch.zeros((len(idx), width), dtype=torch.long)}
                for k in extra:
                    batch[k] = torch.zeros((len(idx), width), dtype=torch.long)
                for row, i in enumerate(idx):
                    length = len(ids[i])
                    batch["input_ids"][row, :length] = torch.tensor(ids[i])
                    batch["attention_mask"][row, :length] = 1
                    for k, values in extra.items():
                        batch[k][row, :length] = torch.tensor(values[i])
                batch = {k: v.to(device) for k, v in batch.items()}
                t1 = time.perf_counter()
                logits = self.model(**batch).logits.float()
                out[idx] = torch.softmax(logits, dim=-1)[:, self.perm].cpu().numpy()
                if timings is not None:
                    timings["encode_seconds"] = timings.get("encode_seconds", 0.0) + t1 - t0
                    timings["forward_seconds"] = timings.get("forward_seconds", 0.0) + time.perf_counter() - t1
                    timings["forward_calls"] = timings.get("forward_calls", 0) + 1
                if progress is not None:
                    progress(len(idx))
        return out

    def predict(self, premises: Sequence[str], hypotheses: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.predict_proba(premises, hypotheses, batch_size).argmax(-1)


class PairNLIClassifier(NLIClassifier):
    """A bi-encoder (``models.pair``): each distinct text is encoded once (premises recur across hypotheses and
    attack candidates), then the head scores the pairs."""

    def encode(self, premises: Sequence[str], hypotheses: Sequence[str]):
        raise NotImplementedError("a bi-encoder encodes premise and hypothesis separately; use predict_proba")

    def embed(self, texts: Sequence[str], batch_size: int = 64, timings: dict[str, float] | None = None):
        import time

        import torch

        prefix = self.model.prefix
        enc = self.tokenizer([prefix + t for t in texts], truncation=True, max_length=self.max_length)
        ids = enc["input_ids"]
        order = np.argsort([len(x) for x in ids], kind="stable")[::-1]
        device = next(self.model.parameters()).device
        out = torch.zeros((len(texts), self.model.config.hidden_size))
        pad = self.tokenizer.pad_token_id
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start: start + batch_size]
                width = len(ids[idx[0]])
                batch_ids = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for row, i in enumerate(idx):
                    batch_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                    mask[row, : len(ids[i])] = 1
                t1 = time.perf_counter()
                out[torch.as_tensor(idx.copy())] = self.model.embed(batch_ids.to(device), mask.to(device)).float().cpu()
                if timings is not None:
                    timings["forward_seconds"] = timings.get("forward_seconds", 0.0) + time.perf_counter() - t1
                    timings["forward_calls"] = timings.get("forward_calls", 0) + 1
        return out

    def predict_proba(self, premises: Sequence[str], hypotheses: Sequence[str], batch_size: int = 64,
                      progress=None, timings: dict[str, float] | None = None) -> np.ndarray:
        import torch

        n = len(premises)
        if n == 0:
            return np.zeros((0, 3), dtype=np.float32)
        texts = list(dict.fromkeys([*premises, *hypotheses]))
        row = {t: i for i, t in enumerate(texts)}
        emb = self.embed(texts, batch_size, timings)
        u = emb[[row[t] for t in premises]]
        v = emb[[row[t] for t in hypotheses]]
        with torch.inference_mode():
            logits = self.model.head(u.to(next(self.model.parameters()).device),
                                     v.to(next(self.model.parameters()).device)).float()
        out = torch.softmax(logits, dim=-1)[:, self.perm].cpu().numpy()
        if progress is not None:
            progress(n)
        return out


def load_classifier(name_or_path: str | Path, label_order: list[str] | None = None, max_length: int = 256,
                    device: str | None = None) -> NLIClassifier:
    """Load any Hugging Face NLI checkpoint; refuse ones that are not 3-way or whose labels cannot be mapped."""
    from ..offline import prepare

    prepare()
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    resolved = resolve_checkpoint(name_or_path)
    side = read_sidecar(resolved)
    if "pair_encoder" in side:
        return _load_pair(resolved, str(name_or_path), side, label_order, max_length, device)
    try:
        config = AutoConfig.from_pretrained(resolved)
    except OSError as err:
        raise UserError(f"cannot load checkpoint {name_or_path!r}: {err}") from err
    if not getattr(config, "id2label", None) or config.num_labels != 3 or not _has_classifier_arch(config):
        raise UserError(
            f"{name_or_path} is not a 3-way NLI classifier (architectures={getattr(config, 'architectures', None)}, "
            f"num_labels={config.num_labels}). Fine-tune it first with `robustxnli train --model {name_or_path}`."
        )
    perm = label_permutation({int(k): v for k, v in config.id2label.items()}, str(name_or_path), label_order)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(resolved, use_safetensors=True)
    except (OSError, EnvironmentError) as err:
        raise UserError(f"cannot load safetensors weights of {name_or_path!r} ({err}); robustxnli never unpickles "
                        ".bin weights — convert the checkpoint to safetensors") from err
    tokenizer = AutoTokenizer.from_pretrained(resolved)
    if device:
        model.to(device)
    return NLIClassifier(model, tokenizer, str(name_or_path), perm, max_length, read_sidecar(resolved))


def _load_pair(resolved: str, name: str, side: dict[str, Any], label_order: list[str] | None, max_length: int,
               device: str | None) -> PairNLIClassifier:
    """A bi-encoder checkpoint (``robustxnli train --preset cpu``): encoder + ``pair_head.safetensors``."""
    from transformers import AutoTokenizer

    from .pair import load_pair_model

    try:
        model = load_pair_model(resolved, side["pair_encoder"])
    except (OSError, KeyError) as err:
        raise UserError(f"cannot load the bi-encoder checkpoint {name!r} ({err}); it needs config.json, "
                        "model.safetensors and pair_head.safetensors") from err
    perm = label_permutation({int(k): v for k, v in model.config.id2label.items()}, name, label_order)
    if device:
        model.to(device)
    max_length = side["pair_encoder"].get("max_length", max_length)
    return PairNLIClassifier(model, AutoTokenizer.from_pretrained(resolved), name, perm, max_length, side)


def _has_classifier_arch(config) -> bool:
    archs = getattr(config, "architectures", None) or []
    return not archs or any(a.endswith("ForSequenceClassification") for a in archs)
