"""``robustxnli contrast``: lexical-inference contrast sets (Glockner et al. 2018) in many languages."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

contrast_app = typer.Typer(help="One-word-swap lexical-inference contrast sets (Glockner et al. 2018).",
                           invoke_without_command=True, no_args_is_help=False)


@contrast_app.callback()
def contrast(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(None, help="Checkpoint: a `robustxnli train` run dir, a local dir or a "
                                        "hub name."),
    lang: List[str] = typer.Option(["all-covered"], help="Language(s): de, de,ru, or all-covered."),
    n_per_category: int = typer.Option(100, help="Distinct pairs per category (fewer when a category has fewer)."),
    seed: int = typer.Option(0, help="Generation seed."),
    out: Optional[Path] = typer.Option(None, help="Run directory (default runs/contrast-<model>)."),
    batch_size: int = typer.Option(64, help="Pairs per forward pass."),
    overwrite: bool = typer.Option(False, help="Start the run directory over instead of resuming it."),
) -> None:
    """Evaluate a checkpoint three-way on generated contrast sets; prints accuracy per category and language."""
    if ctx.invoked_subcommand is not None:
        return
    from ..errors import UserError

    if not model:
        raise UserError("--model is required (or use `robustxnli contrast generate` / `list`)")
    from .. import validate
    from .evaluate import contrast_run
    from .generate import parse_contrast_langs

    out = out or Path("runs") / f"contrast-{Path(model).name}"
    parse_contrast_langs(lang)  # every argument is checked before the model loads or a file is written
    validate.positive("--n-per-category", n_per_category, allow_none=False)
    validate.seed("--seed", seed)
    validate.positive("--batch-size", batch_size, allow_none=False)
    validate.out_dir("--out", out)
    validate.checkpoint("--model", model)
    summary = contrast_run(model, out, lang, n_per_category, seed, batch_size, overwrite=overwrite)
    print_summary(summary)
    typer.echo(f"run dir: {out}")


@contrast_app.command()
def generate(
    lang: str = typer.Option(..., help="Language code(s) with a data file (see `robustxnli contrast list`)."),
    out: Path = typer.Option(..., help="JSONL file to write (id, premise, hypothesis, label, category, relation, "
                             "swap, lang)."),
    n_per_category: int = typer.Option(100),
    seed: int = typer.Option(0),
) -> None:
    """Write contrast pairs as JSONL (label 0 = entailment, 2 = contradiction: XNLI ids)."""
    from ..hans.generate import write_jsonl
    from .generate import generate as gen, parse_contrast_langs

    rows = [r for code in parse_contrast_langs(lang) for r in gen(code, n_per_category, seed)]
    typer.echo(f"wrote {write_jsonl(rows, out)} rows to {out}")


@contrast_app.command("list")
def list_categories(n_per_category: int = typer.Option(100), seed: int = typer.Option(0)) -> None:
    """Distinct pairs per category and language (· = not covered)."""
    from rich.console import Console
    from rich.table import Table

    from .generate import CATEGORIES, RELATIONS, available_languages, category_counts, load_language

    langs = available_languages()
    counts = {code: category_counts(code, n_per_category, seed) for code in langs}
    table = Table(title=f"contrast pairs per category (at most {n_per_category})")
    table.add_column("category")
    table.add_column("gold")
    for code in langs:
        table.add_column(code, justify="right")
    for cat in CATEGORIES:
        rel = next((load_language(c).categories[cat].relation for c in langs if cat in load_language(c).categories),
                   None)
        gold = {0: "entailment", 2: "contradiction"}.get(RELATIONS.get(rel or "", -1), "")
        table.add_row(cat, gold, *(str(counts[c].get(cat, "·")) for c in langs))
    Console(width=max(Console().width, 40 + 7 * len(langs))).print(table)  # never squeeze the gold column


def print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..perclass import recall_line
    from .generate import CATEGORIES, RELATIONS, load_language

    acc, n = summary["accuracy"], summary["n"]
    langs = list(acc)
    table = Table(title="Contrast-set accuracy, 3-way (% correct; gold: E entailment, C contradiction)")
    table.add_column("category")
    table.add_column("gold")
    for code in langs:
        table.add_column(code, justify="right")
    for cat in CATEGORIES:
        if not any(cat in acc[c] for c in langs):
            continue
        rel = next(load_language(c).categories[cat].relation for c in langs if cat in acc[c])
        table.add_row(cat, "E" if RELATIONS[rel] == 0 else "C",
                      *(f"{100 * acc[c][cat]:.1f} ({n[c][cat]})" if cat in acc[c] else "·" for c in langs))
    table.add_row("mean over categories", "", *(f"{100 * summary['overall'][c]:.1f}" for c in langs))
    for name in ("contradiction", "entailment"):
        table.add_row(f"all {name} pairs", name[0].upper(),
                      *(f"{100 * summary['accuracy_by_label'][c][name]:.1f}"
                        if name in summary["accuracy_by_label"].get(c, {}) else "·" for c in langs))
    Console(width=max(Console().width, 36 + 13 * len(langs))).print(table)  # one line per category
    for code in langs:
        typer.echo(f"{code}: {recall_line(summary['per_class'][code])}")


def register(app: typer.Typer) -> None:
    app.add_typer(contrast_app, name="contrast")
