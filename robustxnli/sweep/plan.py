"""The plan of a sweep: a list of cells in dependency order.

A cell is one job writing one run dir: ``{"fn": "module:func", "kwargs": {...}, "out": run_dir, "deps": [...]}``.
Its run dir is keyed by ``cell_hash`` = hash(fn, kwargs, hashes of the cells it depends on), so an unchanged cell
keeps its directory (and its finished results) when the sweep config grows, and a changed one gets a fresh one
(``fn`` counts under its name before any move: config.MOVED_FUNCTIONS).
Train cells: model x regime x seed. Evaluate / attack (per recipe) / hans cells depend on their train cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from .config import SweepConfig, current_function, hashed_function, stable_hash

DEP = "@cell:"  # placeholder in kwargs for "the run dir of the cell with this hash"


@dataclass
class Cell:
    name: str  # human-readable, unique in the plan
    kind: str  # train | evaluate | attack | hans | custom
    fn: str
    kwargs: dict[str, Any]
    deps: list[str] = field(default_factory=list)  # cell hashes
    cell_hash: str = ""
    out: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # model, regime, seed, recipe, langs (for the cost model)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "fn": self.fn, "kwargs": self.kwargs, "out": self.out,
                "deps": self.deps, "cell_hash": self.cell_hash}


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60]


def safe_relpath(name: str) -> str:
    """A cell name as a relative path: each ``/`` part slugged; empty, ``.`` and ``..`` parts dropped."""
    parts = [slug(p) for p in re.split(r"[/\\]+", str(name))]
    parts = [p for p in parts if p and set(p) != {"."}]
    return "/".join(parts) or "cell"


def inside(root: Path, path: Path) -> bool:
    import os

    root, path = root.resolve(), path.resolve()
    return os.path.commonpath([root, path]) == str(root)


def _make(name: str, kind: str, fn: str, kwargs: dict[str, Any], deps: list[Cell], meta: dict[str, Any]) -> Cell:
    """A cell calling ``fn`` (its current import path), hashed under ``fn``'s name before any move
    (config.MOVED_FUNCTIONS), so moving a cell function re-keys no run dir."""
    dep_hashes = [d.cell_hash for d in deps]
    h = stable_hash({"fn": hashed_function(fn), "kwargs": kwargs, "deps": dep_hashes})
    return Cell(name, kind, current_function(fn), kwargs, dep_hashes, h, meta=meta)


def regime_arg(regime: str) -> str:
    return "none" if regime == "baseline" else regime


def _recipe_perturb(name: str) -> dict[str, str]:
    """``{"perturb": ...}`` for a built-in recipe that attacks more than the hypothesis by default, else ``{}``:
    its cells hash what they attack, so cells run before the recipe's default changed are not taken as done
    (hypothesis-only defaults stay out of the kwargs, keeping older cells' hashes). Plug-ins are not loaded here."""
    from robustxnli.recipes import builtin_recipe

    rec = builtin_recipe(name)
    return {"perturb": rec.perturb} if rec is not None and rec.perturb != "hypothesis" else {}


def _runs_on(cfg: SweepConfig, name: str, lang: str) -> bool:
    """Whether ``robustxnli attack`` would run recipe ``name`` on ``lang`` (True when the recipe is not known:
    a custom attack function decides)."""
    from ..attacking.runner import language_generic

    rec = cfg.recipe_specs.get(name)
    return rec is None or rec.supports(lang) or (cfg.data is not None and language_generic(rec, lang))


def skipped_attacks(cfg: SweepConfig) -> list[str]:
    """One note per recipe x language the plan leaves out because the recipe does not support the language."""
    return [f"skipping {name} × {lang}: recipe supports {', '.join(cfg.recipe_specs[name].languages)}"
            for name in dict.fromkeys(spec["name"] for spec in cfg.recipes) for lang in cfg.langs
            if not _runs_on(cfg, name, lang)] if cfg.models else []


def build_plan(cfg: SweepConfig, out_root: str | Path | None = None) -> list[Cell]:
    """Every cell of the study, dependencies first; ``out`` filled in under ``out_root``."""
    cells: list[Cell] = []
    lang_groups = [[lang] for lang in cfg.langs] if cfg.per_language else [list(cfg.langs)]
    data = {"data_dir": cfg.data_dir} if cfg.data_dir else {}
    if cfg.data:  # the user's own set for evaluate / attack cells (train cells keep data_dir only)
        train_data, data = data, {**data, "data": cfg.data}
    else:
        train_data = data
    default_columns = {spec["name"]: _recipe_perturb(spec["name"]) for spec in cfg.recipes}
    for model in cfg.models:
        for regime in cfg.regimes:
            for seed in cfg.seeds:
                tag = f"{slug(model)}_{slug(regime)}_s{seed}"
                meta = {"model": model, "regime": regime, "seed": seed}
                train = _make(f"train/{tag}", "train", cfg.functions["train"],
                              {"model": model, "intermediate": regime_arg(regime), "seed": seed, **train_data,
                               **cfg.train},
                              [], meta)
                cells.append(train)
                ckpt = DEP + train.cell_hash
                for langs in lang_groups:
                    ltag = f"_{langs[0]}" if cfg.per_language else ""
                    cells.append(_make(f"evaluate/{tag}{ltag}", "evaluate", cfg.functions["evaluate"],
                                       {"model": ckpt, "langs": langs, "split": cfg.split, **data, **cfg.evaluate},
                                       [train], {**meta, "langs": langs}))
                for spec in cfg.recipes:  # attack_run attacks one language per run dir
                    name, options = spec["name"], spec.get("options")
                    for lang in (x for x in cfg.langs if _runs_on(cfg, name, x)):  # as `attack`: skipped
                        kwargs = {"model": ckpt, "recipe": name, "lang": lang, "split": cfg.split, **data,
                                  **default_columns[name], **cfg.attack, **({"options": options} if options else {})}
                        cells.append(_make(f"attack/{tag}_{slug(name)}_{lang}", "attack", cfg.functions["attack"],
                                           kwargs, [train], {**meta, "langs": [lang], "recipe": name}))
                if cfg.hans:
                    hans_langs = cfg.hans.get("langs", cfg.hans.get("lang")) or []
                    cells.append(_make(f"hans/{tag}", "hans", cfg.functions["hans"], {"model": ckpt, **cfg.hans},
                                       [train], {**meta, "langs": [hans_langs] if isinstance(hans_langs, str)
                                                 else list(hans_langs)}))
                if cfg.contrast:  # lexical-inference contrast sets (robustxnli.contrast)
                    c_langs = cfg.contrast.get("lang", cfg.contrast.get("langs")) or ["en"]
                    c_langs = str(c_langs).split(",") if isinstance(c_langs, str) else list(c_langs)
                    cells.append(_make(f"contrast/{tag}", "contrast", cfg.functions["contrast"],
                                       {"model": ckpt, **cfg.contrast}, [train], {**meta, "langs": c_langs}))
    by_name = {c.name: c for c in cells}
    for spec in cfg.extra_cells:
        deps = []
        for d in spec.get("deps") or []:
            if d not in by_name:
                raise UserError(f"cell {spec['name']!r} depends on {d!r}, which is not defined before it")
            deps.append(by_name[d])
        kwargs = {k: (DEP + by_name[v[len("@"):]].cell_hash if isinstance(v, str) and v.startswith("@")
                      and v[1:] in by_name else v) for k, v in (spec.get("kwargs") or {}).items()}
        cell = _make(str(spec["name"]), str(spec.get("kind", "custom")), str(spec["fn"]), kwargs, deps,
                     dict(spec.get("meta") or {}))
        by_name[cell.name] = cell
        cells.append(cell)
    seen: set[str] = set()
    twice = next((c.name for c in cells if c.name in seen or seen.add(c.name)), None)
    if twice is not None:
        raise UserError(f"{cfg.path}: the sweep config yields the cell {twice!r} twice (repeated model, regime, "
                        "seed or recipe?)")
    root = Path(out_root if out_root is not None else cfg.out_dir)
    outs = {c.cell_hash: str(root / f"{safe_relpath(c.name)}-{c.cell_hash[:10]}") for c in cells}
    for c in cells:  # nothing is written outside the sweep's root, whatever a cell is called
        if not inside(root, Path(outs[c.cell_hash])):
            raise UserError(f"cell {c.name!r} would write outside {root}; rename it")
    for c in cells:
        c.out = outs[c.cell_hash]
        c.kwargs = resolve_deps(c.kwargs, outs)
    return cells


def resolve_deps(kwargs: dict[str, Any], outs: dict[str, str]) -> dict[str, Any]:
    def one(v: Any) -> Any:
        if isinstance(v, str) and v.startswith(DEP):
            return outs[v[len(DEP):]]
        if isinstance(v, list):
            return [one(x) for x in v]
        if isinstance(v, dict):
            return {k: one(x) for k, x in v.items()}
        return v

    return {k: one(v) for k, v in kwargs.items()}


# ----------------------------------------------------------------------------------------------------------------
# the dry-run cost model: seconds ~ work units x parameters, constants overridable under `cost:` in the YAML.

# Rough non-embedding parameter counts for names the dry run can price without loading anything.
KNOWN_PARAMS = {"xlm-roberta-base": 85e6, "xlm-roberta-large": 303e6, "xlm-roberta-xl": 2.2e9,
                "xlm-roberta-xxl": 9.7e9, "multilingual-e5-small": 21e6, "multilingual-e5-base": 85e6,
                "multilingual-e5-large": 303e6, "e5-small": 21e6}
COST_DEFAULTS = {
    # CPU-ish seconds per example per 1e6 non-embedding params; a forward+backward ~ 3 forwards.
    "forward_s_per_example_per_mparam": 2.5e-4,
    "train_multiplier": 3.0,
    "queries_per_attack": 60,
    "intermediate_examples": 2000,  # per task, when the config gives no intermediate_limit
    "target_examples": 19647,  # MNLI stand-in size, when the config gives no target_limit
    "eval_examples_per_lang": 2490,  # XNLI dev
    "hans_examples_per_lang": 30 * 1000,
    "overhead_s": 5.0,  # process start, model load
    # --preset cpu (1 thread): training seconds per pair per trained layer (forward + backward of premise and
    # hypothesis), and cache seconds per sentence per frozen layer. Measured in the reference sweep
    # (configs/reference_cpu.yaml, --jobs 2 on 2 cores, load 3.5-4.5): MNLI phases 0.014-0.018 s per pair-layer,
    # the ANLI cache 79 s for 1,845 sentences x 10 layers.
    "preset_cpu_s_per_pair_layer": 0.015,
    "preset_cpu_cache_s_per_text_layer": 0.004,
}


def model_params(model: str) -> float:
    """Approximate non-embedding parameters from a model name (ladder names: e5-small-L<k> = k/12 of e5-small)."""
    base = model.rsplit("/", 1)[-1].lower()
    m = re.match(r"(.*?)-l(\d+)\b", base)
    if m and m.group(1) in KNOWN_PARAMS:
        return KNOWN_PARAMS[m.group(1)] * int(m.group(2)) / 12
    return KNOWN_PARAMS.get(base, 100e6)


def model_depth(model: str) -> int | None:
    """Encoder layers from a ladder name (e5-small-L6 -> 6; e5-small / multilingual-e5-small -> 12), else None."""
    base = model.rsplit("/", 1)[-1].lower()
    m = re.match(r"(.*?)-l(\d+)\b", base)
    if m and m.group(1) in KNOWN_PARAMS:
        return int(m.group(2))
    return 12 if base in ("e5-small", "multilingual-e5-small") else None


def _capped(pairs: float, max_steps: Any, per_step: float) -> float:
    """Pairs a phase trains on: ``pairs`` (limit x epochs), at most ``max_steps`` optimiser steps of ``per_step``."""
    return min(pairs, max_steps * per_step) if max_steps else pairs


def _cpu_preset_train_seconds(cell: Cell, cfg: SweepConfig, c: dict[str, float]) -> float:
    """--preset cpu, priced per pair and encoder layer (small layers on CPU cost more than their parameter count
    says): only the top ``train_layers`` train; the layers below run once per distinct sentence (2 per pair), cached
    and shared by seeds and regimes (priced on the first seed: the target cache on the first regime, the
    intermediate cache on each intermediate regime). ``*_max_steps`` cap the trained pairs, not the cache."""
    from ..training.presets import preset_values

    meta, kw = cell.meta, cell.kwargs
    depth = model_depth(str(meta.get("model", ""))) or 12
    v = {**preset_values("cpu", depth), **{k: x for k, x in kw.items() if x is not None}}
    trained = min(depth, v["train_layers"])
    n_inter = v["intermediate_limit"] * v["intermediate_epochs"] if meta.get("regime", "baseline") != "baseline" \
        else 0.0
    n_target = _capped(v["target_limit"] * v["target_epochs"], v.get("target_max_steps"), v["batch_size"])
    n_inter = _capped(n_inter, v.get("intermediate_max_steps"), v["batch_size"])
    seconds = (n_inter + n_target) * trained * c["preset_cpu_s_per_pair_layer"]
    if meta.get("seed") == min(cfg.seeds, default=meta.get("seed")):
        cached = (v["target_limit"] if meta.get("regime") == cfg.regimes[0] else 0) + \
            (v["intermediate_limit"] if n_inter else 0)
        seconds += 2 * cached * (depth - trained) * c["preset_cpu_cache_s_per_text_layer"]
    return seconds


def estimate_seconds(cell: Cell, cfg: SweepConfig) -> float:
    c = {**COST_DEFAULTS, **cfg.cost}
    meta = cell.meta
    mparams = model_params(str(meta.get("model", ""))) / 1e6
    fwd = c["forward_s_per_example_per_mparam"] * mparams
    kw = cell.kwargs
    if cell.kind == "train" and kw.get("preset") == "cpu":
        return c["overhead_s"] + _cpu_preset_train_seconds(cell, cfg, c)
    if cell.kind == "train":
        n_inter = 0.0
        if meta.get("regime", "baseline") != "baseline":
            tasks = 5 if meta["regime"] == "multitask" else len(str(meta["regime"]).split(","))
            n_inter = tasks * (kw.get("intermediate_limit") or c["intermediate_examples"]) * \
                kw.get("intermediate_epochs", 3.0)
        n_target = (kw.get("target_limit") or c["target_examples"]) * kw.get("target_epochs", 2.0)
        per_step = (kw.get("batch_size") or 32) * (kw.get("grad_accum") or 1)
        n_inter = _capped(n_inter, kw.get("intermediate_max_steps"), per_step)
        n_target = _capped(n_target, kw.get("target_max_steps"), per_step)
        work = (n_inter + n_target) * c["train_multiplier"]
    else:
        langs = sum(8 if "all" in str(x) else 1 for x in meta.get("langs") or [1])  # all-covered HANS: 8
        if cell.kind == "evaluate":
            work = langs * (kw.get("limit") or c["eval_examples_per_lang"])
        elif cell.kind == "attack":
            work = langs * (kw.get("limit") or c["eval_examples_per_lang"]) * c["queries_per_attack"]
        elif cell.kind == "hans":
            n = kw.get("n_per_subcase")
            work = langs * (30 * n if n else c["hans_examples_per_lang"])
        elif cell.kind == "contrast":  # 15 categories, at most n_per_category pairs each
            work = langs * 15 * (kw.get("n_per_category") or 100)
        else:
            return float(meta.get("seconds", c["overhead_s"]))
    return c["overhead_s"] + work * fwd


def format_seconds(s: float) -> str:
    if not math.isfinite(s):
        return "?"
    if s < 90:
        return f"{s:.0f}s"
    if s < 5400:
        return f"{s / 60:.0f}min"
    return f"{s / 3600:.1f}h"
