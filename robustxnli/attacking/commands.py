"""``robustxnli attack`` (one run dir per language × recipe) and ``robustxnli recipes list``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from robustxnli import data_options

from robustxnli.errors import UserError


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """``["min_similarity=0.9", "wir=unk"]`` -> ``{"min_similarity": 0.9, "wir": "unk"}`` (numbers, booleans and
    ``none`` are converted)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--option expects KEY=VALUE (got {item!r})")
        v: Any = value.strip()
        low = v.lower()
        if low in ("true", "false"):
            v = low == "true"
        elif low in ("none", "null"):
            v = None
        else:
            for cast in (int, float):
                try:
                    v = cast(v)
                    break
                except ValueError:
                    pass
        out[key.strip().replace("-", "_")] = v
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def attack(
        model: str = typer.Option(..., help="Checkpoint: a `robustxnli train` run dir, a local dir or a hub name."),
        lang: List[str] = typer.Option([], help="Language(s): all, or codes like de or de,ru,zh (repeatable); "
                                       "required for XNLI; with --data: the set's languages by default."),
        recipe: List[str] = typer.Option(["charnoise"], help="Recipe name, path/to/file.py:factory or an "
                                         "entry-point recipe (repeatable); see `robustxnli recipes list`."),
        split: str = typer.Option("dev", help="XNLI split: dev or test."),
        limit: Optional[int] = typer.Option(None, help="At most N examples per language."),
        seed: int = typer.Option(0, help="Attack seed: the same seed gives the same adversarial examples."),
        perturb: Optional[str] = typer.Option(None, help="Column(s) to perturb: hypothesis, premise or both "
                                              "(default: the recipe's, see `robustxnli recipes list`)."),
        mlm: Optional[str] = typer.Option(None, help="Masked LM for wordsub-mlm (hub name or local dir)."),
        option: List[str] = typer.Option([], "--option", "-o", help="Recipe option KEY=VALUE (repeatable), e.g. "
                                         "min_similarity=0.9, max_words_changed=0.2, query_budget=2000, "
                                         "encoder_dir=DIR, search=beam:4."),
        out: Path = typer.Option(Path("runs/attack"), help="Parent directory: one run dir per language × recipe."),
        data_dir: Optional[Path] = typer.Option(None, envvar="ROBUSTXNLI_DATA", help="Data directory (pack layout)."),
        data: Optional[str] = data_options.data(),
        columns: Optional[str] = data_options.columns(),
        label_map: Optional[str] = data_options.label_map("yes=entailment,no=non-entailment (two-way sets attack "
                                                          "two-way)"),
        skip_invalid: bool = data_options.skip_invalid(),
        device: Optional[str] = typer.Option(None, help="torch device for the model, e.g. cuda (default cpu)."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Start over in each run dir, discarding what "
                                       "is there."),
        label_order: Optional[str] = typer.Option(None, help="Model output order when its config names are "
                                                  "generic, e.g. entailment,neutral,contradiction."),
    ) -> None:
        """Attack a checkpoint on XNLI (or your own set with --data) with multilingual recipes; writes one resumable
        run dir per language × recipe (re-run the same command after an interruption to continue)."""
        from robustxnli.constants import parse_langs
        from robustxnli.data.user import from_cli, select_langs
        from robustxnli.models import load_classifier
        from robustxnli.recipes import get_recipe

        from robustxnli import validate

        from .runner import attack_context, attack_run, build_attack, language_generic, slug, summary_line

        validate.positive("--limit", limit)
        validate.seed("--seed", seed)
        validate.device("--device", device)
        from robustxnli.recipes import PERTURB_CHOICES

        if perturb is not None:
            validate.choice("--perturb", perturb, PERTURB_CHOICES)
        validate.out_dir("--out", out)
        validate.in_dir("--data-dir", data_dir)
        validate.checkpoint("--model", model)
        own = from_cli(data, columns, label_map, lang, skip_invalid)
        if own is None and not lang:
            raise UserError("give --lang (all, or codes like de,ru), or your own set with --data PATH")
        langs = parse_langs(lang) if own is None else select_langs(own, lang)
        recipes = [get_recipe(r) for r in dict.fromkeys(recipe)]
        options = parse_options(option)
        if mlm:
            options["mlm"] = mlm
        def runs_on(rec, code: str) -> bool:
            return rec.supports(code) or (own is not None and language_generic(rec, code))

        plan = [(code, rec) for rec in recipes for code in langs if runs_on(rec, code)]
        unsupported = [(code, rec) for rec in recipes for code in langs if not runs_on(rec, code)]
        if not plan:
            recipes[0].require_language(langs[0])  # raises with the supported languages
        for code, rec in unsupported:  # the Recipe itself: a file plug-in's name is not a registry key
            typer.secho(f"skipping {rec.name} × {code}: recipe supports {', '.join(rec.languages)}",
                        fg=typer.colors.YELLOW, err=True)
        for code, rec in plan:
            if own is not None and language_generic(rec, code):
                typer.secho(f"note: {code} is not an XNLI language: {rec.name} runs script-generic (no keyboard "
                            f"layout or stopword list for {code})", fg=typer.colors.YELLOW, err=True)
        if own is not None:
            typer.echo(own.describe(dict.fromkeys(code for code, _ in plan)))
        clf = load_classifier(model, device=device, label_order=label_order.split(",") if label_order else None)
        user_keys = list(parse_options(option))
        if user_keys or perturb is not None:  # check every recipe's options and columns before any run dir
            for rec in dict.fromkeys(rec for _, rec in plan):
                code = next(c for c, r in plan if r is rec)
                ctx = attack_context(clf, code, perturb or rec.perturb, seed, dict(options), own, split,
                                     str(data_dir) if data_dir else None)
                build_attack(rec, ctx, user_keys, generic=own is not None and language_generic(rec, code))
        for code, rec in plan:
            run_dir = out / f"{code}-{slug(rec.name)}"
            summary = attack_run(model, code, rec, split=split, limit=limit, seed=seed, perturb=perturb,
                                 out=run_dir, data_dir=str(data_dir) if data_dir else None, options=options,
                                 classifier=clf, data=own, user_options=user_keys, overwrite=overwrite)
            typer.echo(f"{rec.name} {code}: {summary_line(summary)}  -> {run_dir}")

    recipes_app = typer.Typer(help="Attack recipes: built-in, file plug-ins and installed entry points.",
                              no_args_is_help=True)
    app.add_typer(recipes_app, name="recipes")

    @recipes_app.command("list")
    def list_cmd() -> None:
        """All recipes with their languages (and those usable on this machine), constraints and citations, then
        the lexicons installed here and how to get the missing ones."""
        from rich.console import Console
        from rich.table import Table

        from robustxnli.constants import XNLI_LANGS
        from robustxnli.recipes import list_recipes

        from robustxnli.attacks.availability import resources, usable_languages

        def fmt(langs) -> str:
            return "all 15" if set(langs) == set(XNLI_LANGS) else ", ".join(langs) or "none"

        table = Table(title="robustxnli attack recipes")
        for col in ("name", "languages", "usable here", "perturbs", "summary", "constraints", "citation", "source"):
            table.add_column(col, overflow="fold")
        for rec in list_recipes():
            here = usable_languages(rec.name)
            usable = "same" if here is None else fmt([x for x in rec.languages if x in here])
            table.add_row(rec.name, fmt(rec.languages), usable, rec.perturb, rec.summary, rec.constraints or "(not stated)",
                          rec.citation, rec.source)
        Console(width=220).print(table)
        res = Table(title="lexicons on this machine")
        for col in ("resource", "here", "to get it"):
            res.add_column(col, overflow="fold")
        for row in resources():
            res.add_row(*row)
        Console(width=220).print(res)
        typer.echo("third-party: --recipe path/to/file.py:factory, or an entry point in group robustxnli.recipes")
