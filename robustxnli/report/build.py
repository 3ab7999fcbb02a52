"""``robustxnli report``: run directories in, tables + figures + report.md + one self-contained report.html out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..constants import LANG_NAMES, XNLI_LANGS
from ..rundir import atomic_write_json, now_iso
from . import plots
from .answer import QUESTION, Answer, answer_parts
from .classes import (attack_by_gold_class, collapsed_models, confusion_table, model_evidence, prediction_frame,
                      usable_examples)
from .contrast import contrast_frame, contrast_section
from .examples import attack_sections
from .labels import model_label, regime_name, short_labels
from .narrow import narrowing_options
from .load import CLEAN, drop_duplicate_runs, example_frame, find_runs, hans_frame, provenance, size_table
from .render import Section, fmt_delta, fmt_params, fmt_pct, json_safe, to_html, to_markdown
from .stats import ADVERSARIAL, ALL_LANGS, accuracy_table, add_pooled_adversarial, conditions_of, hans_table, \
    stilts_analysis

BASELINE = "baseline"
TITLE = "robustxnli: does scale amplify the STILTs benefit under attack?"


def build_report(run_dirs: Sequence[str | Path], out: str | Path, sweep_config: str | Path | None = None,
                 n_boot: int = 1000, seed: int = 0, command: str | None = None,
                 leave_out_chance: bool = True) -> dict[str, Any]:
    """Read every finished run under ``run_dirs`` and write the report into ``out``; returns the headline.

    Models whose clean accuracy is not above chance, or that predict one class >= 80% of the time, are left out of
    Δ and the slope (``leave_out_chance``; off only for hand-sized test fixtures) and listed with the reason."""
    expected: dict[str, Any] = {}
    sweep_hash, cfg = None, None
    if sweep_config is not None:
        from ..sweep.config import load_config

        cfg = load_config(sweep_config)
        sweep_hash = cfg.sweep_hash
        expected = {"langs": list(cfg.langs), "regimes": [_regime_label(r) for r in cfg.regimes]}
    runset = drop_duplicate_runs(find_runs(run_dirs, sweep_hash))  # one dedup rule for every section
    ex = add_pooled_adversarial(example_frame(runset))
    hans = hans_frame(runset)
    sizes = size_table(ex, hans)
    langs = _ordered(set(ex.lang) | set(expected.get("langs", [])), XNLI_LANGS)
    regimes = _ordered(set(ex.regime) | set(hans.regime) | set(expected.get("regimes", [])), [BASELINE])
    conditions = conditions_of(ex)
    labels = short_labels(sizes["size"])
    preds = prediction_frame(runset)
    evidence = model_evidence(preds)
    if not leave_out_chance:
        evidence = evidence.assign(left_out="", left_out_brief="")
    ex_used = usable_examples(ex, evidence)

    acc = accuracy_table(ex, sizes, regimes, langs) if not ex.empty else pd.DataFrame()
    stilts = stilts_analysis(ex_used, sizes, regimes, langs, BASELINE, n_boot, seed) if not ex.empty else None
    hans_h, hans_s = hans_table(hans, "heuristic"), hans_table(hans, "subcase")
    answer_obj = answer_parts(stilts, regimes, conditions, sizes, BASELINE, acc, evidence, labels) if stilts else \
        Answer("The data cannot decide: no XNLI evaluation or attack runs were found.")
    if cfg is not None and answer_obj.number:  # what would narrow the interval, priced by the sweep's cost model
        gap = _config_gap(cfg, ex, sizes)
        if gap:
            answer_obj.details.append(gap)
        answer_obj.details.append("What would narrow the interval (extra cost estimated by `robustxnli sweep "
                                  "--dry-run`'s cost model, sequential): "
                                  + "; ".join(narrowing_options(cfg, _amplification_half_width(stilts))) + ".")
    answer = answer_obj.text
    prov = provenance(runset)

    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    tables = {"accuracy": acc, "hans_heuristic": hans_h, "hans_subcase": hans_s, "evidence": evidence}
    if stilts:
        tables.update(delta=stilts.delta, slopes=stilts.slopes)
    for name, df in tables.items():
        df.to_csv(out / "tables" / f"{name}.csv", index=False)
        df.to_parquet(out / "tables" / f"{name}.parquet", index=False)

    figures, not_drawn = _figures(_relabel(acc, labels), stilts, _relabel(hans_s, labels))  # short labels
    for _, name, png in figures:
        (out / "figures" / name).write_bytes(png)
    for name, _ in not_drawn:  # a figure from an earlier report into this --out would no longer match
        (out / "figures" / name).unlink(missing_ok=True)
    sections = _sections(answer, acc, stilts, hans_h, sizes, regimes, conditions, langs, prov, figures, n_boot,
                         command, labels, evidence, not_drawn)
    evidence_sec, diagnostics_sec = _class_sections(preds, evidence, sizes, regimes, conditions, labels)
    sections[2:2] = evidence_sec  # right after Study: which models the answer rests on
    at = next((i + 1 for i, x in enumerate(sections) if x.title == "Accuracy"), len(sections))
    sections[at:at] = diagnostics_sec  # per-class view beside the accuracy tables
    at = next((i for i, x in enumerate(sections) if x.title in ("Figures", "Data caveats")), len(sections))
    sections[at:at] = [*attack_sections(runset, seed),  # validity audit + attack examples
                       *contrast_section(contrast_frame(runset), list(sizes["size"]), regimes, labels)]
    sections = _short_labels(sections, labels)
    (out / "report.md").write_text(to_markdown(TITLE, sections), encoding="utf-8")
    (out / "report.html").write_text(to_html(TITLE, sections[1:], answer_first=answer_obj, question=QUESTION),
                                     encoding="utf-8")
    headline = {"question": QUESTION, "answer": answer, "created": now_iso(), "runs": prov["n_runs"],
                "sizes": list(sizes["size"]), "regimes": regimes, "conditions": conditions, "langs": langs,
                "slopes": stilts.slopes.to_dict("records") if stilts else [], "notes": stilts.notes if stilts else [],
                "verdict": answer_obj.verdict, "left_out": evidence[evidence.left_out != ""].to_dict("records"),
                "warnings": runset.warnings}
    atomic_write_json(out / "report.json", json_safe(headline))
    return headline


def _amplification_half_width(stilts) -> float | None:
    """Half the 95% interval of the first adversarial − clean slope difference (per decade), if estimated."""
    s = stilts.slopes if stilts is not None else pd.DataFrame()
    if s.empty:
        return None
    rows = s[(s.quantity == "slope difference") & (s.x == "log10(params_non_embedding)")]
    pooled = rows[rows.condition.str.startswith(ADVERSARIAL)]
    r = (pooled if len(pooled) else rows)
    return float((r.ci_high.iloc[0] - r.ci_low.iloc[0]) / 2) if len(r) else None


def _regime_label(regime: str) -> str:
    """A sweep config's regime as training labels its runs (``anli,snli`` -> ``anli+snli``)."""
    from ..training.config import TrainConfig

    return regime if regime == "baseline" else TrainConfig(intermediate=regime).regime


