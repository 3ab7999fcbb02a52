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


def _caveat(spec, loaded) -> str | None:
    """The task's stand-in caveat for what was loaded: none for the hub (its real train split); ANLI's names the
    rounds and pairs actually read (the vendored pack holds r1 only, a data dir may hold r1-r3)."""
    if loaded.source == "hub":
        return None
    if spec.name != "anli" or not loaded.files:
        return spec.caveat
    rounds = [Path(f).name.split("_")[0] for f in loaded.files]
    span = "r1-r3" if rounds == ["r1", "r2", "r3"] else "+".join(rounds)
    verb = "stands" if len(rounds) == 1 else "stand"
    return f"Offline, ANLI train is unavailable: ANLI {span} dev ({len(loaded.rows):,} pairs) {verb} in for it."


def _load_phase_data(phase: Phase, cfg: TrainConfig) -> tuple[list, list[str], dict[str, str]]:
    """(task, spec, rows) per task of ``phase``, its caveats and the sha256 of the files read."""
    from ..data import get_task, load_task

    data, caveats, hashes = [], [], {}
    for task in phase.tasks:
        spec = get_task(task)
        loaded = load_task(task, "train", data_dir=cfg.data_dir)
        rows = list(loaded.rows)
        if cfg.subset == "random" and phase.limit is not None:
            random.Random(0).shuffle(rows)  # seed 0 for every run seed: seeds differ in order, not data (caches)
        rows = rows if phase.limit is None else rows[: phase.limit]
        hashes.update(loaded.sha256)
        if caveat := _caveat(spec, loaded):
            caveats.append(caveat)
        data.append((task, spec, rows))
    return data, caveats, hashes


def _done_caveats(facts: dict[str, Any], phase: Phase) -> list[str]:
    """The caveats of a phase finished earlier (a resumed run keeps them); DONE files written before they were
    recorded there fall back to the tasks' own caveats."""
    from ..data import get_task

    if "caveats" in facts:
        return list(facts["caveats"])
    return [c for c in (get_task(t).caveat for t in phase.tasks) if c]


def _check_inputs(cfg: TrainConfig, base: str, depth: int | None) -> None:
    """What a phase would refuse, checked before anything is written (a mistyped command leaves no run dir)."""
    from ..data import get_task

    if cfg.method not in ("trainer", "cached-biencoder"):
        raise UserError(f"unknown training method {cfg.method!r}; choose trainer or cached-biencoder")
    if cfg.subset not in ("first", "random"):
        raise UserError(f"unknown subset {cfg.subset!r}; choose first or random")
    for phase in plan_phases(cfg):  # an unknown intermediate task is refused here
        for task in phase.tasks:
            spec = get_task(task)
            if "train" not in spec.files:
                raise UserError(f"task {task!r} has no train split ({', '.join(spec.files)} only); choose a task "
                                "that trains, e.g. --target mnli")
            if phase.final and spec.kind != "nli":
                raise UserError(f"target task must be an NLI task, got {task!r}")
            if cfg.method == "cached-biencoder":
                from .cached import check_nli
                check_nli(task, spec)
    if cfg.method == "cached-biencoder" and cfg.train_layers:
        depth = depth if depth is not None else _encoder_depth(base)
        if depth is not None and cfg.train_layers > depth:
            raise UserError(f"--train-layers {cfg.train_layers}: {cfg.model} has {depth} encoder layer(s); "
                            f"choose 1..{depth}")


# Options that change how a run is executed or kept, not what it learns: a resume may change them (--data-dir only
# where it loads the same files for every phase already trained: see _check_phase_data).
EXECUTION_FIELDS = ("data_dir", "keep_checkpoints", "save_steps")


def _training_difference(before: dict[str, Any], cfg: TrainConfig) -> str | None:
    from ..rundir import clean, identity_difference

    keep = lambda d: {k: v for k, v in d.items() if k not in EXECUTION_FIELDS}  # noqa: E731
    return identity_difference(keep(before), keep(clean(dataclasses.asdict(cfg))))


def _has_work(path: Path) -> bool:
    """Whether a phase under ``path`` finished or checkpointed, or a model was saved there."""
    return (path / "model").exists() or any(path.glob("phase*/DONE")) or any(path.glob("phase*/checkpoint-*"))


def _start_over(run: RunDir, manifest: dict[str, Any]) -> None:
    """Clear a run that trained nothing; a sweep's stamps (cell_*, sweep_*) stay."""
    stamps = {k: v for k, v in manifest.items() if k.startswith(("cell_", "sweep_"))}
    for phase_dir in run.path.glob("phase*"):
        shutil.rmtree(phase_dir, ignore_errors=True)
    run.clear()
    if stamps:
        run.write_manifest(**stamps)


def _check_out_dir(path: Path, cfg: TrainConfig) -> None:
    """``--out`` is new, empty, a sweep cell's stamp, or the same training (a re-run resumes it). A failed or
    interrupted run that trained nothing yet gives way to another command; anything else is refused."""
    from ..rundir import MANIFEST

    if not path.is_dir():
        return
    if not (path / MANIFEST).exists():
        names = sorted(p.name for p in path.iterdir())
        if names:
            raise UserError(f"{path} is not empty ({', '.join(names[:3])}{', …' if len(names) > 3 else ''}) and "
                            "holds no robustxnli run; choose another --out (a new or empty directory)")
        return
    run = RunDir(path)
    before = run.manifest()
    run.refuse_other_kind(before, "train")
    problem = _training_difference(before["config"], cfg) if before.get("config") else None
    if problem is None:
        return
    status = before.get("status")
    if status in ("failed", "interrupted") and not _has_work(path):
        print(f"robustxnli: {path} holds a {status} training that finished no phase ({problem}); starting over "
              "with this command")
        _start_over(run, before)
        return
    raise UserError(f"{path} holds a different training run ({problem}); choose another --out, or delete that "
                    "directory to start over")


