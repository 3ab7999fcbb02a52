"""``robustxnli audit``: sample successful attacks into an annotation sheet, or ingest filled-in judgements."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..errors import UserError


def register(app: typer.Typer) -> None:
    @app.command()
    def audit(
        runs: Optional[List[Path]] = typer.Argument(None, help="Attack run directories (searched recursively)."),
        out: Optional[Path] = typer.Option(None, help="Directory for sheet.html, judgements.jsonl/.csv."),
        per_cell: int = typer.Option(25, help="Successes sampled per recipe × language (all where fewer)."),
        seed: int = typer.Option(0, help="Sampling seed."),
        ingest: Optional[Path] = typer.Option(None, help="Read a filled judgements.jsonl/.csv back into the runs."),
    ) -> None:
        """Human validity audit of adversarial examples: `audit RUNS --out DIR` writes the sheet;
        `audit --ingest FILE` stores the judgements (then `robustxnli report` shows label-preserving shares)."""
        if ingest is not None:
            from .ingest import ingest as do_ingest

            counts = do_ingest(ingest)
            typer.echo(f"ingested {counts['judged']} judgements into {counts['runs']} run dir(s); "
                       f"{counts['unjudged']} row(s) left unjudged")
            if runs:
                from .table import validity_table

                typer.echo(validity_table(runs).to_string(index=False))
            return
        if not runs or out is None:
            raise UserError("give attack run directories and --out DIR (or --ingest FILE); see robustxnli audit --help")
        if per_cell < 1:
            raise UserError(f"--per-cell must be positive (got {per_cell})")
        from .sample import sample
        from .sheet import write_sheet

        cells = sample(runs, per_cell, seed)
        if not cells:
            raise UserError("no successful attacks in these run directories: nothing to audit")
        paths = write_sheet(cells, out, seed, per_cell)
        total = sum(len(v) for v in cells.values())
        typer.echo(f"{total} successes from {len(cells)} recipe × language cells -> {paths['html']} "
                   f"(fill in {paths['jsonl'].name} or {paths['csv'].name}, or save from the sheet)")
