"""Per-class diagnostics from run-directory records: recall per gold class, the prediction distribution, the
confusion matrix, a flag for a model that predicts one class almost always, and attack outcomes per gold class.

A model that answers one class for most inputs can look fine on accuracy and is unattackable (a constant predictor
has nothing to flip), so every place that shows accuracy also shows these. Pure functions of records (no I/O), so
the summary schema can carry their output as is.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from .constants import NLI_LABELS

COLLAPSE_SHARE = 0.8  # a model predicting one class for more than this share of inputs is flagged
CHANCE_3WAY = 1 / 3


def class_stats(labels: Sequence[int], preds: Sequence[int], names: Sequence[str] = NLI_LABELS) -> dict[str, Any]:
    """Confusion matrix (rows gold, columns predicted), recall and support per gold class, share of predictions
    per class, the majority predicted class and whether it exceeds ``COLLAPSE_SHARE``."""
    k = len(names)
    conf = [[0] * k for _ in range(k)]
    for y, p in zip(labels, preds):
        conf[int(y)][int(p)] += 1
    n = sum(map(sum, conf))
    support = {names[i]: sum(conf[i]) for i in range(k)}
    recall = {names[i]: (conf[i][i] / support[names[i]] if support[names[i]] else None) for i in range(k)}
    pred_n = [sum(conf[i][j] for i in range(k)) for j in range(k)]
    share = {names[j]: (pred_n[j] / n if n else None) for j in range(k)}
    top = max(range(k), key=lambda j: pred_n[j])
    top_share = pred_n[top] / n if n else None
    return {"n": n, "recall": recall, "support": support, "pred_share": share, "confusion": conf,
            "majority_pred": names[top], "majority_share": top_share,
            "collapsed": bool(top_share is not None and top_share > COLLAPSE_SHARE)}


def per_class(records: Iterable[dict[str, Any]], pred_key: str = "pred") -> dict[str, Any]:
    recs = list(records)
    return class_stats([int(r["label"]) for r in recs], [int(r[pred_key]) for r in recs])


def per_class_by_lang(records: Iterable[dict[str, Any]], pred_key: str = "pred") -> dict[str, dict[str, Any]]:
    """``{lang: class_stats}`` plus ``"all"`` pooled over languages (when more than one)."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by.setdefault(r["lang"], []).append(r)
    out = {lang: per_class(rs, pred_key) for lang, rs in by.items()}
    if len(by) > 1:
        out["all"] = per_class([r for rs in by.values() for r in rs], pred_key)
    return out


def attack_by_class(records: Iterable[dict[str, Any]], names: Sequence[str] = NLI_LABELS) -> dict[str, Any]:
    """Per gold class: n, examples skipped because the model was already wrong, attacked, succeeded, the success
    rate (succeeded / attacked) and robust accuracy (failed attacks / n)."""
    out: dict[str, Any] = {}
    recs = list(records)
    for i, name in enumerate(names):
        rs = [r for r in recs if int(r["label"]) == i]
        n_s = sum(r["status"] == "succeeded" for r in rs)
        n_f = sum(r["status"] == "failed" for r in rs)
        n_k = sum(r["status"] == "skipped" for r in rs)
        out[name] = {"n": len(rs), "skipped_already_wrong": n_k, "attacked": n_s + n_f, "succeeded": n_s,
                     "success_rate": n_s / (n_s + n_f) if n_s + n_f else None,
                     "robust_accuracy": n_f / len(rs) if rs else None}
    return out


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n (NaN, NaN when n == 0)."""
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def not_evidence_reason(n_correct: int, n: int, majority_share: float | None, majority_pred: str = "",
                        chance: float = CHANCE_3WAY) -> str | None:
    """Why a model's numbers cannot serve as evidence, or None: its clean-accuracy 95% interval includes chance,
    or it predicts one class for at least ``COLLAPSE_SHARE`` of inputs (a near-constant predictor cannot be
    attacked, so its robust accuracy equals its clean accuracy and manufactures a benefit under attack)."""
    reasons = []
    lo, hi = wilson_interval(n_correct, n)
    if n == 0:
        return "no clean predictions"
    if lo <= chance <= hi or hi < chance:
        reasons.append(f"clean accuracy {100 * n_correct / n:.1f}% (95% CI {100 * lo:.1f}–{100 * hi:.1f}%, "
                       f"n={n}) is not above chance ({100 * chance:.1f}%)")
    if majority_share is not None and majority_share >= COLLAPSE_SHARE:
        reasons.append(f"predicts {majority_pred or 'one class'} for {100 * majority_share:.0f}% of inputs")
    return "; ".join(reasons) or None


def recall_line(stats: dict[str, Any]) -> str:
    """'recall E 67.0 / N 1.0 / C 76.0; predicted E 55% N 1% C 44%' (one line for logs)."""
    def pct(x: Any, d: int = 1) -> str:
        return "—" if x is None else f"{100 * x:.{d}f}"
    rec = " / ".join(f"{k[0].upper()} {pct(v)}" for k, v in stats["recall"].items())
    share = " ".join(f"{k[0].upper()} {pct(v, 0)}%" for k, v in stats["pred_share"].items())
    flag = f"  ⚠ predicts {stats['majority_pred']} for {pct(stats['majority_share'], 0)}%" if stats["collapsed"] else ""
    return f"recall {rec}; predicted {share}{flag}"
