"""Statistics of the study: accuracy tables, the STILTs benefit and its amplification with model size.

STILTs benefit (Phang et al. 2020, arXiv 2005.13013): Δ = acc(intermediate regime) − acc(baseline), paired by
example id and seed (the same XNLI item, the same fine-tuning seed), clean and under each attack.
Amplification: the OLS slope of Δ against log10(parameters); adversarial − clean slope difference.
Uncertainty: a two-level (cluster) bootstrap (Davison & Hinkley 1997, §3.8): seeds are resampled within each size,
example ids within each language; one resample of ids is shared by every cell of that language (sizes, regimes,
seeds, conditions), so paired cells stay paired and the clean/adversarial slope difference is resampled jointly.
Vectorised: a resample is a count vector, a cell's resampled mean a matrix product. Resampling both levels is
slightly conservative (example noise is counted again in the seed level): in simulation (tests/test_report.py) the
95% interval covers a known slope in about 97% of draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pandas as pd

from .load import CLEAN, MODEL_KEYS

ADVERSARIAL = "adversarial"  # pooled condition: per example, mean robust correctness over every recipe
ALL_LANGS = "all"
SIZE_KEYS = ["size", "params_total", "params_non_embedding"]


def add_pooled_adversarial(ex: pd.DataFrame) -> pd.DataFrame:
    """Add the pooled ``adversarial`` condition: for each model x lang x id attacked by *every* recipe of the
    study, the mean robust correctness over recipes. Cells missing a recipe get no pooled rows (shown missing)."""
    attacks = ex[ex.condition != CLEAN]
    recipes = sorted(attacks.condition.unique())
    if len(recipes) < 2:
        return ex
    keys = MODEL_KEYS + ["lang", "id"]
    g = attacks.groupby(keys, dropna=False).agg(correct=("correct", "mean"), n=("condition", "nunique"),
                                                attacked=("attacked", "mean"), succeeded=("succeeded", "mean"))
    g = g[g.n == len(recipes)].drop(columns="n").reset_index()
    g["condition"] = ADVERSARIAL
    return pd.concat([ex, g[ex.columns]], ignore_index=True)


def clean_on_attacked_ids(ex: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Clean rows restricted, per model x language, to the ids that every attack recipe of that model x language
    ran on, so the clean and adversarial benefits rest on exactly the same examples. A model x language without
    attack rows keeps all its clean rows. Returns the frame and a note per restriction that dropped rows."""
    attacks = ex[(ex.condition != CLEAN) & (ex.condition != ADVERSARIAL)]
    if attacks.empty:
        return ex, []
    keys = MODEL_KEYS + ["lang"]
    n_recipes = attacks.groupby(keys, dropna=False).condition.nunique().rename("n_recipes")
    per_id = attacks.groupby(keys + ["id"], dropna=False).condition.nunique().rename("n").reset_index()
    per_id = per_id.merge(n_recipes.reset_index(), on=keys)
    keep = per_id[per_id.n == per_id.n_recipes][keys + ["id"]].assign(_attacked=True)
    clean = ex[ex.condition == CLEAN].merge(keep, on=keys + ["id"], how="left")
    attacked_cells = clean.merge(n_recipes.reset_index()[keys], on=keys, how="left", indicator=True)["_merge"]
    has_attacks = (attacked_cells == "both").to_numpy()
    mask = ~has_attacks | clean["_attacked"].fillna(False).astype(bool).to_numpy()
    kept = clean[mask].drop(columns="_attacked")
    notes = []
    if len(kept) < len(clean):
        notes.append(f"clean Δ uses only the ids the attacks ran on ({len(kept):,} of {len(clean):,} clean "
                     "predictions), so clean and adversarial Δ rest on the same examples")
    return pd.concat([kept[ex.columns], ex[ex.condition != CLEAN]], ignore_index=True), notes


