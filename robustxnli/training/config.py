"""What a training run is: its configuration (``TrainConfig``) and its phases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError

MULTITASK_DEFAULT = ("squad", "hellaswag", "cosmosqa", "commonsenseqa", "sst2")


@dataclass
class TrainConfig:
    """Defaults follow Phang et al. 2020 (lr 1e-5, max length 256, 3 intermediate / 2 target epochs, batch 32)."""

    model: str = "e5-small"
    preset: str = "default"  # default (Phang et al., Trainer) | cpu (training.presets)
    method: str = "trainer"  # trainer | cached-biencoder (training.cached)
    train_layers: int | None = None  # cached-biencoder: top layers trained; the rest is cached
    prefix: str = "query: "  # cached-biencoder: multilingual-e5's input prefix
    intermediate: str = "none"  # none | task | comma list (regime "a+b") | multitask
    target: str = "mnli"
    seed: int = 1
    lr: float = 1e-5
    head_lr: float | None = None  # fresh heads often need a higher rate on CPU-sized runs
    max_length: int = 256  # 0: from the data (training.presets.auto_max_length)
    intermediate_epochs: float = 3.0
    target_epochs: float = 2.0
    batch_size: int = 32
    grad_accum: int = 1
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    intermediate_limit: int | None = None  # examples per intermediate task
    target_limit: int | None = None
    subset: str = "first"  # which rows a *_limit keeps: first | random (a seed-0 sample, the same for every seed)
    intermediate_max_steps: int | None = None
    target_max_steps: int | None = None
    freeze_embeddings: bool = False
    freeze_layers: int = 0  # freeze the first k encoder layers
    save_steps: int = 100
    multitask_tasks: tuple[str, ...] = MULTITASK_DEFAULT
    data_dir: str | None = None
    keep_checkpoints: bool = False
    bf16: bool = False  # Trainer mixed precision (GPU)
    fp16: bool = False

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
        """baseline, the task, ``multitask`` (the built-in mix), or a comma list's tasks joined by "+"."""
        tasks = self.intermediate_tasks()
        if not tasks:
            return "baseline"
        return "multitask" if self.intermediate.strip().lower() == "multitask" else "+".join(tasks)


@dataclass
class PhaseResult:
    seconds: float
    steps: int
    log: list[dict[str, Any]] = field(default_factory=list)




@dataclass
class Phase:
    """One STILTs phase: ``phase2`` (intermediate task(s), keeps the encoder) or ``phase3`` (target, final)."""

    name: str
    tasks: list[str]
    epochs: float
    limit: int | None
    max_steps: int | None
    final: bool


def plan_phases(cfg: TrainConfig) -> list[Phase]:
    tasks = cfg.intermediate_tasks()
    phases = [Phase("phase2", tasks, cfg.intermediate_epochs, cfg.intermediate_limit, cfg.intermediate_max_steps,
                    False)] if tasks else []
    return phases + [Phase("phase3", [cfg.target], cfg.target_epochs, cfg.target_limit, cfg.target_max_steps, True)]
