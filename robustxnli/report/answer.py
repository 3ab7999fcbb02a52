"""The plain-language answer to the research question: a one-sentence verdict first (amplifies / does not /
cannot decide, and why), then the one number with its interval, then the details a careful reader needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .labels import regime_name
from .stats import ADVERSARIAL, ALL_LANGS, StiltsResult

QUESTION = ("Does scaling the pretrained model amplify the benefit of English intermediate-task training (STILTs) "
            "for zero-shot cross-lingual NLI under adversarial conditions?")
AXIS = "log10(params_non_embedding)"


@dataclass
class Answer:
    verdict: str  # one sentence a reader takes in at a glance
    number: str = ""  # the one number with its interval
    details: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p for p in [self.verdict, self.number, *self.details] if p)

    def __str__(self) -> str:
        return self.text


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _ci(lo: float, hi: float) -> str:
    return f"[{_pts(lo)}, {_pts(hi)}]" if np.isfinite(lo) and np.isfinite(hi) else "[not estimable]"


def _n_seeds(acc: pd.DataFrame | None, regimes: list[str]) -> int:
    if acc is None or acc.empty:
        return 2
    clean = acc[(acc.condition == "clean") & (acc.lang == ALL_LANGS) & acc.regime.isin(regimes) & (acc.n_seeds > 0)]
    return int(clean.n_seeds.max()) if len(clean) else 0


def _left_out(evidence: pd.DataFrame | None, label) -> list[str]:
    """'e5-small L3 · baseline, e5-small L3 · ANLI (all seeds): <reason>' grouped by reason."""
    if evidence is None or evidence.empty:
        return []
    out = evidence[evidence.left_out != ""]
    n_seeds = evidence.groupby(["size", "regime"]).seed.nunique()
    by_reason: dict[str, list[str]] = {}
    for (s, r), g in out.groupby(["size", "regime"], sort=False):
        seeds = "all seeds" if len(g) == n_seeds[(s, r)] else "seed " + ", ".join(map(str, g.seed))
        key = g.left_out.iloc[0] if g.left_out.nunique() == 1 else "; ".join(g.left_out.unique())
        by_reason.setdefault(key, []).append(f"{label(s, r)} ({seeds})")
    return [f"{', '.join(models)}: {why}" for why, models in by_reason.items()]


def answer_parts(result: StiltsResult, regimes: list[str], conditions: list[str], sizes: pd.DataFrame,
                 baseline: str = "baseline", acc: pd.DataFrame | None = None, evidence: pd.DataFrame | None = None,
                 labels: dict[str, str] | None = None) -> Answer:
    """Verdict from the adversarial − clean slope difference and its 95% interval; "cannot decide" when the
    interval covers 0, fewer than 2 sizes or seeds remain, or there is no baseline / attack; models left out as
    evidence (chance level, one-class predictors) are named with their reason."""
    labels = labels or {}

    def size_l(s: str) -> str:
        return labels.get(s, s)

    def label(s: str, r: str) -> str:
        return f"{size_l(s)} · {regime_name(r)}"

    n_seeds = _n_seeds(acc, regimes)
    left_out = _left_out(evidence, label)
    n_left = int((evidence.left_out != "").sum()) if evidence is not None and not evidence.empty else 0
    left_note = ([f"Left out of Δ and the slope ({n_left} of {len(evidence)} trained models: not above chance or "
                  f"predicting one class ≥ 80% of the time): {'; '.join(left_out)}."] if left_out else [])
    if baseline not in regimes:
        return Answer(f"The data cannot decide: there are no {baseline} runs, so the STILTs benefit (intermediate − "
                      f"baseline) cannot be computed.", details=[f"Regimes found: {', '.join(regimes) or 'none'}."])
    intermediates = [r for r in regimes if r != baseline]
    if not intermediates:
        return Answer("The data cannot decide: only baseline runs were found, so there is no STILTs benefit to "
                      "measure.")
    attacks = [c for c in conditions if c != "clean"]
    if not attacks:
        return Answer("The data cannot decide: no attack runs were found, so the benefit under adversarial "
                      "conditions cannot be measured.", details=["Only clean accuracy is reported."])
    adv = ADVERSARIAL if ADVERSARIAL in attacks else attacks[0]
    adv_name = "all attack recipes pooled" if adv == ADVERSARIAL else f"the {adv} attack"
    s = result.slopes
    verdicts: list[str] = []
    numbers: list[str] = []
    details: list[str] = []
    for regime in intermediates:
        rn = regime_name(regime)

        def row(cond: str, quantity: str) -> pd.Series | None:
            if s.empty:
                return None
            r = s[(s.regime == regime) & (s.condition == cond) & (s.quantity == quantity) & (s.x == AXIS)]
            return r.iloc[0] if len(r) else None

        diff, clean, attacked = row(f"{adv} - clean", "slope difference"), row("clean", "slope"), row(adv, "slope")
        n_sizes = int(diff.n_sizes) if diff is not None else 0
        if diff is None or n_sizes < 2 or not np.isfinite(diff.estimate):
            why = (f"the benefit is paired for {n_sizes} model size(s) under both clean and adversarial conditions "
                   "and a slope needs at least 2")
            if left_out:
                why += " once models at chance are left out"
            verdicts.append(f"{rn}: the data cannot decide — {why}.")
            details.append(f"Sizes with runs: {', '.join(size_l(x) for x in sizes['size'])}.")
            continue
        lo, hi = diff.ci_low, diff.ci_high
        if n_seeds < 2:
            v = (f"{rn}: the data cannot decide: every cell has a single training seed, so the interval reflects "
                 "only the resampling of examples, not how much a retrained model would differ.")
        elif not (np.isfinite(lo) and np.isfinite(hi)):
            v = f"{rn}: the data cannot decide — the bootstrap interval could not be estimated."
        elif lo <= 0 <= hi:
            v = (f"{rn}: the data cannot decide whether scaling amplifies the STILTs benefit under attack — the 95% "
                 "interval of the amplification covers 0.")
        elif lo > 0:
            v = f"{rn}: Yes: scaling amplifies the STILTs benefit more under attack than on clean data."
        else:
            v = f"{rn}: No: scaling amplifies the STILTs benefit less under attack than on clean data."
        verdicts.append(v)
        numbers.append(f"Amplification under attack ({rn} − {baseline}, adversarial − clean slope): "
                       f"{_pts(diff.estimate)} points per decade of non-embedding parameters, 95% CI "
                       f"{_ci(lo, hi)}.")
        used = ", ".join(size_l(x) for x in re.split(r",(?! )", str(diff.sizes)) if x)
        details.append(f"Across {n_sizes} sizes ({used}) the benefit changes by {_pts(clean.estimate)} points per "
                       f"tenfold increase on clean XNLI (95% CI {_ci(clean.ci_low, clean.ci_high)}) and by "
                       f"{_pts(attacked.estimate)} under {adv_name} (95% CI {_ci(attacked.ci_low, attacked.ci_high)}).")
        if n_sizes == 2:
            details.append("With only 2 sizes, the slope is a two-point difference and cannot show curvature.")
    if acc is not None and not acc.empty:
        counts = acc[acc.lang == ALL_LANGS].groupby("condition").n_examples.max()
        attacked_c = [c for c in counts.index if c not in ("clean", ADVERSARIAL)]
        if "clean" in counts and attacked_c and counts["clean"] != counts[attacked_c].max():
            details.append(f"The benefits rest on at most {int(counts[attacked_c].max())} attacked examples per cell, "
                           "clean and adversarial on the same ones (stats.clean_on_attacked_ids); the clean accuracy "
                           f"tables use all {int(counts['clean'])}.")
    if len(intermediates) == 1:  # one regime: drop the "ANLI: " prefix from the verdict
        verdicts = [re.sub(r"^[^:]+: ", "", verdicts[0], count=1)]
        verdicts[0] = verdicts[0][:1].upper() + verdicts[0][1:]
    return Answer(" ".join(verdicts), " ".join(numbers), left_note + details)


def plain_answer(result: StiltsResult, regimes: list[str], conditions: list[str], sizes: pd.DataFrame,
                 baseline: str = "baseline", acc: pd.DataFrame | None = None, evidence: pd.DataFrame | None = None,
                 labels: dict[str, str] | None = None) -> str:
    """The answer as one paragraph (report.md, report.json)."""
    return answer_parts(result, regimes, conditions, sizes, baseline, acc, evidence, labels).text
