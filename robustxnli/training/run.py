"""Three-phase STILTs training (Phang et al. 2020, "English intermediate-task training improves zero-shot
cross-lingual transfer too", arXiv 2005.13013), on Hugging Face ``Trainer``.

phase 1  a pretrained encoder (any checkpoint, or the embedded multilingual-e5-small ladder)
phase 2  optional English intermediate task(s), each with its own head (``heads.MultiTaskModel``)
phase 3  the English target task (MNLI) with a fresh 3-way head on the phase-2 encoder -> a standard
         ``AutoModelForSequenceClassification`` checkpoint (safetensors) in ``OUT/model``.
Only the encoder carries over between phases. Each phase checkpoints every ``save_steps`` optimiser steps and
resumes from its last checkpoint; a finished phase is marked ``DONE`` and skipped on a re-run. ``torchrun`` /
``accelerate launch`` work unchanged (Trainer handles the distribution).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..constants import NLI_LABELS
from ..errors import UserError
from ..rundir import RunDir

MULTITASK_DEFAULT = ("squad", "hellaswag", "cosmosqa", "commonsenseqa", "sst2")


@dataclass
class TrainConfig:
    """Defaults follow Phang et al. 2020 (lr 1e-5, max length 256, 3 intermediate / 2 target epochs, batch 32)."""

    model: str = "e5-small"
    intermediate: str = "none"  # none | task | comma list | multitask
    target: str = "mnli"
    seed: int = 1
    lr: float = 1e-5
    head_lr: float | None = None  # fresh heads often need a higher rate on CPU-sized runs
    max_length: int = 256
    intermediate_epochs: float = 3.0
    target_epochs: float = 2.0
    batch_size: int = 32
    grad_accum: int = 1
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    intermediate_limit: int | None = None  # examples per intermediate task
    target_limit: int | None = None
    intermediate_max_steps: int | None = None
    target_max_steps: int | None = None
    freeze_embeddings: bool = False
    freeze_layers: int = 0  # freeze the first k encoder layers
    save_steps: int = 100
    multitask_tasks: tuple[str, ...] = MULTITASK_DEFAULT
    data_dir: str | None = None
    keep_checkpoints: bool = False

    def intermediate_tasks(self) -> list[str]:
        from ..data import INTERMEDIATE_TASKS

        value = self.intermediate.strip().lower()
        if value in ("", "none", "baseline"):
            return []
        tasks = list(self.multitask_tasks) if value == "multitask" else [t.strip() for t in value.split(",")]
        for t in tasks:
            if t not in INTERMEDIATE_TASKS:
                raise UserError(f"unknown intermediate task {t!r}; choose from: none, multitask, "
                                f"{', '.join(INTERMEDIATE_TASKS)}")
        return tasks

    @property
    def regime(self) -> str:
        tasks = self.intermediate_tasks()
        if not tasks:
            return "baseline"
        return "multitask" if len(tasks) > 1 else tasks[0]


@dataclass
class PhaseResult:
    seconds: float
    steps: int
    log: list[dict[str, Any]] = field(default_factory=list)


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

    args = TrainingArguments(
        output_dir=str(phase_dir), per_device_train_batch_size=1, gradient_accumulation_steps=cfg.grad_accum,
        num_train_epochs=1, learning_rate=cfg.lr, warmup_ratio=cfg.warmup_ratio, lr_scheduler_type="linear",
        logging_steps=max(1, min(10, len(batches) // cfg.grad_accum // 10 or 1)), save_strategy="steps",
        save_steps=cfg.save_steps, save_total_limit=2, seed=cfg.seed, report_to=[], remove_unused_columns=False,
        dataloader_num_workers=0, disable_tqdm=False, save_safetensors=True,
    )
    trainer = BatchTrainer(model=model, args=args, train_dataset=BatchDataset(batches), data_collator=unwrap,
                           optimizers=(_optimizer(model, encoder, cfg), None))
    from .checkpoints import latest_complete_checkpoint

    last = latest_complete_checkpoint(phase_dir)  # a checkpoint cut short by kill -9 is skipped
    if last:
        print(f"robustxnli: resuming {phase_dir.name} from {Path(last).name}")
    start = time.time()
    trainer.train(resume_from_checkpoint=last)
    log = trainer.state.log_history
    (phase_dir / "log_history.json").write_text(json.dumps(log, indent=1))
    return PhaseResult(time.time() - start, trainer.state.global_step, log)


def _drop_checkpoints(phase_dir: Path) -> None:
    for ckpt in phase_dir.glob("checkpoint-*"):
        shutil.rmtree(ckpt, ignore_errors=True)


def _load_rows(task: str, split: str, cfg: TrainConfig, limit: int | None):
    from ..data import get_task, load_task

    loaded = load_task(task, split, data_dir=cfg.data_dir, limit=limit)
    return get_task(task), loaded


def train_run(out: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run (or resume) the three phases into ``out``; returns the manifest."""
    cfg = TrainConfig(**{k: v for k, v in kwargs.items() if v is not None})
    from ..offline import prepare

    prepare()
    from transformers import AutoModel, AutoTokenizer, set_seed

    from ..models.classifier import SIDECAR, count_parameters, read_sidecar, resolve_base_model
    from .features import featurize
    from .heads import MultiTaskModel

    run = RunDir(out)
    done = run.manifest()
    if done.get("status") == "done" and (run.path / "model" / "config.json").exists():
        print(f"robustxnli: {run.path} is already trained; nothing to do")
        return done
    base = resolve_base_model(cfg.model)
    base_side = read_sidecar(base)
    caveats = list(base_side.get("caveats", []))
    tasks = cfg.intermediate_tasks()
    run.write_manifest(kind="train", config=dataclasses.asdict(cfg), base_model=base_side.get("base_model", cfg.model),
                       model_label=base_side.get("model_label", cfg.model), regime=cfg.regime,
                       intermediate=tasks, target=cfg.target, seed=cfg.seed, status="running")
    tok = AutoTokenizer.from_pretrained(base)
    pad_id = tok.pad_token_id
    data_hashes: dict[str, str] = {}
    timings: dict[str, float] = {}

    # phase 2: intermediate task(s) ---------------------------------------------------------------------------
    encoder_dir = base
    if tasks:
        phase = run.path / "phase2"
        encoder_dir = str(phase / "encoder")
        if not (phase / "DONE").exists():
            set_seed(cfg.seed)
            heads, batches = {}, []
            for i, task in enumerate(tasks):
                spec, loaded = _load_rows(task, "train", cfg, cfg.intermediate_limit)
                data_hashes.update(loaded.sha256)
                if spec.caveat:
                    caveats.append(spec.caveat)
                heads[task] = (spec.kind, spec.num_labels)
                feats = featurize(task, spec.kind, loaded.rows, tok, cfg.max_length)
                batches.extend(_epoch_batches(feats, cfg, cfg.intermediate_epochs, None, pad_id, task, 100 * i))
            import random

            random.Random(cfg.seed).shuffle(batches)  # interleave tasks (multi-task: proportional to size)
            if cfg.intermediate_max_steps is not None:
                batches = batches[: cfg.intermediate_max_steps * cfg.grad_accum]
            encoder = AutoModel.from_pretrained(base, use_safetensors=True, add_pooling_layer=False) \
                if _accepts_pooling_flag(base) else AutoModel.from_pretrained(base, use_safetensors=True)
            model = MultiTaskModel(encoder, heads)
            _set_trainable(model, encoder, cfg)
            result = _run_trainer(model, encoder, batches, phase, cfg)
            encoder.save_pretrained(encoder_dir, safe_serialization=True)
            tok.save_pretrained(encoder_dir)
            (phase / "DONE").write_text(json.dumps({"seconds": result.seconds, "steps": result.steps}))
            run.write_manifest(data_sha256=data_hashes)
            if not cfg.keep_checkpoints:
                _drop_checkpoints(phase)
        timings["phase2_seconds"] = json.loads((phase / "DONE").read_text())["seconds"]

    # phase 3: target task with a fresh 3-way head ---------------------------------------------------------------
    phase = run.path / "phase3"
    if not (phase / "DONE").exists():
        set_seed(cfg.seed)
        spec, loaded = _load_rows(cfg.target, "train", cfg, cfg.target_limit)
        if spec.kind != "nli":
            raise UserError(f"target task must be an NLI task, got {cfg.target!r}")
        data_hashes.update(loaded.sha256)
        if spec.caveat:
            caveats.append(spec.caveat)
        feats = featurize(cfg.target, spec.kind, loaded.rows, tok, cfg.max_length)
        batches = _epoch_batches(feats, cfg, cfg.target_epochs, cfg.target_max_steps, pad_id, None, 7)
        model = init_target_model(encoder_dir)
        encoder = model.base_model
        _set_trainable(model, encoder, cfg)
        result = _run_trainer(model, encoder, batches, phase, cfg)
        model_dir = run.path / "model"
        for p in model.parameters():
            p.requires_grad = True
        model.save_pretrained(model_dir, safe_serialization=True)
        tok.save_pretrained(model_dir)
        counts = count_parameters(model)
        sidecar = {
            "base_model": base_side.get("base_model", cfg.model), "model_label": base_side.get("model_label", cfg.model),
            "params_total": counts["total"], "params_non_embedding": counts["non_embedding"],
            "regime": cfg.regime, "intermediate": tasks, "target": cfg.target, "seed": cfg.seed,
            "caveats": sorted(set(caveats)), "train_run": str(run.path),
        }
        (model_dir / SIDECAR).write_text(json.dumps(sidecar, indent=2, ensure_ascii=False))
        (phase / "DONE").write_text(json.dumps({"seconds": result.seconds, "steps": result.steps}))
        if not cfg.keep_checkpoints:
            _drop_checkpoints(phase)
    timings["phase3_seconds"] = json.loads((phase / "DONE").read_text())["seconds"]
    side = read_sidecar(run.path / "model")
    hashes = {**run.manifest().get("data_sha256", {}), **data_hashes}
    return run.finish(params_total=side["params_total"], params_non_embedding=side["params_non_embedding"],
                      caveats=side["caveats"], data_sha256=hashes, checkpoint=str(run.path / "model"), **timings)


def init_target_model(encoder_dir: str | Path):
    """Phase 3 starts from the (phase-2) encoder with a fresh 3-way head in XNLI label order."""
    from transformers import AutoModelForSequenceClassification

    id2label = dict(enumerate(NLI_LABELS))
    return AutoModelForSequenceClassification.from_pretrained(
        str(encoder_dir), num_labels=3, id2label=id2label, label2id={v: k for k, v in id2label.items()},
        use_safetensors=True)


def _accepts_pooling_flag(base: str) -> bool:
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(base).model_type in ("bert", "roberta", "xlm-roberta")
