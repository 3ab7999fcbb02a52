"""The one-paragraph, plain-language answer to the research question, with its uncertainty stated."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import ADVERSARIAL, StiltsResult

QUESTION = ("Does scaling the pretrained model amplify the benefit of English intermediate-task training (STILTs) "
            "for zero-shot cross-lingual NLI under adversarial conditions?")
AXIS = "log10(params_non_embedding)"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _ci(lo: float, hi: float) -> str:
    return f"[{_pts(lo)}, {_pts(hi)}]" if np.isfinite(lo) and np.isfinite(hi) else "[not estimable]"


def plain_answer(result: StiltsResult, regimes: list[str], conditions: list[str], sizes: pd.DataFrame,
                 baseline: str = "baseline") -> str:
    """State the adversarial − clean slope difference with its 95% interval; say when the data cannot decide."""
    if baseline not in regimes:
        return (f"The data cannot decide: there are no {baseline} runs, so the STILTs benefit (intermediate − "
                f"baseline) cannot be computed. Regimes found: {', '.join(regimes) or 'none'}.")
    intermediates = [r for r in regimes if r != baseline]
    if not intermediates:
        return "The data cannot decide: only baseline runs were found, so there is no STILTs benefit to measure."
    attacks = [c for c in conditions if c != "clean"]
    if not attacks:
        return ("The data cannot decide: no attack runs were found, so the benefit under adversarial conditions "
                "cannot be measured (only clean accuracy is reported).")
    adv = ADVERSARIAL if ADVERSARIAL in attacks else attacks[0]
    adv_name = "all attack recipes pooled" if adv == ADVERSARIAL else f"the {adv} attack"
    s = result.slopes
    parts: list[str] = []
    for regime in intermediates:
        def row(cond: str, quantity: str) -> pd.Series | None:
            r = s[(s.regime == regime) & (s.condition == cond) & (s.quantity == quantity) & (s.x == AXIS)]
            return r.iloc[0] if len(r) else None

        diff, clean, attacked = row(f"{adv} - clean", "slope difference"), row("clean", "slope"), row(adv, "slope")
        n_sizes = int(diff.n_sizes) if diff is not None else 0
        if diff is None or n_sizes < 2 or not np.isfinite(diff.estimate):
            parts.append(f"For {regime}, the data cannot decide: the benefit is paired for {n_sizes} model size(s) "
                         f"under both clean and adversarial conditions, and a slope needs at least 2 "
                         f"(sizes with runs: {', '.join(sizes['size'])}).")
            continue
        text = (f"For {regime} versus {baseline}, across {n_sizes} sizes ({diff.sizes.replace(',', ', ')}), the "
                f"STILTs benefit changes by {_pts(clean.estimate)} accuracy points per tenfold increase in "
                f"non-embedding parameters on clean XNLI (95% CI {_ci(clean.ci_low, clean.ci_high)}) and by "
                f"{_pts(attacked.estimate)} under {adv_name} (95% CI {_ci(attacked.ci_low, attacked.ci_high)}); "
                f"the amplification under attack (adversarial − clean slope) is {_pts(diff.estimate)} points per "
                f"decade, 95% CI {_ci(diff.ci_low, diff.ci_high)}.")
        lo, hi = diff.ci_low, diff.ci_high
        if not (np.isfinite(lo) and np.isfinite(hi)):
            text += " The data cannot decide: the bootstrap interval could not be estimated."
        elif lo <= 0 <= hi:
            text += (" The interval covers 0, so these runs cannot decide whether scaling amplifies the STILTs "
                     "benefit under attack.")
        elif lo > 0:
            text += " Yes: in these runs, scaling amplifies the STILTs benefit more under attack than on clean data."
        else:
            text += (" No: in these runs, scaling amplifies the STILTs benefit less under attack than on clean data "
                     "(the adversarial slope is lower).")
        if n_sizes == 2:
            text += " With only 2 sizes, the slope is a two-point difference and cannot show curvature."
        parts.append(text)
    return " ".join(parts)
