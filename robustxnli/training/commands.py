"""``robustxnli train``: the three STILTs phases into one run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def train(
        model: str = typer.Option("e5-small", help="Pretrained encoder: hub name, local dir, or the embedded ladder "
                                  "e5-small-L3 / e5-small-L6 / e5-small-L12 (= e5-small), any e5-small-LN with N "
                                  "1..12 (depth-truncated multilingual-e5-small)."),
        intermediate: str = typer.Option("none", help="Intermediate task: none (baseline), mnli, anli, snli, squad, "
                                         "hellaswag, cosmosqa, commonsenseqa, sst2, a comma list, or multitask."),
        target: str = typer.Option("mnli", help="English target task (offline: MNLI dev stands in for train)."),
        seed: int = typer.Option(1, help="Random seed; same seed, same weights on CPU."),
        out: Path = typer.Option(..., help="Run directory (re-running resumes it)."),
        preset: str = typer.Option("default", help="default: Phang et al. on HF Trainer, every layer (GPU protocol). "
                                   "cpu: mean-pooling bi-encoder, top layers trained on cached lower-layer states, "
                                   "whole stand-in, values by depth (see README). Options below override it."),
        lr: Optional[float] = typer.Option(None, help="Encoder learning rate (default preset: 1e-5)."),
        head_lr: Optional[float] = typer.Option(None, help="Learning rate of fresh heads (default: --lr)."),
        max_length: Optional[int] = typer.Option(None, help="Max tokens per input; 0 = from the data "
                                                 "(99th percentile) (default preset: 256)."),
        intermediate_epochs: Optional[float] = typer.Option(None, help="Epochs of each intermediate task "
                                                             "(default preset: 3, as Phang et al.)."),
        target_epochs: Optional[float] = typer.Option(None, help="Epochs of the target task (default preset: 2)."),
        batch_size: Optional[int] = typer.Option(None, help="Examples per step (x --grad-accum = effective batch) "
                                                 "(default preset: 32)."),
        grad_accum: Optional[int] = typer.Option(None, help="Gradient accumulation steps (Trainer; default: 1)."),
        warmup_ratio: Optional[float] = typer.Option(None, help="Share of steps with linear warm-up (default: 0.1)."),
        intermediate_limit: Optional[int] = typer.Option(None, help="Use at most N examples per intermediate task."),
        target_limit: Optional[int] = typer.Option(None, help="Use at most N target-task examples."),
        intermediate_max_steps: Optional[int] = typer.Option(None, help="Stop each intermediate phase "
                                                             "after N optimiser steps."),
        target_max_steps: Optional[int] = typer.Option(None, help="Stop the target phase after N optimiser "
                                                       "steps."),
        train_layers: Optional[int] = typer.Option(None, help="--preset cpu: top encoder layers trained, at most the "
                                                   "model's depth (the rest runs once and is cached; default: 2)."),
        freeze_embeddings: Optional[bool] = typer.Option(None, "--freeze-embeddings/--no-freeze-embeddings",
                                                         help="Freeze the embedding matrices (Trainer)."),
        freeze_layers: Optional[int] = typer.Option(None, help="Freeze the first K encoder layers (Trainer)."),
        save_steps: Optional[int] = typer.Option(None, help="Checkpoint every N optimiser steps "
                                                 "(Trainer; default: 100)."),
        bf16: bool = typer.Option(False, "--bf16", help="bf16 mixed precision (Trainer, GPU)."),
        fp16: bool = typer.Option(False, "--fp16", help="fp16 mixed precision (Trainer, GPU)."),
        data_dir: Optional[Path] = typer.Option(None, envvar="ROBUSTXNLI_DATA", help="Data directory (pack layout)."),
    ) -> None:
        """Train: pretrained encoder -> optional intermediate task -> MNLI; writes OUT/model (safetensors) + manifest."""
        from .. import validate
        from ..rundir import mark_failed
        from .run import train_run

        kwargs = {k: v for k, v in locals().items() if k not in ("out", "train_run", "validate", "mark_failed")}
        validate.train_args(kwargs)
        validate.out_dir("--out", out)
        validate.in_dir("--data-dir", data_dir)
        kwargs["data_dir"] = str(data_dir) if data_dir else None
        try:
            manifest = train_run(out, **kwargs)
        except BaseException as err:  # never leave the manifest at "running" when a run fails
            mark_failed(out, err)
            raise
        typer.echo(f"trained {manifest['model_label']} ({manifest['regime']}, seed {manifest['seed']}): "
                   f"{manifest['params_total']:,} parameters -> {out}/model")
        for caveat in manifest.get("caveats", []):
            typer.echo(f"note: {caveat}")