def conditions_of(ex: pd.DataFrame) -> list[str]:
    conds = list(ex.condition.unique())
    recipes = sorted(c for c in conds if c not in (CLEAN, ADVERSARIAL))
    return [c for c in [CLEAN] if c in conds] + recipes + [c for c in [ADVERSARIAL] if c in conds]


# ----------------------------------------------------------------------------------------------------------------
# accuracy tables


def accuracy_table(ex: pd.DataFrame, sizes: pd.DataFrame, regimes: list[str], langs: list[str]) -> pd.DataFrame:
    """Clean / robust accuracy and attack success rate, mean ± std over seeds, on the full grid
    size x regime x condition x language (+ "all" = mean over languages, only when every language is there).
    Missing cells are NaN, never dropped."""
    per_seed = ex.groupby(MODEL_KEYS + ["condition", "lang"], dropna=False).agg(
        acc=("correct", "mean"), n=("correct", "size"), att=("attacked", "sum"), succ=("succeeded", "sum"))
    per_seed["asr"] = np.where(per_seed.att > 0, per_seed.succ / per_seed.att.where(per_seed.att > 0), np.nan)
    per_seed = per_seed.reset_index()
    per_seed.loc[per_seed.condition == CLEAN, "asr"] = np.nan
    # mean over languages per seed, only where the seed has every language
    full = per_seed.groupby(MODEL_KEYS + ["condition"], dropna=False).filter(lambda g: set(langs) <= set(g.lang))
    if not full.empty:
        avg = full[full.lang.isin(langs)].groupby(MODEL_KEYS + ["condition"], dropna=False).agg(
            acc=("acc", "mean"), n=("n", "sum"), asr=("asr", "mean")).reset_index()
        avg["lang"] = ALL_LANGS
        per_seed = pd.concat([per_seed, avg], ignore_index=True)
    stats = per_seed.groupby(SIZE_KEYS + ["regime", "condition", "lang"], dropna=False).agg(
        accuracy=("acc", "mean"), accuracy_std=("acc", "std"), attack_success_rate=("asr", "mean"),
        attack_success_rate_std=("asr", "std"), n_seeds=("seed", "nunique"), n_examples=("n", "sum")).reset_index()
    grid = _grid(sizes, regimes, conditions_of(ex), langs + [ALL_LANGS])
    out = grid.merge(stats, on=SIZE_KEYS + ["regime", "condition", "lang"], how="left")
    out["n_seeds"] = out.n_seeds.fillna(0).astype(int)
    out["n_examples"] = out.n_examples.fillna(0).astype(int)
    return out


def _grid(sizes: pd.DataFrame, regimes: list[str], conditions: list[str], langs: list[str]) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([range(len(sizes)), regimes, conditions, langs],
                                     names=["_s", "regime", "condition", "lang"]).to_frame(index=False)
    return sizes.reset_index(drop=True).reset_index(names="_s").merge(idx, on="_s").drop(columns="_s")


def hans_table(hans: pd.DataFrame, by: str = "heuristic") -> pd.DataFrame:
    """HANS accuracy per ``by`` (heuristic or subcase) x entailed/non-entailed x language x size x regime,
    mean ± std over seeds (per-seed accuracies first)."""
    if hans.empty:
        return pd.DataFrame(columns=SIZE_KEYS + ["regime", "lang", by, "split", "accuracy", "accuracy_std", "n_seeds",
                                     "n_per_seed"])
    keys = [by, "split"] if by == "heuristic" else ["heuristic", by, "split"]
    per_seed = hans.groupby(MODEL_KEYS + ["lang"] + keys, dropna=False).correct.agg(acc="mean", n="size") \
        .reset_index()
    return per_seed.groupby(SIZE_KEYS + ["regime", "lang"] + keys, dropna=False).agg(
        accuracy=("acc", "mean"), accuracy_std=("acc", "std"), n_seeds=("seed", "nunique"),
        n_per_seed=("n", "max")).reset_index()


# ----------------------------------------------------------------------------------------------------------------
# paired Δ and its bootstrap


