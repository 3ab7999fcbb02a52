"""Report section for the lexical-inference contrast sets (run dirs of kind "contrast"): accuracy per category by
model size and regime, mean over seeds (per-seed accuracy first) and languages."""

from __future__ import annotations

import pandas as pd

from ..rundir import RECORDS, iter_records
from .labels import model_label
from .load import RunSet, model_fields
from .render import Section, fmt_pct


def contrast_frame(runset: RunSet) -> pd.DataFrame:
    """One row per contrast record: model fields, lang, category, label, correct."""
    parts = []
    for run in runset.of_kind("contrast"):
        recs = list(iter_records(run.path / RECORDS))
        if not recs:
            continue
        df = pd.DataFrame({"lang": [r["lang"] for r in recs], "category": [r["category"] for r in recs],
                           "label": [int(r["label"]) for r in recs],
                           "correct": [float(bool(r["correct"])) for r in recs]})
        for k, v in model_fields(run.manifest).items():
            df[k] = v
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def contrast_section(frame: pd.DataFrame, sizes: list[str], regimes: list[str],
                     labels: dict[str, str]) -> list[Section]:
    if frame.empty:
        return []
    from ..contrast.generate import CATEGORIES

    f = frame.assign(group=frame.label.map({0: "all entailment pairs", 2: "all contradiction pairs"}))
    rows = []
    for key, col in (("category", "category"), ("group", "group")):
        per_seed = f.groupby(["size", "regime", "seed", key]).correct.mean().rename("acc").reset_index()
        stats = per_seed.groupby(["size", "regime", key]).agg(acc=("acc", "mean"), std=("acc", "std"),
                                                              seeds=("seed", "nunique")).reset_index()
        rows.append(stats.rename(columns={key: "row"}))
    stats = pd.concat(rows, ignore_index=True)
    order = [c for c in CATEGORIES if c in set(stats.row)] + ["all contradiction pairs", "all entailment pairs"]
    models = [(s, r) for s in sizes for r in regimes if ((stats["size"] == s) & (stats.regime == r)).any()]
    table = pd.DataFrame({"category": order})
    for s, r in models:
        m = stats[(stats["size"] == s) & (stats.regime == r)].set_index("row")
        table[model_label(labels.get(s, s), r)] = [fmt_pct(m.at[c, "acc"], m.at[c, "std"]) if c in m.index else "—"
                                                   for c in order]
    tables = [("accuracy per category", table)]
    if len(models) <= 2:  # per language too, while the table stays narrow
        per = f.groupby(["size", "regime", "seed", "lang", "category"]).correct.mean().rename("acc").reset_index()
        per = per.groupby(["size", "regime", "lang", "category"]).acc.mean()
        by_lang = pd.DataFrame({"category": [c for c in order if c in CATEGORIES]})
        for s, r in models:
            for lang in sorted(frame.lang.unique()):
                col = f"{model_label(labels.get(s, s), r)} · {lang}" if len(models) > 1 else lang
                by_lang[col] = [fmt_pct(per.get((s, r, lang, c), float("nan"))) for c in by_lang.category]
        tables.append(("accuracy per category and language", by_lang))
    langs = ", ".join(sorted(frame.lang.unique()))
    n = frame.groupby(["size", "regime", "seed"]).size().max()
    return [Section("Lexical-inference contrast sets", [
        "One-word swaps (Glockner et al. 2018; Naik et al. 2018): a co-hyponym from a closed category or an antonym "
        "→ contradiction, a synonym or a hypernym in an upward-monotone position → entailment. Three-way accuracy, "
        f"% mean ± std over seeds, pooled over {langs} (up to {n} generated pairs per model; a model answering "
        "entailment to everything scores 100 on the entailment rows and 0 on the others)."],
        tables=tables)]