def _phase_files_now(phase: Phase, cfg: TrainConfig) -> dict[str, str]:
    from ..data import split_sha256

    return {f: h for task in phase.tasks for f, h in split_sha256(task, "train", data_dir=cfg.data_dir).items()}


def _check_phase_data(run: RunDir, cfg: TrainConfig) -> None:
    """A resume reads, for every phase that finished or checkpointed, the same files (by content) it trained on:
    another --data-dir is refused where it changes them (e.g. ANLI r1 from the pack vs r1-r3 from a data dir)."""
    manifest = run.manifest()
    recorded = manifest.get("phase_data_sha256") or {}
    was = (manifest.get("config") or {}).get("data_dir")
    for phase in plan_phases(cfg):
        phase_dir = run.path / phase.name
        if not ((phase_dir / "DONE").exists() or any(phase_dir.glob("checkpoint-*"))):
            continue
        if phase.name in recorded:
            same = sorted(recorded[phase.name].values()) == sorted(_phase_files_now(phase, cfg).values())
        else:  # a run from before per-phase hashes: only the same --data-dir is known to be the same data
            same = was == cfg.data_dir
        if not same:
            raise UserError(f"{run.path}: {phase.name} ({', '.join(phase.tasks)}) was trained on other data than "
                            f"this command loads (--data-dir: {was or 'none'} there, {cfg.data_dir or 'none'} now); "
                            "resume with the --data-dir it used, or choose another --out")


def train_run(out: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run (or resume) the phases into ``out``; returns the manifest."""
    from ..offline import prepare

    prepare()
    from transformers import set_seed

    from ..models.classifier import count_parameters, resolve_base_model
    from ..models.sidecar import read_sidecar, write_sidecar
    from ..models.encoders import load_tokenizer

    base = resolve_base_model(kwargs.get("model") or TrainConfig.model)
    depth = _encoder_depth(base) if kwargs.get("preset", "default") != "default" else None
    cfg = resolve_config(kwargs, depth)
    _check_inputs(cfg, base, depth)
    if _rank() == 0:  # the other ranks would race rank 0's first writes (and must not clear anything)
        _check_out_dir(Path(out), cfg)
    run = RunDir(out)
    done = run.manifest()
    if done.get("status") == "done" and (run.path / "model" / "config.json").exists():
        print(f"robustxnli: {run.path} is already trained; nothing to do")
        return done
    _check_phase_data(run, cfg)
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
    phase_data: dict[str, dict[str, str]] = dict(run.manifest().get("phase_data_sha256") or {})
    timings: dict[str, Any] = {}
    model_dir = run.path / "model"
    start_dir = base
    for phase in plan_phases(cfg):
        phase_dir = run.path / phase.name
        if not (phase_dir / "DONE").exists():
            set_seed(cfg.seed)
            data, phase_caveats, phase_data[phase.name] = _load_phase_data(phase, cfg)
            caveats.extend(phase_caveats)
            if main:
                run.write_manifest(phase_data_sha256=phase_data)  # what a resume must read again
            if cfg.method == "cached-biencoder":
                from .cached import train_phase
                result, model, extras = train_phase(cfg, phase, data, start_dir, phase_dir, tok,
                                                    model_dir if phase.final else None, base)
            else:
                from .trainer_backend import train_phase
                result, model, extras = train_phase(cfg, phase, data, start_dir, phase_dir, tok,
                                                    model_dir if phase.final else None)
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
                                                            **extras.get("phase", {}), "caveats": phase_caveats}))
                run.write_manifest(data_sha256=_data_sha256(run.manifest(), phase_data, cfg))
                if not cfg.keep_checkpoints:
                    _drop_checkpoints(phase_dir)
            _barrier()  # the next phase (on every rank) reads what rank 0 wrote
        else:
            caveats.extend(_done_caveats(json.loads((phase_dir / "DONE").read_text()), phase))
        facts = {k: v for k, v in json.loads((phase_dir / "DONE").read_text()).items() if k != "caveats"}
        timings[f"{phase.name}_seconds"] = facts["seconds"]
        timings[f"{phase.name}_facts"] = facts
        start_dir = str(phase_dir / "encoder")
    if main:
        side = read_sidecar(model_dir)
        run.finish(params_total=side["params_total"], params_non_embedding=side["params_non_embedding"],
                   caveats=sorted(set(caveats)), data_sha256=_data_sha256(run.manifest(), phase_data, cfg),
                   checkpoint=str(model_dir), **timings)
    _barrier()
    return run.manifest()


def _data_sha256(manifest: dict[str, Any], phase_data: dict[str, dict[str, str]], cfg: TrainConfig
                 ) -> dict[str, str]:
    """sha256 of every file the run's phases trained on (a phase finished before per-phase hashes were recorded
    keeps the manifest's earlier list)."""
    legacy = any(p.name not in phase_data for p in plan_phases(cfg))
    out = dict(manifest.get("data_sha256") or {}) if legacy else {}
    return {**out, **{f: h for p in plan_phases(cfg) for f, h in phase_data.get(p.name, {}).items()}}