def _config_gap(cfg: Any, ex: pd.DataFrame, sizes: pd.DataFrame) -> str:
    """A note when the runs given cover only part of the sweep config (the costs below price the whole config)."""
    seeds, found = sorted(set(cfg.seeds)), sorted({int(s) for s in ex.seed.dropna().unique()})
    missing = [s for s in seeds if s not in found]
    if len(sizes) >= len(cfg.models) and not missing:
        return ""
    return (f"These runs cover {len(sizes)} of the config's {len(cfg.models)} models"
            + (f" and not seed(s) {', '.join(map(str, missing))}" if missing else "")
            + ": the config's missing cells come first (`robustxnli sweep CONFIG` runs only those), and the costs "
            "below price the whole config, not these runs.")


def _ordered(values: set, first: Sequence[str]) -> list[str]:
    values = {v for v in values if isinstance(v, str)}
    return [v for v in first if v in values] + sorted(values - set(first))


def _figures(acc, stilts, hans_s) -> tuple[list[tuple[str, str, bytes]], list[tuple[str, str]]]:
    """The figures that have something to show, and (file name, why) for each one left out."""
    has_delta = stilts is not None and not stilts.delta.empty
    figs = [
        ("Accuracy vs size, mean over languages (error bars: std over seeds); one panel per condition with data, "
         "one line per regime", "accuracy_vs_params.png",
         plots.accuracy_vs_params(acc), plots.accuracy_vs_params_gap(acc)),
        ("STILTs benefit Δ vs size, clean vs adversarial (95% bootstrap CIs; lines: OLS on log10 non-embedding "
         "parameters)", "delta_vs_params.png", plots.delta_vs_params(stilts.delta, stilts.slopes) if has_delta
         else None, "no STILTs benefit Δ (it needs baseline and intermediate-task runs of the same size)"),
        ("Accuracy per language: every condition (clean, each recipe and, where present, the pooled adversarial "
         "condition), one panel per model, so no recipe is singled out", "heatmap_lang.png",
         plots.language_heatmap(acc), "no accuracy per language"),
        ("HANS-style two-way accuracy per subcase", "hans_subcases.png", plots.hans_bars(hans_s), "no HANS runs")]
    drawn = [(c, n, p) for c, n, p, _ in figs if p is not None]
    return drawn, [(n, why) for _, n, p, why in figs if p is None]


