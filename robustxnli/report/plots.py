"""The report's figures (matplotlib, Agg backend). Each function returns PNG bytes, or None when there is
nothing to draw."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .load import CLEAN  # noqa: E402
from .stats import ALL_LANGS  # noqa: E402

X_AXIS = "params_non_embedding"
X_LABEL = "non-embedding parameters (log scale)"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _size_points(acc: pd.DataFrame) -> pd.DataFrame:
    return acc[(acc.lang == ALL_LANGS) & acc.accuracy.notna() & (acc[X_AXIS] > 0)] if not acc.empty else acc


def accuracy_vs_params_gap(acc: pd.DataFrame) -> str:
    """Why accuracy vs size is not drawn ("" when it is): it needs mean-over-language accuracy for 2+ sizes."""
    a = _size_points(acc)
    if acc.empty or not (acc[X_AXIS] > 0).any():
        return "no model has a parameter count in its manifests"
    if a.empty:
        return ("no condition was run on every language, and the mean over languages is never taken over what is "
                "missing (see the accuracy per language)")
    if a["size"].nunique() < 2:
        return f"one model size only ({a['size'].iloc[0]}): no trend to draw (see the accuracy tables)"
    return ""


def accuracy_vs_params(acc: pd.DataFrame) -> bytes | None:
    """Accuracy (mean over languages, ± std over seeds) vs parameters, one panel per condition with data, a line
    per regime; None when :func:`accuracy_vs_params_gap` says why not."""
    if accuracy_vs_params_gap(acc):
        return None
    a = _size_points(acc)
    conds = [c for c in dict.fromkeys(acc.condition) if (a.condition == c).any()]
    fig, axes = plt.subplots(1, len(conds), figsize=(4.2 * len(conds), 3.4), sharex=True, sharey=True,
                             squeeze=False)
    for ax, cond in zip(axes[0], conds):
        for regime, g in a[a.condition == cond].groupby("regime", sort=False):
            g = g.sort_values(X_AXIS)
            ax.errorbar(g[X_AXIS], 100 * g.accuracy, yerr=100 * g.accuracy_std.fillna(0), marker="o", capsize=3,
                        label=regime)
        ax.set_xscale("log")
        ax.set_title("clean accuracy" if cond == CLEAN else f"robust accuracy: {cond}", fontsize=10)
        ax.set_xlabel(X_LABEL, fontsize=8)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("accuracy, mean over languages (%)")
    fullest = max(axes[0], key=lambda ax: len(ax.get_legend_handles_labels()[0]))  # the panel with every regime
    fullest.legend(fontsize=8, title="regime")
    return _png(fig)


def delta_vs_params(delta: pd.DataFrame, slopes: pd.DataFrame) -> bytes | None:
    """STILTs benefit Δ (all languages, 95% bootstrap CI) vs parameters, clean vs adversarial, with OLS lines."""
    d = delta[(delta.lang == ALL_LANGS) & delta.delta.notna()] if not delta.empty else delta
    if d.empty:
        return None
    regimes = list(dict.fromkeys(d.regime))
    fig, axes = plt.subplots(1, len(regimes), figsize=(5.5 * len(regimes), 3.8), squeeze=False)
    xs = d[X_AXIS].dropna().unique()
    for ax, regime in zip(axes[0], regimes):
        n_conds = d[d.regime == regime].condition.nunique()
        for k, (cond, g) in enumerate(d[d.regime == regime].groupby("condition", sort=False)):
            g = g.sort_values(X_AXIS)
            err = np.vstack([g.delta - g.ci_low, g.ci_high - g.delta]) * 100
            nudge = 1 + 0.025 * (k - (n_conds - 1) / 2)  # side by side: intervals at one size stay visible
            line = ax.errorbar(g[X_AXIS] * nudge, 100 * g.delta, yerr=np.nan_to_num(err), marker="o", capsize=3,
                               ls="none", label=cond, lw=2.2 if cond == CLEAN else 1.2)
            s = slopes[(slopes.regime == regime) & (slopes.condition == cond) & (slopes.quantity == "slope")
                       & (slopes.x == f"log10({X_AXIS})")]
            if len(s) and np.isfinite(s.estimate.iloc[0]) and len(g) >= 2:
                lx = np.log10(g[X_AXIS].to_numpy(float))
                b = s.estimate.iloc[0]
                a0 = np.mean(g.delta) - b * lx.mean()
                ax.plot(g[X_AXIS], 100 * (a0 + b * lx), color=line[0].get_color(), alpha=0.6)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log")
        if len(xs) == 1:  # one size: a readable decade around it
            ax.set_xlim(xs[0] / 3, xs[0] * 3)
        ax.set_xlabel(X_LABEL, fontsize=8)
        ax.set_ylabel(f"Δ = acc({regime}) − acc(baseline), points")
        ax.set_title(f"STILTs benefit vs size: {regime}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _png(fig)


def language_heatmap(acc: pd.DataFrame) -> bytes | None:
    """Accuracy per language (rows) x condition (columns: clean, every recipe, the pooled adversarial), one panel
    per model (size / regime) with data: no recipe is singled out. Missing cells grey with an em dash."""
    a = acc[(acc.lang != ALL_LANGS)] if not acc.empty else acc
    if a.empty or a.accuracy.notna().sum() == 0:
        return None
    conds, langs = list(dict.fromkeys(a.condition)), list(dict.fromkeys(a.lang))
    models = [k for k, g in a.groupby(["size", "regime"], sort=False) if g.accuracy.notna().any()]
    ncol = min(3, len(models))
    nrow = -(-len(models) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(ncol * (1.6 + 0.5 * len(conds)), nrow * (1.4 + 0.3 * len(langs))),
                             squeeze=False, layout="constrained")
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")
    for ax, (size, regime) in zip(axes.flat, models):
        g = a[(a["size"] == size) & (a.regime == regime)]
        m = g.pivot_table(index="lang", columns="condition", values="accuracy", aggfunc="first", dropna=False)
        m = m.reindex(index=langs, columns=conds) * 100
        im = ax.imshow(np.ma.masked_invalid(m.to_numpy(float)), cmap=cmap, vmin=0, vmax=100, aspect="auto")
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                v = m.iat[i, j]
                ax.text(j, i, "—" if not np.isfinite(v) else f"{v:.1f}", ha="center", va="center", fontsize=7,
                        color="k" if not np.isfinite(v) or v > 55 else "w")
        ax.set_xticks(range(len(conds)), conds, fontsize=7, rotation=40, ha="right")
        ax.set_yticks(range(len(langs)), langs, fontsize=8)
        ax.set_title(f"{size} / {regime}", fontsize=9)
    for ax in axes.flat[len(models):]:
        ax.axis("off")
    fig.suptitle("accuracy per language and condition, % (clean; robust per recipe; grey — = not run)", fontsize=10)
    fig.colorbar(im, ax=axes, shrink=0.8)
    return _png(fig)


def hans_bars(hans_sub: pd.DataFrame) -> bytes | None:
    """HANS-style accuracy per subcase (mean over languages and seeds), grouped bars per size/regime."""
    if hans_sub.empty:
        return None
    h = hans_sub.groupby(["size", "params_non_embedding", "regime", "heuristic", "subcase", "split"],
                         dropna=False).accuracy.mean().reset_index()
    h = h.sort_values(["params_non_embedding", "regime"])
    h["model"] = h["size"] + " / " + h.regime
    models = list(dict.fromkeys(h.model))
    h = h.sort_values(["split", "heuristic", "subcase"])
    subs = list(dict.fromkeys(h.split.str.replace("_", "-") + ": " + h.subcase))
    h["sub"] = h.split.str.replace("_", "-") + ": " + h.subcase
    fig, ax = plt.subplots(figsize=(max(7, 0.45 * len(subs) * max(1, len(models) / 2)), 4.2))
    width = 0.8 / len(models)
    for k, model in enumerate(models):
        g = h[h.model == model].set_index("sub").reindex(subs)
        ax.bar(np.arange(len(subs)) + k * width - 0.4 + width / 2, 100 * g.accuracy, width, label=model)
    ax.set_xticks(range(len(subs)), subs, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("two-way accuracy (%)")
    ax.axhline(50, color="k", lw=0.8, ls="--")
    ax.set_title("HANS-style subcases (mean over languages and seeds)", fontsize=10)
    ax.legend(fontsize=7)
    return _png(fig)