@dataclass
class PairedCells:
    """Paired differences d = correct(regime) − correct(baseline) for one intermediate regime.

    ``cells[(condition, size, lang)]`` is an (n_seeds(size), n_ids(lang)) matrix aligned to ``seeds[size]`` and
    ``ids[lang]``, NaN where the pair is missing (an id or seed absent from either side)."""

    regime: str
    cells: dict[tuple[str, str, str], np.ndarray]
    seeds: dict[str, list[int]]
    ids: dict[str, list[str]]


def paired_cells(ex: pd.DataFrame, regime: str, baseline: str = "baseline") -> PairedCells:
    sub = ex[ex.regime.isin([regime, baseline])]
    wide = sub.set_index(["condition", "size", "lang", "seed", "id", "regime"]).correct.unstack("regime")
    ids = {lang: sorted(g.index.get_level_values("id").unique()) for lang, g in wide.groupby(level="lang")}
    seeds = {size: sorted(g.index.get_level_values("seed").unique()) for size, g in wide.groupby(level="size")}
    cells: dict[tuple[str, str, str], np.ndarray] = {}
    if regime not in wide.columns or baseline not in wide.columns:
        return PairedCells(regime, cells, seeds, ids)
    d = (wide[regime] - wide[baseline]).dropna()
    for (cond, size, lang), g in d.groupby(level=["condition", "size", "lang"]):
        m = g.droplevel(["condition", "size", "lang"]).unstack("id")
        m = m.reindex(index=seeds[size], columns=ids[lang])
        cells[(cond, size, lang)] = m.to_numpy(dtype=float)
    return PairedCells(regime, cells, seeds, ids)


def cell_mean(d: np.ndarray) -> float:
    """Δ of a cell: mean over seeds of the per-seed mean paired difference (seeds without pairs ignored)."""
    per_seed = _nanmean_rows(d)
    return float(np.nanmean(per_seed)) if np.isfinite(per_seed).any() else float("nan")


def _nanmean_rows(d: np.ndarray) -> np.ndarray:
    ok = np.isfinite(d)
    n = ok.sum(1)
    return np.where(n > 0, np.where(ok, d, 0).sum(1) / np.maximum(n, 1), np.nan)


def resample_weights(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) counts of a with-replacement resample of n units; row 0 is the original sample."""
    idx = rng.integers(0, n, size=(n_boot, n)) + n * np.arange(n_boot)[:, None]
    w = np.bincount(idx.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(float)
    w[0] = 1.0
    return w


def bootstrap_cells(cells: dict[Hashable, np.ndarray], lang_of: dict[Hashable, str], size_of: dict[Hashable, str],
                    n_ids: dict[str, int], n_seeds: dict[str, int], n_boot: int = 1000,
                    seed: int = 0) -> dict[Hashable, np.ndarray]:
    """Bootstrap draws (n_boot,) of every cell's Δ. Draw 0 is the point estimate. One id resample per language
    and one seed resample per size, shared by all cells of that language / size."""
    # Weights are drawn one language at a time (B x n_ids floats each) to keep memory flat at paper scale.
    seed_w = {size: resample_weights(n, n_boot, np.random.default_rng([seed, 1, k]))
              for k, (size, n) in enumerate(sorted(n_seeds.items()))}
    out: dict[Hashable, np.ndarray] = {}
    for j, (lang, n) in enumerate(sorted(n_ids.items())):
        w = resample_weights(n, n_boot, np.random.default_rng([seed, 0, j]))  # (B, N)
        for key, d in cells.items():
            if lang_of[key] != lang:
                continue
            ok = np.isfinite(d)
            num = np.where(ok, d, 0.0) @ w.T  # (S, B)
            den = ok.astype(float) @ w.T
            per_seed = np.where(den > 0, num / np.maximum(den, 1e-300), np.nan).T  # (B, S)
            v = seed_w[size_of[key]] * np.isfinite(per_seed)
            tot = v.sum(1)
            out[key] = np.where(tot > 0, (np.nan_to_num(per_seed) * v).sum(1) / np.maximum(tot, 1e-300), np.nan)
    return out


def ols_slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """OLS slope of y on x along the last axis (y: (..., n)); NaN with fewer than 2 distinct x."""
    x = np.asarray(x, float)
    xc = x - x.mean()
    sxx = (xc**2).sum()
    if len(x) < 2 or sxx == 0:
        return np.full(np.shape(y)[:-1], np.nan)
    return ((y - y.mean(-1, keepdims=True)) * xc).sum(-1) / sxx


def percentile_ci(draws: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap draws 1.. (draw 0 is the point estimate)."""
    d = draws[1:][np.isfinite(draws[1:])]
    if len(d) < 10:
        return float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.percentile(d, [100 * a, 100 * (1 - a)])
    return float(lo), float(hi)


