"""What would narrow the answer's interval, and what each option costs: the study's sweep config changed three ways
(more seeds, more attacked examples, one more size), priced by the sweep's dry-run cost model (only the cells the
change adds or changes). The interval projections assume the spread of that source dominates (1/sqrt(n))."""

from __future__ import annotations

import copy
import math
import re
from typing import Any, Callable

from ..sweep.config import SweepConfig, load_config
from ..sweep.plan import build_plan, estimate_seconds, format_seconds, model_depth

_ROOT = "/narrow"  # any fixed root: cells are compared by hash


def _added_seconds(cfg: SweepConfig, change: Callable[[dict[str, Any]], None]) -> float:
    before = {c.cell_hash for c in build_plan(cfg, _ROOT)}
    raw = copy.deepcopy(cfg.raw)
    change(raw)
    new = load_config(raw)
    return sum(estimate_seconds(c, new) for c in build_plan(new, _ROOT) if c.cell_hash not in before)


def extra_size(models: list[str]) -> str | None:
    """For a depth ladder (e5-small-L3/L6/L12): the depth in the middle of the widest gap (by ratio), else None."""
    depths = sorted(d for d in (model_depth(m) for m in models) if d)
    if len(depths) != len(models) or len(depths) < 2:
        return None
    a, b = max(zip(depths, depths[1:]), key=lambda p: (p[1] / p[0], p[1]))  # ties: the larger gap
    mid = round(math.sqrt(a * b))
    if mid in (a, b):
        return None
    stem = re.sub(r"-L\d+$", "", models[0], flags=re.I)
    return f"{stem}-L{mid}"


def narrowing_options(cfg: SweepConfig, half_width: float | None) -> list[str]:
    """One phrase per option: what changes, its estimated cost, and (seeds, examples) the projected half-width."""

    def projected(factor: float) -> str:
        return (f"; the ±{100 * half_width:.1f}-point half-width would shrink to about ±{100 * half_width * factor:.1f}"
                if half_width and math.isfinite(half_width) else "")

    out: list[str] = []
    seeds = list(cfg.seeds)
    more = list(range(max(seeds) + 1, max(seeds) + 1 + len(seeds)))
    cost = _added_seconds(cfg, lambda raw: raw.__setitem__("seeds", seeds + more))
    out.append(f"{len(more)} more seed{'s' if len(more) > 1 else ''} (x2): +{format_seconds(cost)}"
               f"{projected(math.sqrt(0.5))} if retraining variance dominates")
    limit = (cfg.attack or {}).get("limit")
    if limit:
        cost = _added_seconds(cfg, lambda raw: raw.setdefault("attack", {}).__setitem__("limit", 4 * int(limit)))
        out.append(f"4x the attacked pairs per cell ({limit} → {4 * int(limit)}): +{format_seconds(cost)}"
                   f"{projected(0.5)} if example variance dominates")
    size = extra_size(list(cfg.models))
    if size:
        cost = _added_seconds(cfg, lambda raw: raw.__setitem__("models", [*raw["models"], size]))
        out.append(f"one more size ({size}, depth-truncated): +{format_seconds(cost)}; another point on the slope "
                   "(a larger pretrained model would lengthen its lever, online)")
    return out
