"""``robustxnli report``: run directories in, tables + figures + report.md + one self-contained report.html out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..constants import LANG_NAMES, XNLI_LANGS
from ..rundir import atomic_write_json, now_iso
from . import plots
from .answer import QUESTION, plain_answer
from .load import CLEAN, example_frame, find_runs, hans_frame, provenance, size_table
from .render import Section, fmt_delta, fmt_params, fmt_pct, json_safe, to_html, to_markdown
from .stats import ADVERSARIAL, ALL_LANGS, accuracy_table, add_pooled_adversarial, conditions_of, hans_table, \
    stilts_analysis

BASELINE = "baseline"
TITLE = "robustxnli: does scale amplify the STILTs benefit under attack?"


def build_report(run_dirs: Sequence[str | Path], out: str | Path, sweep_config: str | Path | None = None,
                 n_boot: int = 1000, seed: int = 0, command: str | None = None) -> dict[str, Any]:
    """Read every finished run under ``run_dirs`` and write the report into ``out``; returns the headline."""
    expected: dict[str, Any] = {}
    sweep_hash = None
    if sweep_config is not None:
        from ..sweep.config import load_config

        cfg = load_config(sweep_config)
        sweep_hash = cfg.sweep_hash
        expected = {"langs": list(cfg.langs), "regimes": list(cfg.regimes)}
    runset = find_runs(run_dirs, sweep_hash)
    ex = add_pooled_adversarial(example_frame(runset))
    hans = hans_frame(runset)
    sizes = size_table(ex, hans)
    langs = _ordered(set(ex.lang) | set(expected.get("langs", [])), XNLI_LANGS)
    regimes = _ordered(set(ex.regime) | set(hans.regime) | set(expected.get("regimes", [])), [BASELINE])
    conditions = conditions_of(ex)

    acc = accuracy_table(ex, sizes, regimes, langs) if not ex.empty else pd.DataFrame()
    stilts = stilts_analysis(ex, sizes, regimes, langs, BASELINE, n_boot, seed) if not ex.empty else None
    hans_h, hans_s = hans_table(hans, "heuristic"), hans_table(hans, "subcase")
    answer = plain_answer(stilts, regimes, conditions, sizes, BASELINE, acc) if stilts else \
        "The data cannot decide: no XNLI evaluation or attack runs were found."
    prov = provenance(runset)

    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    tables = {"accuracy": acc, "hans_heuristic": hans_h, "hans_subcase": hans_s}
    if stilts:
        tables.update(delta=stilts.delta, slopes=stilts.slopes)
    for name, df in tables.items():
        df.to_csv(out / "tables" / f"{name}.csv", index=False)
        df.to_parquet(out / "tables" / f"{name}.parquet", index=False)

    figures = _figures(acc, stilts, hans_s, conditions)
    for _, name, png in figures:
        (out / "figures" / name).write_bytes(png)
    sections = _sections(answer, acc, stilts, hans_h, sizes, regimes, conditions, langs, prov, figures, n_boot,
                         command)
    (out / "report.md").write_text(to_markdown(TITLE, sections), encoding="utf-8")
    (out / "report.html").write_text(to_html(TITLE, sections[1:], answer_first=answer, question=QUESTION), encoding="utf-8")
    headline = {"question": QUESTION, "answer": answer, "created": now_iso(), "runs": prov["n_runs"],
                "sizes": list(sizes["size"]), "regimes": regimes, "conditions": conditions, "langs": langs,
                "slopes": stilts.slopes.to_dict("records") if stilts else [], "notes": stilts.notes if stilts else []}
    atomic_write_json(out / "report.json", json_safe(headline))
    return headline


def _ordered(values: set, first: Sequence[str]) -> list[str]:
    values = {v for v in values if isinstance(v, str)}
    return [v for v in first if v in values] + sorted(values - set(first))


def _figures(acc, stilts, hans_s, conditions) -> list[tuple[str, str, bytes]]:
    figs: list[tuple[str, str, bytes | None]] = []
    if not acc.empty:
        figs.append(("Accuracy vs size, mean over languages (error bars: std over seeds); one panel per condition, "
                     "one line per regime", "accuracy_vs_params.png", plots.accuracy_vs_params(acc)))
    if stilts is not None and not stilts.delta.empty:
        figs.append(("STILTs benefit Δ vs size, clean vs adversarial (95% bootstrap CIs; lines: OLS on log10 "
                     "non-embedding parameters)", "delta_vs_params.png", plots.delta_vs_params(stilts.delta,
                                                                                              stilts.slopes)))
    if not acc.empty:
        cond = ADVERSARIAL if ADVERSARIAL in conditions else conditions[-1]
        figs.append((f"Per-language accuracy, condition {cond}", "heatmap_lang.png",
                     plots.language_heatmap(acc, cond)))
    figs.append(("HANS-style two-way accuracy per subcase", "hans_subcases.png", plots.hans_bars(hans_s)))
    return [(c, n, p) for c, n, p in figs if p is not None]


def _pivot(df: pd.DataFrame, index: list[str], columns: str, cell) -> pd.DataFrame:
    """Display table: one formatted string per cell; missing combinations become "—"."""
    if df.empty:
        return pd.DataFrame()
    d = df.assign(_cell=[cell(r) for r in df.itertuples(index=False)])
    cols = list(dict.fromkeys(d[columns]))
    t = d.pivot_table(index=index, columns=columns, values="_cell", aggfunc="first", sort=False)
    t = t.reindex(columns=cols).fillna("—").reset_index()
    t.columns.name = None
    return t


def _sections(answer, acc, stilts, hans_h, sizes, regimes, conditions, langs, prov, figures, n_boot,
              command) -> list[Section]:
    sec: list[Section] = [Section("Answer", [f"Question: {QUESTION}", answer])]
    adv = ADVERSARIAL if ADVERSARIAL in conditions else (conditions[-1] if conditions else CLEAN)
    overview = Section("Study", bullets=[
        "sizes: " + ", ".join(f"{r.size} ({fmt_params(r.params_non_embedding)} non-embedding, "
                                f"{fmt_params(r.params_total)} total)" for r in sizes.itertuples()),
        f"regimes: {', '.join(regimes)}",
        f"conditions: {', '.join(conditions)}" + (f" ({ADVERSARIAL} = per example, mean robust correctness over "
                                                  "every recipe, on examples attacked by all)" if ADVERSARIAL in
                                                  conditions else ""),
        f"languages: {', '.join(f'{l} ({LANG_NAMES.get(l, l)})' for l in langs)}",
        "runs read: " + ", ".join(f"{k} {v}" for k, v in prov["n_runs"].items()),
    ])
    if prov["skipped"]:
        overview.bullets.append(f"{len(prov['skipped'])} run dir(s) ignored (not done): " + "; ".join(
            f"{p} ({why})" for p, why in prov["skipped"][:10]))
    sec.append(overview)

    if stilts is not None:
        s = stilts.slopes
        if not s.empty:
            show = s[s.x == "log10(params_non_embedding)"]
            t = pd.DataFrame({
                "regime": show.regime, "condition": show.condition, "quantity": show.quantity,
                "per 10x params (points) [95% CI]": [fmt_delta(r.estimate, r.ci_low, r.ci_high)
                                                     for r in show.itertuples()],
                "sizes": show.n_sizes})
            t2 = s[s.x == "log10(params_total)"]
            t["vs total params [95% CI]"] = [fmt_delta(r.estimate, r.ci_low, r.ci_high) for r in t2.itertuples()]
            sec.append(Section("Amplification: slope of Δ against log10(parameters)", [
                f"OLS slope of the all-language STILTs benefit Δ on log10(non-embedding parameters) (and total "
                f"parameters), in accuracy points per tenfold increase; 95% percentile intervals from {n_boot} "
                "bootstrap resamples of seeds (within size) and example ids (within language, shared by paired "
                "cells). A slope difference > 0 means scale amplifies the benefit more under attack than on clean "
                "data."], tables=[("slopes", t)], bullets=stilts.notes,
                figures=[f for f in figures if f[1] == "delta_vs_params.png"]))
        d = stilts.delta
        if not d.empty:
            dall = d[d.lang == ALL_LANGS]
            tab = _pivot(dall, ["size", "regime"], "condition",
                         lambda r: f"{fmt_delta(r.delta, r.ci_low, r.ci_high)} n={r.n_pairs:.0f}")
            dl = d[(d.lang != ALL_LANGS) & (d.condition == adv)].assign(
                col=lambda x: x["size"] + " / " + x.regime)
            tab_lang = _pivot(dl, ["lang"], "col", lambda r: fmt_delta(r.delta, r.ci_low, r.ci_high))
            sec.append(Section("STILTs benefit Δ = acc(intermediate) − acc(baseline)", [
                "Paired by example id and seed; accuracy points; mean over the languages paired for every size "
                "(see notes above); [95% bootstrap CI]; n = paired (example, seed) differences the cell rests on; "
                "clean cells use only the examples the attacks ran on."],
                tables=[("Δ, all languages", tab), (f"Δ per language, condition {adv}", tab_lang)]))
    if not acc.empty:
        a = acc[acc.lang == ALL_LANGS]
        n_max = int(acc.n_seeds.max())

        def seeds_note(r) -> str:  # a cell with fewer seeds than the study's is flagged, not silently averaged
            return f" ({r.n_seeds}/{n_max} seeds)" if 0 < r.n_seeds < n_max else ""

        tab = _pivot(a, ["size", "regime"], "condition",
                     lambda r: fmt_pct(r.accuracy, r.accuracy_std) + seeds_note(r))
        att = a[a.condition != CLEAN]
        asr = _pivot(att, ["size", "regime"], "condition",
                     lambda r: fmt_pct(r.attack_success_rate, r.attack_success_rate_std) + seeds_note(r))
        per_lang = _pivot(acc[acc.lang != ALL_LANGS].assign(col=lambda x: x["size"] + " / " + x.regime),
                          ["condition", "lang"], "col",
                          lambda r: fmt_pct(r.accuracy, r.accuracy_std) + seeds_note(r))
        missing = acc[(acc.lang != ALL_LANGS) & (acc.n_seeds == 0)]
        bullets = []
        if len(missing):
            cells = [f"{r.size}/{r.regime}/{r.condition}/{r.lang}" for r in missing.itertuples()]
            bullets.append(f"{len(missing)} of {int((acc.lang != ALL_LANGS).sum())} cells have no runs (shown as —): "
                           + ", ".join(cells[:40]) + (" …" if len(cells) > 40 else ""))
        sec.append(Section("Accuracy", [
            "Clean accuracy (clean) and robust accuracy (per attack recipe: clean-correct and the attack failed), "
            "% mean ± std over seeds, over all languages (— when a language or run is missing: never averaged "
            "over what is missing)."],
            tables=[("accuracy, mean over languages", tab), ("attack success rate, mean over languages", asr),
                    ("accuracy per language", per_lang)], bullets=bullets))
    if not hans_h.empty:
        h = hans_h.assign(col=hans_h.heuristic + ": " + hans_h.split.str.replace("_", "-"))
        tab = _pivot(h, ["size", "regime", "lang"], "col", lambda r: fmt_pct(r.accuracy, r.accuracy_std))
        sec.append(Section("HANS-style challenge sets", [
            "Two-way accuracy (neutral and contradiction count as non-entailment; McCoy et al. 2019), % mean ± "
            "std over seeds."], tables=[("per heuristic", tab)]))
    rest = [f for f in figures if f[1] != "delta_vs_params.png"]
    if rest:
        sec.append(Section("Figures", figures=rest))
    caveats = [f"{c} ({n} run(s))" for c, n in sorted(prov["caveats"].items())] or ["none recorded in manifests"]
    sec.append(Section("Data caveats", bullets=caveats))
    cmds = ([f"# this report\n{command}"] if command else []) + prov["commands"]
    sec.append(Section("Exact commands (from manifests)", code=cmds or ["(no command recorded in the manifests)"]))
    sec.append(Section("Versions", bullets=[f"{k}: {', '.join(v)}" for k, v in prov["versions"].items()]))
    return sec


def headline_json(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / "report.json").read_text())
