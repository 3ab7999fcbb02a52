"""Three-phase STILTs training (Phang et al. 2020, "English intermediate-task training improves zero-shot
cross-lingual transfer too", arXiv 2005.13013).

phase 1  a pretrained encoder (any checkpoint, or the embedded multilingual-e5-small ladder)
phase 2  optional English intermediate task(s), each with its own head
phase 3  the English target task (MNLI) with a fresh 3-way head on the phase-2 encoder -> ``OUT/model``.
Only the encoder carries over between phases. A finished phase is marked ``DONE`` and skipped on a re-run.

Two backends, picked by the preset (``training.presets``):
* ``default`` -> ``trainer_backend``: Hugging Face ``Trainer``, every layer, a standard
  ``AutoModelForSequenceClassification`` checkpoint; checkpoints every ``save_steps`` and resumes mid-phase;
  ``torchrun`` / ``accelerate launch``, ``--bf16`` / ``--fp16`` and gradient accumulation are Trainer's.
* ``cpu`` -> ``cached``: a mean-pooling bi-encoder (``models.pair``) whose top layers train on cached states of
  the frozen lower layers; a phase is short and restarts from its beginning when interrupted.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..models.encoders import init_sequence_classifier as init_target_model
from ..rundir import RunDir
from .config import MULTITASK_DEFAULT, Phase, PhaseResult, TrainConfig, plan_phases

__all__ = ["TrainConfig", "PhaseResult", "Phase", "MULTITASK_DEFAULT", "train_run", "init_target_model",
           "resolve_config"]


def resolve_config(kwargs: dict[str, Any], depth: int | None) -> TrainConfig:
    """Defaults < the preset's values for this encoder depth < explicitly given options."""
    from .presets import preset_values

    given = {k: v for k, v in kwargs.items() if v is not None and not (k in ("bf16", "fp16") and v is False)}
    return TrainConfig(**{**preset_values(given.get("preset", "default"), depth), **given})


def _encoder_depth(base: str) -> int | None:
    from transformers import AutoConfig

    return getattr(AutoConfig.from_pretrained(base), "num_hidden_layers", None)


def _rank() -> int:
    """This process's rank under torchrun / accelerate (0 when not distributed)."""
    import os

    return int(os.environ.get("RANK", "0"))


def _barrier() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def _drop_checkpoints(phase_dir: Path) -> None:
    for ckpt in phase_dir.glob("checkpoint-*"):
        shutil.rmtree(ckpt, ignore_errors=True)


def _load_phase_data(phase: Phase, cfg: TrainConfig, caveats: list[str], hashes: dict[str, str]):
    from ..data import get_task, load_task

    data = []
    for task in phase.tasks:
        spec = get_task(task)
        if phase.final and spec.kind != "nli":
            raise UserError(f"target task must be an NLI task, got {task!r}")
        sample = cfg.subset == "random" and phase.limit is not None
        loaded = load_task(task, "train", data_dir=cfg.data_dir, limit=None if sample else phase.limit)
        rows = loaded.rows
        if sample:  # seed 0 for every run seed: seeds differ in training order, not in data (and share caches)
            random.Random(0).shuffle(rows)
            rows = rows[: phase.limit]
        elif cfg.subset != "first":
            raise UserError(f"unknown subset {cfg.subset!r}; choose first or random")
        hashes.update(loaded.sha256)
        if spec.caveat:
            caveats.append(spec.caveat)
        data.append((task, spec, rows))
    return data


# Options that change how a run is executed or kept, not what it learns: a resume may change them.
EXECUTION_FIELDS = ("data_dir", "keep_checkpoints", "save_steps")


def _check_same_training(run: RunDir, cfg: TrainConfig) -> None:
    """A re-run resumes only the same training; any other option is refused, naming it (nothing is mixed)."""
    from ..rundir import clean, identity_difference

    before = run.manifest().get("config")
    if not before:
        return
    keep = lambda d: {k: v for k, v in d.items() if k not in EXECUTION_FIELDS}  # noqa: E731
    problem = identity_difference(keep(before), keep(clean(dataclasses.asdict(cfg))))
    if problem:
        raise UserError(f"{run.path} holds a different training run ({problem}); choose another --out, or delete "
                        "that directory to start over")


