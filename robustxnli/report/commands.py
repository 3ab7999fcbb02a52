"""``robustxnli report``: aggregate any set of run directories into tables, figures and one HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        runs: List[Path] = typer.Argument(..., help="Run directories (searched recursively for finished runs)."),
        out: Path = typer.Option(..., help="Report directory, e.g. reports/cpu-sweep."),
        sweep_config: Optional[Path] = typer.Option(None, help="Refuse runs whose sweep_hash differs from this "
                                                               "sweep config's."),
        n_boot: int = typer.Option(1000, help="Bootstrap resamples for the confidence intervals."),
        seed: int = typer.Option(0, help="Bootstrap random seed."),
        keep_chance_models: bool = typer.Option(False, "--keep-chance-models", help="Keep models at chance level or "
                                                "predicting one class ≥ 80% of the time in Δ and the slope (they "
                                                "are left out by default)."),
    ) -> None:
        """Clean/robust accuracy, STILTs benefit Δ, its amplification with size (with bootstrap CIs), HANS."""
        from .. import validate
        from ..rundir import COMMAND
        from .build import build_report

        for path in runs:
            if not path.exists():
                from ..errors import UserError

                raise UserError(f"run directory {path} does not exist")
        validate.out_dir("--out", out)
        if sweep_config is not None:
            validate.in_file("--sweep-config", sweep_config)
        validate.positive("--n-boot", n_boot, allow_none=False)
        validate.seed("--seed", seed)

        headline = build_report(runs, out, sweep_config, n_boot, seed, command=COMMAND,
                                leave_out_chance=not keep_chance_models)
        for warning in headline.get("warnings", []):
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(headline["answer"])
        typer.echo(f"report: {out}/report.html  (also report.md, tables/*.csv|parquet, figures/*.png)")
