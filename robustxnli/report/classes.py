"""Per-class view of the study: predictions per example, which models count as evidence, confusion matrices.

A model whose clean accuracy is not distinguishable from chance, or that predicts one class almost always, is
left out of the STILTs Δ and its slope (``usable_examples``) and listed with its reason: a constant predictor
cannot be attacked, so its robust accuracy equals its clean accuracy and manufactures a "benefit under attack".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..constants import NLI_LABELS
from ..perclass import COLLAPSE_SHARE, not_evidence_reason, wilson_interval
from ..rundir import iter_records, RECORDS
from .load import CLEAN, MODEL_KEYS, RunSet, model_fields

MODEL = ["size", "regime", "seed"]


def prediction_frame(runset: RunSet) -> pd.DataFrame:
    """One row per (model, condition, lang, id): gold ``label`` and ``pred``. Clean predictions come from evaluate
    runs, else from attack runs' clean predictions; under an attack, ``pred`` is the prediction on the adversarial
    pair (a skipped example keeps its clean prediction)."""
    parts: list[pd.DataFrame] = []

    def frame(run, condition: str, source: int, recs: list[dict], key: str) -> pd.DataFrame:
        df = pd.DataFrame({"lang": [r["lang"] for r in recs], "id": [str(r["id"]) for r in recs],
                           "label": [int(r["label"]) for r in recs], "pred": [int(r[key]) for r in recs],
                           "clean_pred": [int(r.get("clean_pred", r[key])) for r in recs]})
        for k, v in {**model_fields(run.manifest), "condition": condition, "source": source}.items():
            df[k] = v
        return df

    for run in runset.of_kind("evaluate"):
        parts.append(frame(run, CLEAN, 0, list(iter_records(run.path / RECORDS)), "pred"))
    for run in runset.of_kind("attack"):
        recs = list(iter_records(run.path / RECORDS))
        parts.append(frame(run, CLEAN, 1, recs, "clean_pred"))
        parts.append(frame(run, str(run.manifest.get("recipe") or "attack"), 1, recs, "adv_pred"))
    cols = MODEL_KEYS + ["condition", "lang", "id", "label", "pred", "clean_pred"]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True).sort_values("source", kind="stable")
    return df.drop_duplicates(MODEL_KEYS + ["condition", "lang", "id"])[cols].reset_index(drop=True)


def model_evidence(preds: pd.DataFrame, chance: float = 1 / len(NLI_LABELS)) -> pd.DataFrame:
    """Per trained model (size x regime x seed), on its clean predictions pooled over languages: accuracy with its
    95% Wilson interval, the majority predicted class and its share, and ``left_out`` (the reason, or "")."""
    clean = preds[preds.condition == CLEAN]
    rows = []
    for (size, regime, seed), g in clean.groupby(MODEL, sort=False):
        n, k = len(g), int((g.label == g.pred).sum())
        shares = g.pred.value_counts(normalize=True)
        top = int(shares.idxmax()) if len(shares) else 0
        top_share = float(shares.max()) if len(shares) else float("nan")
        lo, hi = wilson_interval(k, n)
        why = not_evidence_reason(k, n, top_share, NLI_LABELS[top], chance) or ""
        brief = ", ".join(([f"at chance ({100 * k / n:.1f}%)"] if why and lo <= chance else [])
                          + ([f"{NLI_LABELS[top]} {100 * top_share:.0f}%"] if why and top_share >= COLLAPSE_SHARE
                             else [])) if why else ""
        rows.append({"size": size, "regime": regime, "seed": int(seed), "n": n, "accuracy": k / n if n else np.nan,
                     "ci_low": lo, "ci_high": hi, "majority_pred": NLI_LABELS[top], "majority_share": top_share,
                     "left_out": why, "left_out_brief": brief})
    return pd.DataFrame(rows, columns=["size", "regime", "seed", "n", "accuracy", "ci_low", "ci_high",
                                       "majority_pred", "majority_share", "left_out", "left_out_brief"])


def usable_examples(ex: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """``ex`` without the rows of models left out as evidence (every condition: their Δ is not computed)."""
    out = evidence[evidence.left_out != ""]
    if out.empty:
        return ex
    bad = set(zip(out["size"], out.regime, out.seed))
    keep = [(s, r, int(d)) not in bad for s, r, d in zip(ex["size"], ex.regime, ex.seed)]
    return ex[keep]


def confusion_table(preds: pd.DataFrame, size: str, regime: str, conditions: list[str]) -> pd.DataFrame:
    """One row per gold class (+ a row with the share of all predictions); for each condition, columns
    ``<condition> n`` (the examples behind the row: attacks run on fewer pairs than the clean evaluation) and
    ``<condition> →E/→N/→C``: % of that gold class predicted as each class. Pooled over seeds and languages."""
    g = preds[(preds["size"] == size) & (preds.regime == regime)]
    short = [name[0].upper() for name in NLI_LABELS]
    rows: list[dict] = [{"gold": gold} for gold in NLI_LABELS] + [{"gold": "share of predictions"}]
    for cond in conditions:
        c = g[g.condition == cond]
        if c.empty:
            continue
        for i in range(len(NLI_LABELS)):
            gg = c[c.label == i]
            rows[i][f"{cond} n"] = len(gg)
            for j, sj in enumerate(short):
                rows[i][f"{cond} →{sj}"] = f"{100 * (gg.pred == j).mean():.1f}" if len(gg) else "—"
        share = c.pred.value_counts(normalize=True)
        for j, sj in enumerate(short):
            rows[-1][f"{cond} →{sj}"] = f"{100 * share.get(j, 0.0):.1f}"
        rows[-1][f"{cond} n"] = len(c)
    if len(rows[-1]) == 1:
        return pd.DataFrame()
    return pd.DataFrame(rows)


def collapsed_models(preds: pd.DataFrame) -> pd.DataFrame:
    """size x regime x condition cells (pooled over seeds and languages) whose predictions go to one class more
    than COLLAPSE_SHARE of the time."""
    rows = []
    for (size, regime, cond), g in preds.groupby(["size", "regime", "condition"], sort=False):
        share = g.pred.value_counts(normalize=True)
        if len(share) and share.max() > COLLAPSE_SHARE:
            rows.append({"size": size, "regime": regime, "condition": cond,
                         "predicts": NLI_LABELS[int(share.idxmax())], "share": float(share.max()), "n": len(g)})
    return pd.DataFrame(rows, columns=["size", "regime", "condition", "predicts", "share", "n"])


def attack_by_gold_class(preds: pd.DataFrame, size: str, regime: str, conditions: list[str]) -> pd.DataFrame:
    """Per attack recipe and gold class (pooled over seeds and languages): examples, how many were skipped because
    the model was already wrong, and the attack success rate on the rest."""
    g = preds[(preds["size"] == size) & (preds.regime == regime)]
    rows = []
    for cond in conditions:
        c = g[g.condition == cond]
        if c.empty:
            continue
        row: dict = {"recipe": cond}
        for i, gold in enumerate(NLI_LABELS):
            gg = c[c.label == i]
            ok = gg.clean_pred == i
            wrong = int((~ok).sum())
            succ = int((ok & (gg.pred != i)).sum())
            short = gold[0].upper()
            row[f"{short}: n"] = len(gg)
            row[f"{short}: already wrong"] = wrong
            row[f"{short}: success %"] = f"{100 * succ / ok.sum():.1f}" if ok.sum() else "—"
        rows.append(row)
    return pd.DataFrame(rows)
