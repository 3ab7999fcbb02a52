"""The one-paragraph, plain-language answer to the research question, with its uncertainty stated."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .stats import ADVERSARIAL, ALL_LANGS, StiltsResult

QUESTION = ("Does scaling the pretrained model amplify the benefit of English intermediate-task training (STILTs) "
            "for zero-shot cross-lingual NLI under adversarial conditions?")
AXIS = "log10(params_non_embedding)"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _ci(lo: float, hi: float) -> str:
    return f"[{_pts(lo)}, {_pts(hi)}]" if np.isfinite(lo) and np.isfinite(hi) else "[not estimable]"


CHANCE = 0.36  # 3-way NLI: a model at or below this clean accuracy is at chance (often one constant class)


def _caveats(acc: pd.DataFrame | None, regimes: list[str]) -> tuple[int, list[str]]:
    """(most seeds any clean cell has, 'size/regime' cells at chance level) from the accuracy table."""
    if acc is None or acc.empty:
        return 2, []
    clean = acc[(acc.condition == "clean") & (acc.lang == ALL_LANGS) & acc.regime.isin(regimes) & (acc.n_seeds > 0)]
    chance = [f"{r.size} / {r.regime} ({100 * r.accuracy:.1f}%)" for r in clean.itertuples() if r.accuracy <= CHANCE]
    return int(clean.n_seeds.max()) if len(clean) else 0, chance


def plain_answer(result: StiltsResult, regimes: list[str], conditions: list[str], sizes: pd.DataFrame,
                 baseline: str = "baseline", acc: pd.DataFrame | None = None) -> str:
    """State the adversarial − clean slope difference with its 95% interval; say when the data cannot decide
    (interval covers 0, fewer than 2 sizes or seeds, no baseline/attacks) and name models at chance level."""
    n_seeds, chance = _caveats(acc, regimes)
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
        text = (f"For {regime} versus {baseline}, across {n_sizes} sizes ({re.sub(r',(?! )', ', ', diff.sizes)}), the "
                f"STILTs benefit changes by {_pts(clean.estimate)} accuracy points per tenfold increase in "
                f"non-embedding parameters on clean XNLI (95% CI {_ci(clean.ci_low, clean.ci_high)}) and by "
                f"{_pts(attacked.estimate)} under {adv_name} (95% CI {_ci(attacked.ci_low, attacked.ci_high)}); "
                f"the amplification under attack (adversarial − clean slope) is {_pts(diff.estimate)} points per "
                f"decade, 95% CI {_ci(diff.ci_low, diff.ci_high)}.")
        lo, hi = diff.ci_low, diff.ci_high
        if n_seeds < 2:
            text += (" The data cannot decide: every cell has a single training seed, so the interval reflects only "
                     "the resampling of examples, not how much a retrained model would differ.")
        elif not (np.isfinite(lo) and np.isfinite(hi)):
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
    if acc is not None and not acc.empty:
        counts = acc[acc.lang == ALL_LANGS].groupby("condition").n_examples.max()
        attacked = [c for c in counts.index if c not in ("clean", ADVERSARIAL)]
        if "clean" in counts and attacked and counts["clean"] != counts[attacked].max():
            parts.append(f"Note: clean accuracy comes from {int(counts['clean'])} example evaluations per cell and the "
                         f"attacks from at most {int(counts[attacked].max())}; the clean and adversarial benefits "
                         "are measured on different example sets unless the evaluate and attack limits match.")
    if chance:
        parts.append(f"Caution: {len(chance)} model(s) are at chance level on clean XNLI ({'; '.join(chance)}); "
                     "their benefit Δ compares near-constant predictors, not learned behaviour.")
    return " ".join(parts)