# ----------------------------------------------------------------------------------------------------------------
# study-level: Δ tables and amplification


@dataclass
class StiltsResult:
    delta: pd.DataFrame  # size x regime x condition x lang (+ all): Δ, CI, std over seeds, n pairs
    slopes: pd.DataFrame  # regime x condition x x-axis: slope, CI; plus adversarial − clean differences
    notes: list[str]  # what was dropped / why something cannot be estimated


def stilts_analysis(ex: pd.DataFrame, sizes: pd.DataFrame, regimes: list[str], langs: list[str],
                    baseline: str = "baseline", n_boot: int = 1000, seed: int = 0) -> StiltsResult:
    conditions = conditions_of(ex)
    delta_rows: list[dict] = []
    slope_rows: list[dict] = []
    ex, notes = clean_on_attacked_ids(ex)
    if baseline not in regimes:
        notes.append(f"no {baseline!r} regime among the runs: the STILTs benefit cannot be computed")
    intermediates = [r for r in regimes if r != baseline]
    if not intermediates:
        notes.append("no intermediate-task regime among the runs: the STILTs benefit cannot be computed")
    size_order = list(sizes["size"])
    params = sizes.set_index("size")
    for regime in intermediates if baseline in regimes else []:
        pc = paired_cells(ex, regime, baseline)
        keys = list(pc.cells)
        draws = bootstrap_cells(pc.cells, {k: k[2] for k in keys}, {k: k[1] for k in keys},
                                {lang: len(v) for lang, v in pc.ids.items()},
                                {s: len(v) for s, v in pc.seeds.items()}, n_boot, seed)
        for cond in conditions:
            # languages paired for every size that has this condition: the "all" average uses exactly these
            have = {s: {k[2] for k in keys if k[0] == cond and k[1] == s} for s in size_order}
            present = [s for s in size_order if have[s]]
            common = sorted(set.intersection(*(have[s] for s in present))) if present else []
            dropped = sorted(set().union(*(have[s] for s in present)) - set(common)) if present else []
            if dropped:
                notes.append(f"{regime}/{cond}: the all-language Δ uses {', '.join(common) or 'no language'}; "
                             f"{', '.join(dropped)} lack a pair for some size")
            all_draws: dict[str, np.ndarray] = {}
            for size in size_order:
                for lang in langs + [ALL_LANGS]:
                    row = {"size": size, "params_total": params.at[size, "params_total"],
                           "params_non_embedding": params.at[size, "params_non_embedding"], "regime": regime,
                           "condition": cond, "lang": lang}
                    if lang == ALL_LANGS:
                        ds = [draws[(cond, size, l)] for l in common if (cond, size, l) in draws]
                        if ds and common:
                            dr = np.mean(ds, axis=0)
                            all_draws[size] = dr
                            n_pairs = sum(int(np.isfinite(pc.cells[(cond, size, l)]).sum()) for l in common)
                            seeds_std = np.nan
                            row.update(_draw_stats(dr), n_pairs=n_pairs, delta_std=seeds_std, langs=",".join(common))
                        delta_rows.append(row)
                        continue
                    d = pc.cells.get((cond, size, lang))
                    if d is not None:
                        per_seed = _nanmean_rows(d)
                        row.update(_draw_stats(draws[(cond, size, lang)]), n_pairs=int(np.isfinite(d).sum()),
                                   delta_std=float(np.nanstd(per_seed, ddof=1)) if np.isfinite(per_seed).sum() > 1
                                   else np.nan, n_seeds=int(np.isfinite(per_seed).sum()))
                    delta_rows.append(row)
            for axis in ("params_non_embedding", "params_total"):
                slope_rows.append(_slope_row(regime, cond, axis, all_draws, params))
        # adversarial − clean slope differences, jointly resampled
        for axis in ("params_non_embedding", "params_total"):
            for cond in conditions:
                if cond == CLEAN:
                    continue
                slope_rows.append(_slope_diff_row(ex, regime, cond, axis, pc, draws, size_order, params))
    delta = pd.DataFrame(delta_rows)
    for col in ("delta", "ci_low", "ci_high", "n_pairs", "delta_std", "n_seeds", "langs"):
        if col not in delta:
            delta[col] = np.nan
    return StiltsResult(delta, pd.DataFrame(slope_rows), notes)


