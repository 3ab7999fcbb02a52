"""``robustxnli sweep``: run (or price) a whole study from one YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def sweep(
        config: Path = typer.Argument(..., help="Sweep YAML (see configs/sweep_cpu.yaml)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan, cell states and estimated cost; "
                                                              "run nothing."),
        executor: Optional[str] = typer.Option(None, help="local (sequential), ray or slurm (submitit); default "
                                                          "from the YAML, else local."),
        out: Optional[Path] = typer.Option(None, help="Root of the run dirs (default: out_dir in the YAML)."),
        jobs: Optional[int] = typer.Option(None, min=1, help="local executor: cells run at once, each in its own "
                                           "process (default: jobs in the YAML, else 1). Give each "
                                           "OMP_NUM_THREADS=cores/jobs."),
        allow_functions: bool = typer.Option(False, "--allow-functions", help="Let the YAML's `functions:` and "
                                             "`cells: fn:` call any importable function (runs that code)."),
    ) -> None:
        """Run every cell of the study (train -> evaluate / attack / hans); finished cells are skipped, unfinished
        ones resume."""
        from ..rundir import COMMAND
        from .run import sweep as run_sweep

        if executor not in (None, "local", "ray", "slurm"):
            from ..errors import UserError

            raise UserError(f"--executor must be local, ray or slurm, got {executor!r}")
        from .. import validate

        validate.in_file("sweep config", config)
        validate.out_dir("--out", out)
        res = run_sweep(config, dry_run, executor, out, command=COMMAND, allow_functions=allow_functions, jobs=jobs)
        if not dry_run:
            typer.echo(f"sweep: {res.summary()}")
            typer.echo(next_hint(res.out_dir, res.name, config))


def next_hint(out_dir: str, name: str, config: Path) -> str:
    """The report command for this sweep's run dirs, ready to paste."""
    from shlex import quote

    from .plan import slug

    return f"next: robustxnli report {quote(out_dir)} --out {quote(f'reports/{slug(name)}')} " \
           f"--sweep-config {quote(str(config))}"