def _lang_label(lang: str) -> str:
    """"de (German)"; own data "en@mine.jsonl (English)"; a code without a name alone."""
    name = LANG_NAMES.get(lang.partition("@")[0])
    return f"{lang} ({name})" if name else lang


def _label_of(key: str, labels: dict[str, str]) -> str:
    """'<model description> / <regime>' with the description shortened to its label."""
    size, _, regime = key.rpartition(" / ")
    return f"{labels.get(size, size)} / {regime}"


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
              command, labels: dict[str, str] | None = None, evidence: pd.DataFrame | None = None,
              not_drawn: list[tuple[str, str]] | None = None) -> list[Section]:
    labels = labels or {}
    sec: list[Section] = [Section("Answer", [f"Question: {QUESTION}", answer])]
    adv = ADVERSARIAL if ADVERSARIAL in conditions else (conditions[-1] if conditions else CLEAN)
    overview = Section("Study", bullets=[
        *[f"model {labels.get(r.size, r.size)} = {r.size}: {fmt_params(r.params_non_embedding)} non-embedding, "
          f"{fmt_params(r.params_total)} total parameters" for r in sizes.itertuples()],
        f"regimes: {', '.join(regimes)}",
        f"conditions: {', '.join(conditions)}" + (f" ({ADVERSARIAL} = per example, mean robust correctness over "
                                                  "every recipe, on examples attacked by all)" if ADVERSARIAL in
                                                  conditions else ""),
        f"languages: {', '.join(_lang_label(l) for l in langs)}",
        "runs read: " + ", ".join(f"{k} {v}" for k, v in prov["n_runs"].items()),
        *[f"training of {_label_of(key, labels)}: {'; '.join(choices)}" for key, choices in
          prov.get("training", {}).items()],
    ])
    if prov["skipped"]:
        overview.bullets.append(f"{len(prov['skipped'])} run dir(s) ignored (not done): " + "; ".join(
            f"{p} ({why})" for p, why in prov["skipped"][:10]))
    overview.bullets += [f"warning: {w}" for w in prov.get("warnings", [])]
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
            tab = _pivot(dall, ["size", "regime"], "condition", lambda r: f"{fmt_delta(r.delta, r.ci_low, r.ci_high)} n={r.n_pairs:.0f}")
            if evidence is not None and (evidence.left_out != "").any() and not tab.empty:
                tab["left out"] = [_left_out_note(evidence, r["size"], r["regime"]) for _, r in tab.iterrows()]
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
                          ["condition", "lang"], "col", lambda r: fmt_pct(r.accuracy, r.accuracy_std)
                          + (f" (n={r.n_examples})" if r.n_seeds else "") + seeds_note(r))
        missing = acc[(acc.lang != ALL_LANGS) & (acc.n_seeds == 0)]
        shown = stilts is not None and not stilts.slopes.empty  # else the Δ notes have no section of their own
        bullets = list(stilts.notes) if stilts is not None and not shown else []
        if len(missing):
            cells = [f"{r.size}/{r.regime}/{r.condition}/{r.lang}" for r in missing.itertuples()]
            bullets.append(f"{len(missing)} of {int((acc.lang != ALL_LANGS).sum())} cells have no runs (shown as —): "
                           + ", ".join(cells[:40]) + (" …" if len(cells) > 40 else ""))
        sec.append(Section("Accuracy", [
            "Clean accuracy (clean) and robust accuracy (per attack recipe: clean-correct and the attack failed), "
            "% mean ± std over seeds, over all languages (— when a language or run is missing: never averaged "
            "over what is missing). Per language, n = the (example, seed) pairs behind each number: clean "
            "accuracy uses every clean prediction (evaluate runs included), so it can rest on more examples than "
            "the robust accuracy beside it."],
            tables=[("accuracy, mean over languages", tab), ("attack success rate, mean over languages", asr),
                    ("accuracy per language", per_lang)], bullets=bullets))
    if not hans_h.empty:
        h = hans_h.assign(col=hans_h.heuristic + ": " + hans_h.split.str.replace("_", "-"))
        tab = _pivot(h, ["size", "regime", "lang"], "col", lambda r: fmt_pct(r.accuracy, r.accuracy_std)
                     + f" (n={int(r.n_per_seed)}×{int(r.n_seeds)})")
        sec.append(Section("HANS-style challenge sets", [
            "Two-way accuracy (neutral and contradiction count as non-entailment; McCoy et al. 2019), % mean ± "
            "std over seeds; n = examples per seed × seeds."], tables=[("per heuristic", tab)]))
    rest = [f for f in figures if f[1] != "delta_vs_params.png"]
    if rest or not_drawn:
        sec.append(Section("Figures", figures=rest, bullets=[f"{n} not drawn: {why}" for n, why in not_drawn or []]))
    caveats = [f"{c} ({n} run(s))" for c, n in sorted(prov["caveats"].items())] or ["none recorded in manifests"]
    sec.append(Section("Data caveats", bullets=caveats))
    if prov.get("own_data"):
        sec.append(Section("Your own data", bullets=[f"{name} ({sha}): its rows are labelled LANG@{name}"
                                                     for name, sha in prov["own_data"].items()]))
    cmds = ([f"# this report\n{command}"] if command else []) + prov["commands"]
    sec.append(Section("Exact commands (from manifests)", code=cmds or ["(no command recorded in the manifests)"]))
    sec.append(Section("Versions", bullets=[f"{k}: {', '.join(v)}" for k, v in prov["versions"].items()]))
    return sec