def train_run(out: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run (or resume) the phases into ``out``; returns the manifest."""
    from ..offline import prepare

    prepare()
    from transformers import set_seed

    from ..models.classifier import count_parameters, resolve_base_model
    from ..models.sidecar import read_sidecar, write_sidecar
    from ..models.encoders import load_tokenizer

    run = RunDir(out)
    base = resolve_base_model(kwargs.get("model") or TrainConfig.model)
    cfg = resolve_config(kwargs, _encoder_depth(base) if kwargs.get("preset", "default") != "default" else None)
    _check_same_training(run, cfg)
    done = run.manifest()
    if done.get("status") == "done" and (run.path / "model" / "config.json").exists():
        print(f"robustxnli: {run.path} is already trained; nothing to do")
        return done
    base_side = read_sidecar(base)
    caveats = list(base_side.get("caveats", []))
    tasks = cfg.intermediate_tasks()
    label = base_side.get("model_label", cfg.model)
    main = _rank() == 0  # under torchrun every rank trains; only rank 0 writes
    if main:
        run.write_manifest(kind="train", config=dataclasses.asdict(cfg), base_model=base_side.get("base_model",
                           cfg.model), model_label=label, regime=cfg.regime, intermediate=tasks, target=cfg.target,
                           seed=cfg.seed, status="running")
    tok = load_tokenizer(base)
    hashes: dict[str, str] = dict(run.manifest().get("data_sha256", {}))
    timings: dict[str, Any] = {}
    model_dir = run.path / "model"
    start_dir = base
    for phase in plan_phases(cfg):
        phase_dir = run.path / phase.name
        if not (phase_dir / "DONE").exists():
            set_seed(cfg.seed)
            data = _load_phase_data(phase, cfg, caveats, hashes)
            if cfg.method == "cached-biencoder":
                from .cached import train_phase
                result, model, extras = train_phase(cfg, phase, data, start_dir, phase_dir, tok,
                                                    model_dir if phase.final else None, base)
            elif cfg.method == "trainer":
                from .trainer_backend import train_phase
                result, model, extras = train_phase(cfg, phase, data, start_dir, phase_dir, tok,
                                                    model_dir if phase.final else None)
            else:
                raise UserError(f"unknown training method {cfg.method!r}; choose trainer or cached-biencoder")
            if phase.final and main:
                counts = count_parameters(model)
                sidecar = {
                    "base_model": base_side.get("base_model", cfg.model), "model_label": label,
                    "params_total": counts["total"], "params_non_embedding": counts["non_embedding"],
                    "regime": cfg.regime, "intermediate": tasks, "target": cfg.target, "seed": cfg.seed,
                    "preset": cfg.preset, "method": cfg.method, "caveats": sorted(set(caveats)),
                    "train_run": str(run.path), **{k: v for k, v in extras.items() if k != "phase"},
                }
                write_sidecar(model_dir, sidecar)
            if main:
                (phase_dir / "DONE").write_text(json.dumps({"seconds": result.seconds, "steps": result.steps,
                                                            **extras.get("phase", {})}))
                run.write_manifest(data_sha256=hashes)
                if not cfg.keep_checkpoints:
                    _drop_checkpoints(phase_dir)
            _barrier()  # the next phase (on every rank) reads what rank 0 wrote
        facts = json.loads((phase_dir / "DONE").read_text())
        timings[f"{phase.name}_seconds"] = facts["seconds"]
        timings[f"{phase.name}_facts"] = facts
        start_dir = str(phase_dir / "encoder")
    if main:
        side = read_sidecar(model_dir)
        run.finish(params_total=side["params_total"], params_non_embedding=side["params_non_embedding"],
                   caveats=side["caveats"], data_sha256=hashes, checkpoint=str(model_dir), **timings)
    _barrier()
    return run.manifest()
