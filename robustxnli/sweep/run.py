"""``robustxnli sweep CONFIG.yaml``: plan the study, price it (--dry-run), run it with an executor."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..progress import progress_bar
from .config import SweepConfig, load_config
from .executors import DONE, SweepResult, cell_state, resolve_fn, run_plan
from .plan import Cell, build_plan, estimate_seconds, format_seconds, skipped_attacks


def plan_rows(cells: list[Cell], cfg: SweepConfig) -> list[dict[str, Any]]:
    return [{"name": c.name, "kind": c.kind, "state": cell_state(c), "est_s": estimate_seconds(c, cfg),
             "out": c.out} for c in cells]


def print_plan(cells: list[Cell], cfg: SweepConfig, verbose: bool = True) -> dict[str, Any]:
    """Print every cell with its state and estimated cost, then totals; returns the totals."""
    from rich.console import Console
    from rich.table import Table

    rows = plan_rows(cells, cfg)
    console = Console()
    if not console.is_terminal:  # logs: full cell names and paths
        console = Console(width=220)
    if verbose:
        table = Table(title=f"sweep {cfg.name} (sweep_hash {cfg.sweep_hash})")
        for col, just in (("cell", "left"), ("state", "left"), ("est.", "right"), ("run dir", "left")):
            table.add_column(col, justify=just)
        for r in rows:
            table.add_row(r["name"], r["state"], format_seconds(r["est_s"]), r["out"])
        console.print(table)
    todo = [r for r in rows if r["state"] != DONE]
    by_kind = Counter(r["kind"] for r in rows)
    total = sum(r["est_s"] for r in todo)
    console.print(f"{len(rows)} cells ({', '.join(f'{n} {k}' for k, n in by_kind.items())}); "
                  f"{len(rows) - len(todo)} done, {len(todo)} to run; estimated {format_seconds(total)} "
                  f"sequential" + (f", at best {format_seconds(total / cfg.jobs)} with {cfg.jobs} jobs" if cfg.jobs > 1
                                   else "") +
                  " (cost model: seconds ~ examples x non-embedding params; --preset cpu training: pairs x layers, "
                  "its cache once per rung; `cost:` in the YAML tunes it)")
    missing = missing_functions(cells)
    for fn, err in missing.items():
        console.print(f"[red]warning[/red]: {err}")
    return {"cells": len(rows), "done": len(rows) - len(todo), "todo": len(todo), "estimated_seconds": total,
            "by_kind": dict(by_kind), "missing_functions": list(missing)}


def missing_functions(cells: list[Cell]) -> dict[str, str]:
    """Cell functions that cannot be imported: checked before anything runs."""
    out: dict[str, str] = {}
    for fn in dict.fromkeys(c.fn for c in cells):
        try:
            resolve_fn(fn)
        except UserError as err:
            out[fn] = str(err)
    return out


def sweep(config: str | Path, dry_run: bool = False, executor: str | None = None, out: str | Path | None = None,
          command: str | None = None, allow_functions: bool = False, jobs: int | None = None
          ) -> SweepResult | dict[str, Any]:
    cfg = load_config(config, allow_functions)
    if jobs is not None:
        cfg.jobs = jobs
    cells = build_plan(cfg, out)
    skipped = skipped_attacks(cfg)
    print_skipped(skipped)
    if dry_run:
        return {**print_plan(cells, cfg), "skipped": skipped}
    missing = missing_functions(cells)
    if missing:
        raise UserError("nothing was run: " + "; ".join(missing.values()))
    executor = executor or cfg.executor
    stamp = {"sweep_hash": cfg.sweep_hash, "sweep_name": cfg.name,
             "sweep_command": command or f"robustxnli sweep {config}", "sweep_config": str(cfg.path or "")}
    options = cfg.ray if executor == "ray" else cfg.slurm
    folder = Path(out or cfg.out_dir) / "_submitit"
    label = f"{executor}, {cfg.jobs} jobs" if executor == "local" and cfg.jobs > 1 else executor
    with progress_bar(f"sweep {cfg.name} ({label})", len(cells)) as advance:
        res = run_plan(cells, executor, stamp, options, folder, progress=advance, jobs=cfg.jobs)
    if res.failed:
        lines = "\n".join(f"  {name}: {err}" for name, err in res.failed.items())
        raise UserError(f"sweep {cfg.name}: {res.summary()}\n{lines}\nfix and re-run: finished cells are kept")
    res.out_dir, res.name = str(out or cfg.out_dir), cfg.name
    return res


def print_skipped(notes: list[str]) -> None:
    """The recipe x language pairs left out, as ``robustxnli attack`` reports them (stderr, yellow)."""
    import typer

    for note in notes:
        typer.secho(note, fg=typer.colors.YELLOW, err=True)
