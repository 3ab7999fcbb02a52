"""The ``default`` preset's backend: every phase on Hugging Face ``Trainer`` (bf16/fp16, gradient accumulation,
``torchrun`` / ``accelerate launch`` data parallelism are Trainer's). Phase 2 trains a shared encoder with one head
per task (``heads.MultiTaskModel``); phase 3 a standard ``AutoModelForSequenceClassification``."""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any

from ..models.encoders import init_sequence_classifier, load_encoder
from ..errors import UserError
from .config import PhaseResult, TrainConfig


def _set_trainable(model, encoder, cfg: TrainConfig) -> None:
    if cfg.freeze_embeddings and hasattr(encoder, "embeddings"):
        for p in encoder.embeddings.parameters():
            p.requires_grad = False
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if cfg.freeze_layers and layers is not None:
        for layer in list(layers)[: cfg.freeze_layers]:
            for p in layer.parameters():
                p.requires_grad = False


def _optimizer(model, encoder, cfg: TrainConfig):
    """AdamW with no decay on biases/LayerNorm and an optional higher rate for the fresh head."""
    import torch

    encoder_ids = {id(p) for p in encoder.parameters()}
    groups: dict[tuple[bool, bool], list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        is_head = id(p) not in encoder_ids
        no_decay = p.ndim < 2 or "LayerNorm" in name or "layer_norm" in name
        groups.setdefault((is_head, no_decay), []).append(p)
    head_lr = cfg.head_lr or cfg.lr
    return torch.optim.AdamW([
        {"params": ps, "lr": head_lr if is_head else cfg.lr, "weight_decay": 0.0 if nd else cfg.weight_decay}
        for (is_head, nd), ps in groups.items()
    ])


def _epoch_batches(features, cfg: TrainConfig, epochs: float, max_steps: int | None, pad_id: int, task: str | None,
                   seed_offset: int = 0) -> list[dict[str, Any]]:
    from .features import bucketed_batches

    batches: list[dict[str, Any]] = []
    per_epoch = math.ceil(len(features) / cfg.batch_size)
    total = max(1, round(per_epoch * epochs))
    for epoch in range(math.ceil(epochs)):
        batches.extend(bucketed_batches(features, cfg.batch_size, cfg.seed * 1000 + seed_offset + epoch, pad_id, task))
    batches = batches[:total]
    if max_steps is not None:
        batches = batches[: max_steps * cfg.grad_accum]
    return batches


def _run_trainer(model, encoder, batches, phase_dir: Path, cfg: TrainConfig) -> PhaseResult:
    """Train with Hugging Face Trainer over pre-built batches, resuming from the last checkpoint if any."""
    import torch
    from transformers import Trainer, TrainingArguments

    from .features import BatchDataset, unwrap

    class BatchTrainer(Trainer):
        # Batches are already shuffled and length-bucketed per epoch: read them in order (resume-exact).
        def _get_train_sampler(self, *args, **kwargs):
            return torch.utils.data.SequentialSampler(self.train_dataset)

        def _load_optimizer_and_scheduler(self, checkpoint):
            # CPU torchrun: transformers maps the optimizer state to args.device ("cpu:<rank>"), which torch cannot
            # restore; load it onto the CPU instead.
            if checkpoint is None or self.args.device.type != "cpu" or self.args.world_size == 1:
                return super()._load_optimizer_and_scheduler(checkpoint)
            ckpt = Path(checkpoint)
            self.optimizer.load_state_dict(torch.load(ckpt / "optimizer.pt", map_location="cpu", weights_only=True))
            self.lr_scheduler.load_state_dict(torch.load(ckpt / "scheduler.pt", weights_only=True))

        def log(self, logs, *args, **kwargs):
            if "train_loss" in logs:
                logs = {**logs, **_resumed_loss(logs["train_loss"], self.state.global_step, resumed_from)}
            return super().log(logs, *args, **kwargs)

    try:
        args = TrainingArguments(
            output_dir=str(phase_dir), per_device_train_batch_size=1, gradient_accumulation_steps=cfg.grad_accum,
            num_train_epochs=1, learning_rate=cfg.lr, warmup_ratio=cfg.warmup_ratio, lr_scheduler_type="linear",
            bf16=cfg.bf16, fp16=cfg.fp16, use_cpu=not torch.cuda.is_available(),
            logging_steps=max(1, min(10, len(batches) // cfg.grad_accum // 10 or 1)), save_strategy="steps",
            save_steps=cfg.save_steps, save_total_limit=2, seed=cfg.seed, report_to=[], remove_unused_columns=False,
            dataloader_num_workers=0, disable_tqdm=False, save_safetensors=True,
        )
    except ValueError as err:  # e.g. --fp16 without a GPU
        raise UserError(f"training options not supported on this machine: {err}") from err
    world, rank = args.world_size, args.process_index
    if world > 1:  # torchrun: each rank takes every world-th pre-built batch (equal counts, in step with the others)
        batches = batches[: len(batches) // world * world][rank::world]
    trainer = BatchTrainer(model=model, args=args, train_dataset=BatchDataset(batches), data_collator=unwrap,
                           optimizers=(_optimizer(model, encoder, cfg), None))
    from .checkpoints import latest_complete_checkpoint

    last = latest_complete_checkpoint(phase_dir)  # a checkpoint cut short by kill -9 is skipped
    resumed_from = _checkpoint_step(last) if last else 0
    if last:
        print(f"robustxnli: resuming {phase_dir.name} from {Path(last).name}")
    start = time.time()
    trainer.train(resume_from_checkpoint=last)
    log = trainer.state.log_history
    if _is_main():
        (phase_dir / "log_history.json").write_text(json.dumps(log, indent=1))
    return PhaseResult(time.time() - start, trainer.state.global_step, log)


def _checkpoint_step(checkpoint: str) -> int:
    return int(json.loads((Path(checkpoint) / "trainer_state.json").read_text())["global_step"])


def _resumed_loss(hf_loss: float, global_step: int, resumed_from: int) -> dict[str, Any]:
    """Trainer's final ``train_loss`` is the loss summed over the steps of this process divided by *all* steps;
    after a resume from step ``resumed_from`` that understates it. Returns the mean over the steps run here
    (what "phase done: N steps ... mean loss" reports) and, after a resume, the step it started from."""
    if not resumed_from:
        return {"train_loss": hf_loss}
    return {"train_loss": hf_loss * global_step / max(1, global_step - resumed_from),
            "train_loss_from_step": resumed_from}




def train_phase(cfg: TrainConfig, phase, data: list[tuple[str, Any, Any]], start_dir: str, phase_dir: Path, tok,
                model_dir: Path | None) -> tuple[PhaseResult, Any, dict[str, Any]]:
    """Train one phase from ``start_dir``; an intermediate phase saves its encoder to ``phase_dir/encoder``, the
    target phase saves the classifier to ``model_dir``. Returns (result, trained model, sidecar extras)."""
    from .features import featurize
    from .heads import MultiTaskModel

    pad_id = tok.pad_token_id
    if model_dir is None:
        heads, batches = {}, []
        for i, (task, spec, rows) in enumerate(data):
            heads[task] = (spec.kind, spec.num_labels)
            feats = featurize(spec, rows, tok, cfg.max_length)
            batches.extend(_epoch_batches(feats, cfg, phase.epochs, None, pad_id, task, 100 * i))
        random.Random(cfg.seed).shuffle(batches)  # interleave tasks (multi-task: proportional to size)
        if phase.max_steps is not None:
            batches = batches[: phase.max_steps * cfg.grad_accum]
        encoder = load_encoder(start_dir)
        model = MultiTaskModel(encoder, heads)
        _set_trainable(model, encoder, cfg)
        result = _run_trainer(model, encoder, batches, phase_dir, cfg)
        if _is_main():
            encoder.save_pretrained(phase_dir / "encoder", safe_serialization=True)
            tok.save_pretrained(phase_dir / "encoder")
        return result, encoder, {"phase": _loss_facts(result.log)}
    (task, spec, rows), = data
    feats = featurize(spec, rows, tok, cfg.max_length)
    batches = _epoch_batches(feats, cfg, phase.epochs, phase.max_steps, pad_id, None, 7)
    model = init_sequence_classifier(start_dir)
    encoder = model.base_model
    _set_trainable(model, encoder, cfg)
    result = _run_trainer(model, encoder, batches, phase_dir, cfg)
    for p in model.parameters():
        p.requires_grad = True
    if _is_main():
        model.save_pretrained(model_dir, safe_serialization=True)
        tok.save_pretrained(model_dir)
    return result, model, {"phase": _loss_facts(result.log)}


def _loss_facts(log: list[dict[str, Any]]) -> dict[str, Any]:
    """The phase's mean loss (of the steps run in the last process: see :func:`_resumed_loss`) for its facts."""
    final = next((e for e in reversed(log) if "train_loss" in e), {})
    return {k: round(v, 4) if k == "train_loss" else v for k, v in final.items()
            if k in ("train_loss", "train_loss_from_step")}


def _is_main() -> bool:
    import os

    return int(os.environ.get("RANK", "0")) == 0
