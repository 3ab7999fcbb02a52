"""CPU training of a mean-pooling bi-encoder (``models.pair``) on cached lower-layer states.

The embeddings and the first ``k`` encoder layers stay frozen in every phase, so their output for a sentence never
changes: it is computed once per distinct sentence (premises recur across hypotheses), stored in fp16 under the
user cache, and shared by every phase, regime and seed that uses the same encoder bottom, text and length. Only the
top ``train_layers`` layers and the head train, on those states. The intermediate phase (e.g. ANLI) trains the same
top layers with its own head; the target phase starts from those layers with a fresh head (STILTs: only the
encoder carries over).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from ..models.pair import BiEncoderNLI, PairHead, bottom_states, masked_mean, run_layers
from ..offline import cache_dir


@dataclass
class StateCache:
    """Bottom states of distinct texts: ``flat`` [sum of lengths, H] fp16, text i at ``offsets[i]:offsets[i+1]``."""

    flat: torch.Tensor
    offsets: list[int]
    index: dict[str, int]

    def get(self, i: int) -> torch.Tensor:
        return self.flat[self.offsets[i]: self.offsets[i + 1]]


def _cache_key(base: str, layers: int, max_length: int, prefix: str, texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    weights = Path(base) / "model.safetensors"
    stamp = f"{weights.stat().st_size}:{weights.stat().st_mtime_ns}" if weights.exists() else ""
    h.update(json.dumps([str(Path(base).resolve()), stamp, layers, max_length, prefix]).encode())
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    return h.hexdigest()[:24]


def cached_states(encoder, tok, base: str, texts: Sequence[str], layers: int, max_length: int, prefix: str,
                  batch_size: int = 64, log=print) -> StateCache:
    """The frozen bottom (embeddings + ``layers`` layers) over each distinct text, from disk when cached."""
    texts = list(dict.fromkeys(texts))
    path = cache_dir() / "states" / f"{_cache_key(base, layers, max_length, prefix, texts)}.pt"
    if path.exists():
        data = torch.load(path, weights_only=True)
        return StateCache(data["flat"], data["offsets"].tolist(), {t: i for i, t in enumerate(texts)})
    start = time.time()
    ids = tok([prefix + t for t in texts], truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
    pieces: dict[int, torch.Tensor] = {}
    pad = tok.pad_token_id
    encoder.eval()
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b: b + batch_size]
            width = max(len(ids[i]) for i in idx)
            x = torch.full((len(idx), width), pad, dtype=torch.long)
            m = torch.zeros((len(idx), width), dtype=torch.long)
            for r, i in enumerate(idx):
                x[r, : len(ids[i])] = torch.tensor(ids[i])
                m[r, : len(ids[i])] = 1
            h = bottom_states(encoder, x, m, layers).to(torch.float16)
            for r, i in enumerate(idx):
                pieces[i] = h[r, : len(ids[i])].clone()
    lengths = [len(ids[i]) for i in range(len(texts))]
    offsets = [0]
    for n in lengths:
        offsets.append(offsets[-1] + n)
    flat = torch.cat([pieces[i] for i in range(len(texts))])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # per process: two sweep workers may build the same cache
    torch.save({"flat": flat, "offsets": torch.tensor(offsets)}, tmp)
    tmp.replace(path)
    log(f"robustxnli: cached layer-{layers} states of {len(texts):,} texts ({offsets[-1]:,} tokens) "
        f"in {time.time() - start:.0f} s -> {path}")
    return StateCache(flat, offsets, {t: i for i, t in enumerate(texts)})


def _pad_states(cache: StateCache, rows: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    states = [cache.get(i) for i in rows]
    width = max(len(s) for s in states)
    h = torch.zeros((len(rows), width, cache.flat.shape[1]), dtype=torch.float32)
    m = torch.zeros((len(rows), width), dtype=torch.long)
    for r, s in enumerate(states):
        h[r, : len(s)] = s.float()
        m[r, : len(s)] = 1
    return h, m


class TopModel(nn.Module):
    """The trainable top of a bi-encoder: layers ``start..`` of ``encoder`` plus a pair head."""

    def __init__(self, encoder, start: int, head: PairHead):
        super().__init__()
        self.encoder, self.start, self.head = encoder, start, head

    def embed(self, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        return masked_mean(run_layers(self.encoder, h, m, self.start), m)

    def forward(self, cache: StateCache, prem: list[int], hyp: list[int]) -> torch.Tensor:
        rows = list(dict.fromkeys(prem + hyp))  # one pass over the batch's distinct texts
        where = {r: i for i, r in enumerate(rows)}
        h, m = _pad_states(cache, rows)
        e = self.embed(h, m)
        return self.head(e[[where[p] for p in prem]], e[[where[q] for q in hyp]])


def _batches(pairs: list[tuple[int, int, int]], cache: StateCache, batch_size: int, seed: int,
             bucket: int = 50) -> list[list[tuple[int, int, int]]]:
    """Pairs grouped by premise (a premise's hypotheses share a batch, so it is run once), groups shuffled with
    the seed, sorted by premise length inside mega-batches (little padding), then batches shuffled."""
    rng = random.Random(seed)
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for p in pairs:
        groups.setdefault(p[0], []).append(p)
    order = list(groups.values())
    rng.shuffle(order)
    length = lambda g: cache.offsets[g[0][0] + 1] - cache.offsets[g[0][0]]  # noqa: E731
    out: list[list[tuple[int, int, int]]] = []
    n_groups = max(1, bucket * batch_size * len(order) // max(1, len(pairs)))
    for s in range(0, len(order), n_groups):
        batch: list[tuple[int, int, int]] = []
        for g in sorted(order[s: s + n_groups], key=length):
            batch.extend(g)
            if len(batch) >= batch_size:
                out.append(batch)
                batch = []
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def train_top(encoder, start: int, head: PairHead, cache: StateCache, rows: list[dict[str, Any]], *,
              epochs: float, batch_size: int, lr: float, head_lr: float, warmup_ratio: float, weight_decay: float,
              seed: int, max_steps: int | None = None, log=print) -> dict[str, Any]:
    """Train layers ``start..`` and ``head`` on NLI ``rows`` (premise, hypothesis, label) over cached states."""
    torch.manual_seed(seed)
    model = TopModel(encoder, start, head)
    top = [p for layer in list(encoder.encoder.layer)[start:] for p in layer.parameters()]
    for p in encoder.parameters():
        p.requires_grad = False
    for p in top:
        p.requires_grad = True
    decay = lambda ps: [p for p in ps if p.ndim >= 2]  # noqa: E731
    no_decay = lambda ps: [p for p in ps if p.ndim < 2]  # noqa: E731
    groups = [
        {"params": decay(top), "lr": lr, "weight_decay": weight_decay},
        {"params": no_decay(top), "lr": lr, "weight_decay": 0.0},
        {"params": list(head.parameters()), "lr": head_lr, "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW([g for g in groups if g["params"]])
    pairs = [(cache.index[r["premise"]], cache.index[r["hypothesis"]], int(r["label"])) for r in rows]
    plan: list[list[tuple[int, int, int]]] = []
    for epoch in range(math.ceil(epochs)):
        plan.extend(_batches(pairs, cache, batch_size, seed * 1000 + epoch))
    total = max(1, round(len(plan) * epochs / math.ceil(epochs)))
    if max_steps is not None:
        total = min(total, max_steps)
    plan = plan[:total]
    warm = max(1, int(warmup_ratio * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    model.train()
    start_time, losses, seen, history = time.time(), [], 0, []
    every = max(1, total // 10)
    for step, batch in enumerate(plan, 1):
        prem, hyp, labels = zip(*batch)
        logits = model(cache, list(prem), list(hyp))
        loss = nn.functional.cross_entropy(logits, torch.tensor(labels))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        seen += len(batch)
        if step % every == 0 or step == total:
            mean = sum(losses[-every:]) / len(losses[-every:])
            log(f"  step {step}/{total}  loss {mean:.4f}  {time.time() - start_time:.0f} s")
            history.append({"step": step, "examples": seen, "loss": round(mean, 4),
                            "seconds": round(time.time() - start_time, 1)})
    model.eval()
    for p in encoder.parameters():
        p.requires_grad = True
    return {"steps": total, "seconds": time.time() - start_time, "examples_seen": seen,
            "final_loss": sum(losses[-every:]) / len(losses[-every:]), "log": history}


def text_lengths(tok, texts: Sequence[str], prefix: str) -> list[int]:
    return [len(x) for x in tok([prefix + t for t in dict.fromkeys(texts)])["input_ids"]]


def check_nli(task: str, spec) -> None:
    """The cached bi-encoder has one 3-way pair head: NLI tasks only."""
    from ..errors import UserError

    if spec.kind != "nli":
        raise UserError(f"the cached bi-encoder (--preset cpu) trains NLI tasks only; {task!r} is "
                        f"{spec.kind}: use --preset default for it")


def train_phase(cfg, phase, data: list[tuple[str, Any, Any]], start_dir: str, phase_dir: Path, tok,
                model_dir: Path | None, base: str):
    """One STILTs phase on cached bottom states (see the module docstring); same contract as
    ``trainer_backend.train_phase``. Returns (PhaseResult, model, sidecar extras)."""
    from ..constants import NLI_LABELS
    from ..errors import UserError
    from ..models.encoders import load_encoder
    from ..models.pair import save_pair_model
    from .config import PhaseResult
    from .presets import auto_max_length

    for task, spec, _ in data:
        check_nli(task, spec)
    rows = [r for _, _, task_rows in data for r in task_rows]  # several NLI tasks share one 3-way head
    texts = [r["premise"] for r in rows] + [r["hypothesis"] for r in rows]
    max_length = cfg.max_length or auto_max_length(text_lengths(tok, [r["premise"] for r in rows], cfg.prefix))
    encoder = load_encoder(start_dir)
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if layers is None:
        raise UserError(f"{start_dir}: the cached bi-encoder needs a BERT-style encoder (encoder.layer)")
    depth = len(layers)
    train_layers = max(1, min(cfg.train_layers or 2, depth))
    start = time.time()
    cache = cached_states(encoder, tok, base, texts, depth - train_layers, max_length, cfg.prefix)
    cache_seconds = time.time() - start
    head = PairHead(encoder.config.hidden_size, 3)
    info = train_top(encoder, depth - train_layers, head, cache, rows, epochs=phase.epochs,
                     batch_size=cfg.batch_size, lr=cfg.lr, head_lr=cfg.head_lr or cfg.lr,
                     warmup_ratio=cfg.warmup_ratio, weight_decay=cfg.weight_decay, seed=cfg.seed,
                     max_steps=phase.max_steps)
    phase_dir.mkdir(parents=True, exist_ok=True)
    (phase_dir / "log_history.json").write_text(json.dumps(info["log"], indent=1))
    facts = {"max_length": max_length, "train_layers": train_layers, "cached_layers": depth - train_layers,
             "cache_seconds": round(cache_seconds, 1), "train_seconds": round(info["seconds"], 1),
             "examples": len(rows), "examples_seen": info["examples_seen"], "final_loss": round(info["final_loss"], 4)}
    result = PhaseResult(time.time() - start, info["steps"], info["log"])
    model = BiEncoderNLI(encoder, head, cfg.prefix)
    if model_dir is None:
        encoder.save_pretrained(phase_dir / "encoder", safe_serialization=True)
        tok.save_pretrained(phase_dir / "encoder")
        return result, model, {"phase": facts}
    entry = save_pair_model(model, tok, model_dir, NLI_LABELS)
    return result, model, {"phase": facts, "pair_encoder": {**entry, "max_length": max_length,
                                                             "train_layers": train_layers}}
