"""``robustxnli evaluate``: zero-shot XNLI accuracy in one or all 15 languages."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def evaluate(
        model: str = typer.Option(..., help="Checkpoint: a `robustxnli train` run dir, a local dir or a hub name."),
        lang: List[str] = typer.Option(["all"], help="Language(s): all, or codes like de or de,ru,zh."),
        split: str = typer.Option("dev", help="XNLI split: dev or test."),
        limit: Optional[int] = typer.Option(None, help="At most N examples per language."),
        out: Path = typer.Option(..., help="Run directory for records, summary and manifest."),
        batch_size: int = typer.Option(64),
        label_order: Optional[str] = typer.Option(None, help="Model output order when its config names are generic, "
                                                  "e.g. entailment,neutral,contradiction."),
        data_dir: Optional[Path] = typer.Option(None, envvar="ROBUSTXNLI_DATA"),
        overwrite: bool = typer.Option(False, "--overwrite", help="Start over in --out, discarding the run there."),
    ) -> None:
        """Evaluate a checkpoint on XNLI; prints accuracy per language and writes per-example predictions."""
        from ..constants import LANG_NAMES
        from .. import validate
        from .run import evaluate_run

        validate.in_dir("--data-dir", data_dir)
        summary = evaluate_run(model, out, lang, split, limit, str(data_dir) if data_dir else None, batch_size,
                               label_order.split(",") if label_order else None, overwrite=overwrite)
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"XNLI {split} accuracy (zero-shot)")
        table.add_column("lang")
        table.add_column("accuracy", justify="right")
        table.add_column("n", justify="right")
        for code, acc in summary["accuracy"].items():
            table.add_row(f"{code} {LANG_NAMES[code]}", f"{100 * acc:.1f}", str(summary["n"][code]))
        table.add_row("average", f"{100 * summary['average']:.1f}", "")
        Console().print(table)
        typer.echo(f"records: {out}/records.jsonl")
