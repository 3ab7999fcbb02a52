"""``robustxnli evaluate``: zero-shot XNLI accuracy in one or all 15 languages."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .. import data_options


def register(app: typer.Typer) -> None:
    @app.command()
    def evaluate(
        model: str = typer.Option(..., help="Checkpoint: a `robustxnli train` run dir, a local dir or a hub name."),
        lang: List[str] = typer.Option(["all"], help="Language(s): all, or codes like de or de,ru,zh."),
        split: str = typer.Option("dev", help="XNLI split: dev or test."),
        limit: Optional[int] = typer.Option(None, help="At most N examples per language."),
        out: Path = typer.Option(..., help="Run directory for records, summary and manifest."),
        batch_size: int = typer.Option(64, help="Pairs per forward pass."),
        label_order: Optional[str] = typer.Option(None, help="Model output order when its config names are generic, "
                                                  "e.g. entailment,neutral,contradiction."),
        data_dir: Optional[Path] = typer.Option(None, envvar="ROBUSTXNLI_DATA", help="Data directory (pack layout)."),
        data: Optional[str] = data_options.data(),
        columns: Optional[str] = data_options.columns(),
        label_map: Optional[str] = data_options.label_map("yes=entailment,no=non-entailment (two-way sets score as "
                                                          "HANS)"),
        skip_invalid: bool = data_options.skip_invalid(),
        overwrite: bool = typer.Option(False, "--overwrite", help="Start over in --out, discarding the run there."),
    ) -> None:
        """Evaluate a checkpoint on XNLI (or your own set with --data); prints accuracy per language and writes
        per-example predictions."""
        from ..constants import lang_name
        from .. import validate
        from ..data.user import from_cli
        from .run import evaluate_run

        validate.in_dir("--data-dir", data_dir)
        own = from_cli(data, columns, label_map, lang, skip_invalid)
        summary = evaluate_run(model, out, lang, split, limit, str(data_dir) if data_dir else None, batch_size,
                               label_order.split(",") if label_order else None, data=own, overwrite=overwrite)
        from rich.console import Console
        from rich.table import Table

        title = f"XNLI {split} accuracy (zero-shot)" if own is None else f"{own.name} accuracy"
        table = Table(title=f"{title}, recall per gold class, share of predictions")
        for col in ("lang", "accuracy", "n", "recall E", "recall N", "recall C", "pred E", "pred N", "pred C"):
            table.add_column(col, justify="left" if col == "lang" else "right")
        table.add_column("flag")
        per_class = summary.get("per_class", {})
        for code, acc in summary["accuracy"].items():
            name = lang_name(code)
            table.add_row(code if name == code else f"{code} {name}", f"{100 * acc:.1f}", str(summary["n"][code]),
                          *_class_cells(per_class.get(code)))
        pooled = per_class.get("all") or (next(iter(per_class.values())) if len(per_class) == 1 else None)
        table.add_row("average", f"{100 * summary['average']:.1f}", "", *_class_cells(pooled))
        Console(width=max(Console().width, 132)).print(table)  # 10 columns: never squeeze headers
        if own is not None:
            typer.echo(own.describe(summary["accuracy"]))
        flagged = [c for c, s in per_class.items() if s.get("collapsed")]
        if flagged:
            typer.echo(f"warning: the model predicts one class for more than 80% of inputs in {', '.join(flagged)}: "
                       "accuracy there says little about what it learned")
        typer.echo(f"records: {out}/records.jsonl")


def _class_cells(stats: dict | None) -> list[str]:
    """recall E/N/C, prediction share E/N/C and a flag, as table cells (blank when absent)."""
    if not stats:
        return [""] * 7
    def pct(x) -> str:
        return "—" if x is None else f"{100 * x:.1f}"
    flag = f"{stats['majority_pred']} {100 * stats['majority_share']:.0f}%" if stats.get("collapsed") else ""
    return [pct(v) for v in stats["recall"].values()] + [pct(v) for v in stats["pred_share"].values()] + [flag]