def headline_json(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / "report.json").read_text())


def _class_sections(preds: pd.DataFrame, evidence: pd.DataFrame, sizes: pd.DataFrame, regimes: list[str],
                    conditions: list[str], labels: dict[str, str]) -> tuple[list[Section], list[Section]]:
    """Which models count as evidence (greyed rows are left out, with the reason) and per-class diagnostics:
    cells predicting one class > 80% of the time, and a confusion matrix per model, clean and under each recipe."""
    if preds.empty:
        return [], []
    out: list[Section] = []
    order = {sz: i for i, sz in enumerate(sizes["size"])}
    evidence = evidence.assign(_o=evidence["size"].map(order), _r=evidence.regime.map(
        {r: i for i, r in enumerate(regimes)})).sort_values(["_o", "_r", "seed"]).drop(columns=["_o", "_r"])
    ev = pd.DataFrame({
        "model": [model_label(labels.get(r.size, r.size), r.regime) for r in evidence.itertuples()],
        "seed": evidence.seed,
        "clean acc. % [95% CI]": [f"{100 * r.accuracy:.1f} [{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]"
                                  for r in evidence.itertuples()],
        "n": evidence.n,
        "most predicted": [f"{r.majority_pred} {100 * r.majority_share:.0f}%" for r in evidence.itertuples()],
        "used in Δ and slope": [("left out: " + r.left_out) if r.left_out else "yes" for r in evidence.itertuples()]})
    n_out = int((evidence.left_out != "").sum())
    out.append(Section("Models used as evidence", [
        "A model whose clean-accuracy 95% interval (Wilson, over all its clean predictions) includes or lies below "
        "chance (33.3% for 3-way NLI), or that predicts one class for ≥ 80% of inputs, is left out of Δ and the "
        "slope: a constant predictor cannot be attacked, so its robust accuracy equals its clean accuracy and "
        f"manufactures a benefit under attack. {n_out} of {len(evidence)} models are left out (greyed)."],
        tables=[("models (size · regime, seed)", ev)]))
    flagged = collapsed_models(preds)
    bullets = [f"{model_label(labels.get(size, size), regime)} predicts {g.predicts.iloc[0]} for "
               f"{100 * g.share.min():.0f}–{100 * g.share.max():.0f}% of inputs ({', '.join(g.condition)})"
               .replace(f"{100 * g.share.max():.0f}–{100 * g.share.max():.0f}%", f"{100 * g.share.max():.0f}%")
               for (size, regime), g in flagged.groupby(["size", "regime"], sort=False)]
    conds = [c for c in conditions if c != ADVERSARIAL]
    tables = [(f"{model_label(labels.get(size, size), regime)}: % of each gold class predicted as E / N / C",
               confusion_table(preds, size, regime, conds))
              for size in sizes["size"] for regime in regimes]
    diagnostics = Section("Per-class diagnostics", [
        "Confusion matrices pooled over seeds and languages, clean and under each recipe: each row is a gold class "
        "(E entailment, N neutral, C contradiction), each cell the % of its examples predicted as E, N or C; the "
        "last row is the share of all predictions. Under an attack the prediction is the one on the adversarial "
        "pair; an example the model already got wrong keeps its clean prediction."],
        bullets=(["One class > 80% of predictions: " + "; ".join(bullets)] if bullets
                 else ["No model × condition predicts one class for more than 80% of inputs."]),
        tables=[(c, t) for c, t in tables if not t.empty])
    recipes = [c for c in conds if c != CLEAN]
    per_class_asr = [(f"{model_label(labels.get(size, size), regime)}: attacks per gold class",
                      attack_by_gold_class(preds, size, regime, recipes))
                     for size in sizes["size"] for regime in regimes] if recipes else []
    if any(not t.empty for _, t in per_class_asr):
        diagnostics.paragraphs.append(
            "Attacks per gold class: an example the model already gets wrong is skipped (it counts as not robust); "
            "the success rate is over the examples the model got right. A class the model never predicts is "
            "almost all skipped, so its robust accuracy is near 0 whatever the attack.")
        diagnostics.tables += [(c, t) for c, t in per_class_asr if not t.empty]
    return out, [diagnostics]