def _draw_stats(dr: np.ndarray) -> dict:
    lo, hi = percentile_ci(dr)
    return {"delta": float(dr[0]), "ci_low": lo, "ci_high": hi}


def _slope_draws(all_draws: dict[str, np.ndarray], params: pd.DataFrame, axis: str) -> tuple[np.ndarray, list[str]]:
    usable = [s for s, d in all_draws.items() if np.isfinite(d[0]) and np.isfinite(params.at[s, axis])
              and params.at[s, axis] > 0]
    if len(usable) < 2:
        return np.full(1, np.nan), usable
    x = np.log10([params.at[s, axis] for s in usable])
    y = np.stack([all_draws[s] for s in usable], axis=-1)  # (B, n_sizes)
    return ols_slope(x, y), usable


def _slope_row(regime: str, cond: str, axis: str, all_draws: dict[str, np.ndarray], params: pd.DataFrame) -> dict:
    dr, usable = _slope_draws(all_draws, params, axis)
    lo, hi = percentile_ci(dr) if len(dr) > 1 else (np.nan, np.nan)
    return {"regime": regime, "condition": cond, "quantity": "slope", "x": f"log10({axis})", "estimate": float(dr[0]),
            "ci_low": lo, "ci_high": hi, "n_sizes": len(usable), "sizes": ",".join(usable)}


def _slope_diff_row(ex, regime, cond, axis, pc: PairedCells, draws, size_order, params) -> dict:
    """slope(cond) − slope(clean) over the sizes and languages both conditions share."""
    def all_lang(c: str, langs: list[str]) -> dict[str, np.ndarray]:
        return {s: np.mean([draws[(c, s, l)] for l in langs], axis=0) for s in size_order
                if langs and all((c, s, l) in draws for l in langs)}

    langs_by = {c: [sorted({k[2] for k in pc.cells if k[0] == c and k[1] == s}) for s in size_order]
                for c in (cond, CLEAN)}
    sets = [set(x) for c in langs_by for x in langs_by[c] if x]
    common = sorted(set.intersection(*sets)) if sets else []
    a, c0 = all_lang(cond, common), all_lang(CLEAN, common)
    shared = {s: a[s] - c0[s] for s in a if s in c0}
    dr, usable = _slope_draws(shared, params, axis)
    lo, hi = percentile_ci(dr) if len(dr) > 1 else (np.nan, np.nan)
    return {"regime": regime, "condition": f"{cond} - clean", "quantity": "slope difference",
            "x": f"log10({axis})", "estimate": float(dr[0]), "ci_low": lo, "ci_high": hi, "n_sizes": len(usable),
            "sizes": ",".join(usable)}
