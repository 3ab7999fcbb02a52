"""``robustxnli hans``: HANS-style challenge sets in many languages (evaluate a checkpoint, or dump a set)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .. import data_options

hans_app = typer.Typer(help="HANS-style heuristic challenge sets (McCoy et al. 2019) in many languages.",
                       invoke_without_command=True, no_args_is_help=False)


@hans_app.callback()
def hans(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(None, help="Checkpoint: a `robustxnli train` run dir, a local dir or a "
                                        "hub name."),
    lang: List[str] = typer.Option(["all-covered"], help="Language(s): de, de,fr, or all-covered."),
    n_per_subcase: int = typer.Option(100, help="Examples per subcase (HANS uses 1000)."),
    seed: int = typer.Option(0, help="Generation seed."),
    out: Optional[Path] = typer.Option(None, help="Run directory (default runs/hans-<model>)."),
    batch_size: int = typer.Option(64, help="Pairs per forward pass."),
    data: Optional[str] = data_options.data(
        "Evaluate a HANS-style file instead of a generated set: .jsonl/.json/.csv/.tsv (premise, hypothesis, label 0 "
        "entailment / 1 non-entailment or names; optional lang, id, heuristic, subcase) or hub:NAME[:CONFIG][:SPLIT]."),
    columns: Optional[str] = data_options.columns(),
    label_map: Optional[str] = data_options.label_map("entailed=entailment,not_entailed=non-entailment"),
    skip_invalid: bool = data_options.skip_invalid(),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start over in --out, discarding the run there."),
    label_order: Optional[str] = typer.Option(None, help="Model output order when its config names are generic, "
                                              "e.g. entailment,neutral,contradiction."),
) -> None:
    """Evaluate a checkpoint two-way (entailment vs non-entailment) on generated HANS-style sets, or on a file."""
    if ctx.invoked_subcommand is not None:
        return
    from ..errors import UserError

    if not model:
        raise UserError("--model is required (or use `robustxnli hans generate` to dump a set)")
    if data or columns or label_map or skip_invalid:
        _evaluate_file(model, data, columns, label_map, skip_invalid, lang, out, batch_size)
        return
    from ..hans.evaluate import hans_run

    out = out or Path("runs") / f"hans-{Path(model).name}"
    summary = hans_run(model, out, lang, n_per_subcase, seed, batch_size,
                       label_order=label_order.split(",") if label_order else None, overwrite=overwrite)
    print_summary(summary)
    typer.echo(f"run dir: {out}")


def _evaluate_file(model: str, data: Optional[str], columns: Optional[str], label_map: Optional[str],
                   skip_invalid: bool, lang: List[str], out: Optional[Path], batch_size: int) -> None:
    """`hans --data FILE`: two-way evaluation of the user's HANS-style set; the per-heuristic table when the file
    has heuristic and subcase columns (as `hans generate` writes), else accuracy per language."""
    from ..data.user import from_cli
    from .own_data import evaluate_data_run
    from ..rundir import RunDir
    from ..hans.evaluate import summarize

    own = from_cli(data, columns, label_map, [c for c in lang if c != "all-covered"], skip_invalid, two_way=True)
    out = out or Path("runs") / f"hans-{Path(model).name}-{Path(own.name).stem}"
    summary = evaluate_data_run(model, out, own, [c for c in lang if c not in ("all-covered", "all")] or None,
                                batch_size=batch_size)
    records = [r for r in RunDir(out).read_records() if r["lang"] in summary["n"]]
    if records and all("heuristic" in r and "subcase" in r for r in records):
        print_summary(summarize(records))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{own.name}: two-way accuracy (neutral + contradiction = non-entailment)")
        for col in ("lang", "entailed", "non-entailed", "all", "n"):
            table.add_column(col, justify="left" if col == "lang" else "right")
        for code, acc in summary["accuracy"].items():
            rows = [r for r in records if r["lang"] == code]

            def pct(label: int) -> str:
                sel = [bool(r["correct"]) for r in rows if int(r["label"]) == label]
                return f"{100 * sum(sel) / len(sel):.1f}" if sel else "–"
            table.add_row(code, pct(0), pct(1), f"{100 * acc:.1f}", str(summary["n"][code]))
        Console().print(table)
    typer.echo(own.describe(summary["n"]))
    typer.echo(f"run dir: {out}")


@hans_app.command()
def generate(
    lang: str = typer.Option(..., help="Language code with a data file (see `robustxnli hans list`)."),
    out: Path = typer.Option(..., help="JSONL file to write (id, premise, hypothesis, label, heuristic, subcase, "
                             "lang)."),
    n_per_subcase: int = typer.Option(1000, help="Examples per subcase (HANS uses 1000)."),
    seed: int = typer.Option(0, help="Generation seed: the same seed gives the same set."),
) -> None:
    """Write a language's HANS-style set as JSONL (label 0 = entailment, 1 = non-entailment)."""
    from .. import validate
    from ..hans.evaluate import parse_hans_langs
    from ..hans.generate import generate as gen, write_jsonl

    validate.positive("--n-per-subcase", n_per_subcase, allow_none=False)
    validate.seed("--seed", seed)
    validate.out_file("--out", out)
    rows = [r for code in parse_hans_langs(lang) for r in gen(code, n_per_subcase, seed)]
    typer.echo(f"wrote {write_jsonl(rows, out)} rows to {out}")


@hans_app.command("list")
def list_subcases() -> None:
    """Which HANS subcases each language's data covers."""
    from rich.console import Console
    from rich.table import Table

    from ..hans.generate import HANS_SUBCASES, covered_subcases

    covered = covered_subcases()
    table = Table(title="HANS subcases covered")
    table.add_column("subcase")
    for code in covered:
        table.add_column(code, justify="center")
    for sub in HANS_SUBCASES:
        table.add_row(sub, *("✓" if sub in subs else "·" for subs in covered.values()))
    table.add_row("total", *(str(len(s)) for s in covered.values()))
    Console().print(table)


def print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..hans.generate import HEURISTICS

    by_lang = summary["accuracy_by_lang"]
    table = Table(title="HANS-style accuracy (two-way: neutral + contradiction = non-entailment)")
    table.add_column("lang")
    short = {"lexical_overlap": "overlap", "subsequence": "subseq", "constituent": "constit"}
    for h in HEURISTICS.values():
        table.add_column(f"{short[h]}\nent", justify="right")
        table.add_column(f"{short[h]}\nnon-ent", justify="right")
    table.add_column("n", justify="right")

    def cell(acc: dict, h: str, split: str) -> str:
        v = acc.get(h, {}).get(split)
        return "–" if v is None else f"{100 * v:.1f}"

    for code, acc in by_lang.items():
        table.add_row(code, *(cell(acc, h, s) for h in HEURISTICS.values() for s in ("entailed", "non_entailed")),
                      str(summary["n"][code]))
    if len(by_lang) > 1:
        table.add_row("all", *(cell(summary["accuracy"], h, s) for h in HEURISTICS.values()
                               for s in ("entailed", "non_entailed")), str(sum(summary["n"].values())))
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(hans_app, name="hans")