def _short_labels(sections: list[Section], labels: dict[str, str]) -> list[Section]:
    """Tables name models by short label (the study section spells each out once)."""
    for s in sections:
        s.tables = [(cap, _relabel(df, labels)) for cap, df in s.tables]
    return sections


def _relabel(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    if df.empty:
        return df
    df = df.copy()
    if "size" in df.columns:
        df["size"] = df["size"].map(lambda v: labels.get(v, v))
    ren = {}
    for c in df.columns:
        name = str(c)
        for full, short in labels.items():
            name = name.replace(full, short)
        ren[c] = name
    return df.rename(columns=ren)


def _left_out_note(evidence: pd.DataFrame, size: str, regime: str) -> str:
    """Why a size's Δ for ``regime`` is missing or rests on fewer seeds: its own or its baseline's left-out models."""
    notes = []
    for reg in (BASELINE, regime) if regime != BASELINE else (BASELINE,):
        e = evidence[(evidence["size"] == size) & (evidence.regime == reg) & (evidence.left_out != "")]
        if len(e):
            notes.append(f"{regime_name(reg)} seed{'s' if len(e) > 1 else ''} {', '.join(map(str, e.seed))} "
                         f"({e.left_out_brief.iloc[0]})")
    return ("left out: " + "; ".join(notes)) if notes else ""
