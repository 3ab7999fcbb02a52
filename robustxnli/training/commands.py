"""``robustxnli train``: the three STILTs phases into one run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def train(
        model: str = typer.Option("e5-small", help="Pretrained encoder: hub name, local dir, or the embedded ladder "
                                  "e5-small / e5-small-L6 / e5-small-L3 (depth-truncated multilingual-e5-small)."),
        intermediate: str = typer.Option("none", help="Intermediate task: none (baseline), mnli, anli, snli, squad, "
                                         "hellaswag, cosmosqa, commonsenseqa, sst2, a comma list, or multitask."),
        target: str = typer.Option("mnli", help="English target task (offline: MNLI dev stands in for train)."),
        seed: int = typer.Option(1, help="Random seed; same seed, same weights on CPU."),
        out: Path = typer.Option(..., help="Run directory (re-running resumes it)."),
        lr: float = typer.Option(1e-5, help="Encoder learning rate (Phang et al.: 1e-5)."),
        head_lr: Optional[float] = typer.Option(None, help="Learning rate of fresh heads (default: --lr)."),
        max_length: int = typer.Option(256, help="Max tokens per input."),
        intermediate_epochs: float = typer.Option(3.0, help="Epochs of each intermediate task (Phang et al.: 3)."),
        target_epochs: float = typer.Option(2.0, help="Epochs of the target task."),
        batch_size: int = typer.Option(32, help="Examples per step (x --grad-accum = effective batch)."),
        grad_accum: int = typer.Option(1, help="Gradient accumulation steps."),
        warmup_ratio: float = typer.Option(0.1, help="Share of steps with linear warm-up."),
        intermediate_limit: Optional[int] = typer.Option(None, help="Use at most N examples per intermediate task."),
        target_limit: Optional[int] = typer.Option(None, help="Use at most N target-task examples."),
        intermediate_max_steps: Optional[int] = typer.Option(None, help="Stop each intermediate phase "
                                                             "after N optimiser steps."),
        target_max_steps: Optional[int] = typer.Option(None, help="Stop the target phase after N optimiser "
                                                       "steps."),
        freeze_embeddings: bool = typer.Option(False, help="Freeze the embedding matrices (much faster on CPU)."),
        freeze_layers: int = typer.Option(0, help="Freeze the first K encoder layers."),
        save_steps: int = typer.Option(100, help="Checkpoint every N optimiser steps (resume point)."),
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
