"""The sweep configuration: one YAML describes the whole study.

```yaml
name: cpu-ladder
out_dir: runs/cpu-ladder              # run dirs go under here (CLI --out overrides)
models: [e5-small-L3, e5-small-L6, e5-small-L12]
regimes: [baseline, squad]            # baseline | an intermediate task | "a,b" | multitask
seeds: [1]
langs: [en, de, ru, zh]
recipes: [wordsub-embedding, {name: wordsub-mlm, options: {mlm: xlm-roberta-base}}]  # one attack run per language
hans: {lang: en, n_per_subcase: 20}   # kwargs of the hans function, or null
contrast: {lang: "en,de,ru,zh,ar", n_per_category: 50}  # kwargs of the contrast-set function, or null
split: dev
per_language: false                   # one evaluate/attack cell per language instead of one per model
data_dir: null
data: null                            # your own NLI set for evaluate/attack cells instead of XNLI: a path,
                                      # hub:NAME[:CONFIG][:SPLIT], or {path, columns, label_map, lang, skip_invalid}
train: {lr: 2e-5, batch_size: 16, target_limit: 2000}  # TrainConfig fields
evaluate: {limit: 200}                # extra kwargs per kind
attack: {limit: 50}
functions: {train: "pkg.mod:func", evaluate: ..., attack: ..., hans: ...}
cost: {...}                           # the dry-run cost model (see plan.estimate_seconds)
executor: local                       # local | ray | slurm
slurm: {cluster: slurm, timeout_min: 240, gpus_per_node: 1, partition: null}
ray: {address: null, num_gpus_per_cell: 0}
```
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..constants import parse_langs
from ..errors import UserError

DEFAULT_FUNCTIONS = {
    "train": "robustxnli.training.run:train_run",
    "evaluate": "robustxnli.evaluation.run:evaluate_run",
    "attack": "robustxnli.attacking.runner:attack_run",
    "hans": "robustxnli.hans.evaluate:hans_run",
    "contrast": "robustxnli.contrast.evaluate:contrast_run",
}
# Cell functions that moved, {name before the move: where it lives now}. A YAML (or a hand-built Cell) naming the
# old path still validates and runs: the function is imported from its new place. Cells are hashed under the name
# before the move (plan._make), and sweep_hash reads the YAML's `functions:` / `cells: fn:` the same way, so finished
# run dirs keep their cell hashes and a config keeps its sweep hash whichever name it gives. When a function moves
# again, point its old names at the new place and keep the first (oldest) name first; never drop an entry.
MOVED_FUNCTIONS = {
    # the attack runner left attacks/ (the engine, below the recipe registry) for robustxnli.attacking (above it)
    "robustxnli.attacks.runner:attack_run": "robustxnli.attacking.runner:attack_run",
}
_HASHED_AS = {new: old for old, new in reversed(MOVED_FUNCTIONS.items())}  # current -> first name (first wins)


def current_function(fn: str) -> str:
    """The importable ``module:function`` a cell calls (the new place of a moved function, else ``fn``)."""
    return MOVED_FUNCTIONS.get(fn, fn)


def hashed_function(fn: str) -> str:
    """The name a cell function is hashed under: its first name, from before any move (else ``fn``)."""
    return _HASHED_AS.get(current_function(fn), fn)


# Cell functions a sweep may call without --allow-functions (any other 'module:function' runs arbitrary code).
REGISTERED_FUNCTIONS = frozenset({*DEFAULT_FUNCTIONS.values(), "robustxnli.sweep.toy:count_cell"})
# Keys that say where/how to run, not what: they do not change the sweep hash.
EXECUTION_KEYS = ("out_dir", "executor", "jobs", "slurm", "ray", "cost", "name")
# Cell kwargs the plan fills in per cell (from models, langs, recipes, out_dir): not options of a kind's section.
SET_PER_CELL = {"evaluate": ("model", "out"), "attack": ("model", "recipe", "lang", "out"),
                "hans": ("model", "out"), "contrast": ("model", "out")}
KNOWN_KEYS = {"models", "regimes", "seeds", "langs", "recipes", "hans", "contrast", "split", "per_language", "data_dir",
              "data", "train",
              "evaluate", "attack", "functions", "cells", *EXECUTION_KEYS}


@dataclass
class SweepConfig:
    path: Path | None
    raw: dict[str, Any]
    name: str
    models: list[str]
    regimes: list[str]
    seeds: list[int]
    langs: list[str]
    recipes: list[dict[str, Any]]  # {"name": registry name, "options": {...} or absent}
    hans: dict[str, Any] | None
    split: str = "dev"
    per_language: bool = False
    data_dir: str | None = None
    data: dict[str, Any] | None = None  # own-data spec for evaluate/attack cells (with the file's sha256)
    train: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] = field(default_factory=dict)
    attack: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FUNCTIONS))
    extra_cells: list[dict[str, Any]] = field(default_factory=list)
    out_dir: str = "runs/sweep"
    executor: str = "local"
    jobs: int = 1  # local executor: cells run at once (worker processes)
    slurm: dict[str, Any] = field(default_factory=dict)
    ray: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] = field(default_factory=dict)
    contrast: dict[str, Any] | None = None  # kwargs of the lexical-inference contrast-set cell, or None
    recipe_specs: dict[str, Any] = field(default_factory=dict)  # recipe name -> Recipe (default attack function)

    @property
    def sweep_hash(self) -> str:
        """sha256 (16 hex) of what the study computes: everything but where/how it runs."""
        what = {k: v for k, v in self.raw.items() if k not in EXECUTION_KEYS}
        if isinstance(what.get("functions"), dict):  # a moved function counts under its historical name
            what["functions"] = {k: hashed_function(v) if isinstance(v, str) else v
                                 for k, v in what["functions"].items()}
        if isinstance(what.get("cells"), list):
            what["cells"] = [{**c, "fn": hashed_function(c["fn"])} if isinstance(c, dict) and
                             isinstance(c.get("fn"), str) else c for c in what["cells"]]
        return stable_hash(what)


def stable_hash(obj: Any, n: int = 16) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:n]


def _list(raw: dict[str, Any], key: str, default: list | None = None) -> list:
    value = raw.get(key, default)
    if value is None:
        return []
    return [value] if isinstance(value, (str, int)) else list(value)


def _recipes(raw: dict[str, Any], where: Path | None) -> list[dict[str, Any]]:
    """``recipes: [name, {name: wordsub-mlm, options: {mlm: xlm-roberta-large}}]``"""
    out = []
    for r in _list(raw, "recipes"):
        if isinstance(r, dict) and "name" in r:
            out.append({"name": str(r["name"]), **({"options": dict(r["options"])} if r.get("options") else {})})
        elif isinstance(r, str):
            out.append({"name": r})
        else:
            raise UserError(f"{where}: a recipe is a name or {{name: ..., options: {{...}}}}, got {r!r}")
    return out


def _data(raw: dict[str, Any], where: Path | None) -> dict[str, Any] | None:
    """``data:`` -> the spec dict the cells get (relative paths resolved against the YAML's folder; the file's
    sha256 joins the cell hash, so an edited file gets fresh cells)."""
    from ..data.user import DataSpec
    from ..rundir import file_sha256

    if raw.get("data") is None:
        return None
    spec = DataSpec.make(raw["data"]).as_kwargs()
    if not spec["path"].startswith("hub:"):
        path = Path(spec["path"]).expanduser()
        if not path.is_absolute() and where is not None and not path.exists():
            path = where.parent / path
        if not path.is_file():
            raise UserError(f"{where}: data: {spec['path']} is not a file")
        spec["path"], spec["sha256"] = str(path), file_sha256(path)
    return spec


def load_config(path: str | Path | dict[str, Any], allow_functions: bool = False) -> SweepConfig:
    """Read and validate a sweep YAML (or an already-parsed dict). ``functions:`` and ``cells: fn:`` may name only
    registered cell functions unless ``allow_functions`` (the command line's ``--allow-functions``)."""
    if isinstance(path, dict):
        raw, where = dict(path), None
    else:
        where = Path(path)
        if not where.exists():
            raise UserError(f"sweep config {where} does not exist")
        if where.is_dir():
            raise UserError(f"sweep config {where} is a directory; give the YAML file")
        try:
            raw = yaml.safe_load(where.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise UserError(f"{where} is not valid YAML: {err}") from None
        except UnicodeDecodeError as err:
            raise UserError(f"{where} is not UTF-8 text ({err})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{where}: the sweep config must be a mapping")
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}")
    models = [str(m) for m in _list(raw, "models")]
    extra = list(raw.get("cells") or [])
    if not models and not extra:
        raise UserError(f"{where}: give at least one model under `models:` (or explicit `cells:`)")
    regimes = [str(r) for r in _list(raw, "regimes", ["baseline"])]
    seeds = _list(raw, "seeds", [1])
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise UserError(f"{where}: seeds must be integers 0 or more, got {s!r}")
    if models:
        _nonempty_unique(where, models=models, regimes=regimes, seeds=seeds)
    data = _data(raw, where)
    if data is None:
        try:
            langs = parse_langs(_list(raw, "langs", ["all"])) if models else []
        except UserError as err:
            raise UserError(f"{where}: langs: {err}") from None
    else:  # any ISO 639 code; default: the set's own languages
        from ..constants import parse_lang_code
        from ..data.user import load_user_data

        langs = [parse_lang_code(c, f"{where}: langs") for c in _list(raw, "langs")] or \
            load_user_data(data).langs()
    hans = raw.get("hans")
    if hans is not None and not isinstance(hans, dict):
        raise UserError(f"{where}: hans must be a mapping like {{lang: en, n_per_subcase: 100}} or null")
    contrast = raw.get("contrast")
    if contrast is not None and not isinstance(contrast, dict):
        raise UserError(f"{where}: contrast must be a mapping like {{lang: en,de, n_per_category: 50}} or null")
    functions = {**DEFAULT_FUNCTIONS, **(raw.get("functions") or {})}
    for kind, fn in functions.items():
        if ":" not in str(fn):
            raise UserError(f"{where}: functions.{kind} must be 'package.module:function', got {fn!r}")
    functions = {kind: current_function(str(fn)) for kind, fn in functions.items()}  # old names of moved functions
    for i, cell in enumerate(extra):
        if not isinstance(cell, dict) or "fn" not in cell or "name" not in cell:
            raise UserError(f"{where}: cells[{i}] needs at least `name` and `fn` ('module:function')")
        if not isinstance(cell.get("kwargs") or {}, dict) or "out" in (cell.get("kwargs") or {}):
            raise UserError(f"{where}: cells[{i}].kwargs must be a mapping without `out` (each cell's run dir is "
                            "chosen under out_dir)")
    if not allow_functions:
        named = [(f"functions.{k}", str(v)) for k, v in functions.items()] + \
            [(f"cells[{i}].fn", str(c["fn"])) for i, c in enumerate(extra)]
        for key, fn in named:
            if current_function(fn) not in REGISTERED_FUNCTIONS:
                raise UserError(f"{where}: {key} {fn!r} is not a registered cell function; a sweep YAML that names "
                                "other functions runs arbitrary code — pass --allow-functions if you trust it "
                                f"(registered: {', '.join(sorted(REGISTERED_FUNCTIONS))})")
    _check_kwargs(raw, where, functions)
    executor = str(raw.get("executor", "local"))
    if executor not in ("local", "ray", "slurm"):
        raise UserError(f"{where}: executor must be local, ray or slurm, got {executor!r}")
    jobs = raw.get("jobs", 1)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise UserError(f"{where}: jobs must be a whole number >= 1 (local worker processes), got {jobs!r}")
    default_out = f"runs/{raw.get('name') or (where.stem if where else 'sweep')}"
    cfg = SweepConfig(
        path=where, raw=raw, name=str(raw.get("name") or (where.stem if where else "sweep")), models=models,
        regimes=regimes, seeds=seeds, langs=langs, recipes=_recipes(raw, where), hans=hans,
        split=str(raw.get("split", "dev")), per_language=bool(raw.get("per_language", False)),
        data_dir=raw.get("data_dir"), data=data, train=dict(raw.get("train") or {}), evaluate=dict(raw.get("evaluate") or {}),
        attack=dict(raw.get("attack") or {}), functions=functions, extra_cells=extra,
        out_dir=str(raw.get("out_dir") or default_out), executor=executor, jobs=jobs, slurm=dict(raw.get("slurm") or {}),
        ray=dict(raw.get("ray") or {}), cost=dict(raw.get("cost") or {}), contrast=contrast,
    )
    _check_names(cfg)
    return cfg


def _nonempty_unique(where: Path | None, **lists: list) -> None:
    """``models:`` / ``regimes:`` / ``seeds:``: at least one value, none twice (a repeat would plan a cell twice)."""
    for key, values in lists.items():
        if not values:
            raise UserError(f"{where}: give at least one {key[:-1]} under `{key}:`")
        twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
        if twice is not None:
            raise UserError(f"{where}: {key}: {twice!r} is given twice")


def _check_kwargs(raw: dict[str, Any], where: Path | None, functions: dict[str, str]) -> None:
    """``train:`` / ``evaluate:`` / ``attack:`` / ``hans:`` / ``contrast:`` mappings: known keys (with a "did you
    mean") and sane values, checked before any cell runs."""
    import dataclasses
    import inspect

    from .. import validate

    for kind in ("train", "evaluate", "attack", "hans", "contrast"):
        section = raw.get(kind)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise UserError(f"{where}: {kind} must be a mapping of options, got {section!r}")
        taken = [k for k in section if k in SET_PER_CELL.get(kind, ())]
        if taken:
            raise UserError(f"{where}: {kind}: key {taken[0]!r} is set by the sweep for each cell (from models, "
                            "langs, recipes and out_dir); remove it")
        if functions.get(kind) != DEFAULT_FUNCTIONS[kind]:
            continue  # a custom function: its own signature decides
        if kind == "train":
            from ..training.run import TrainConfig

            known = {f.name for f in dataclasses.fields(TrainConfig)}
        else:
            module, _, name = DEFAULT_FUNCTIONS[kind].partition(":")
            import importlib

            known = set(inspect.signature(getattr(importlib.import_module(module), name)).parameters)
        try:
            validate.known_keys("key", list(section), known, f"the {kind} cells")
            if kind == "train":
                validate.train_args({k: v for k, v in section.items() if k != "model"})
            else:
                for key in ("limit", "batch_size", "n_per_subcase", "n_per_category"):
                    if key in section:
                        validate.positive(key, section[key], allow_none=key == "limit")
                if "seed" in section:
                    validate.seed("seed", section["seed"])
        except UserError as err:
            raise UserError(f"{where}: {kind}: {err}") from None


def _check_names(cfg: SweepConfig) -> None:
    """Split, regimes, recipe names and hans/contrast languages of the built-in cell functions, checked at load:
    a typo there would otherwise fail only after the train cells ran."""
    from .. import validate
    from ..data import TASKS

    where, default = cfg.path, {k: cfg.functions[k] == fn for k, fn in DEFAULT_FUNCTIONS.items()}
    if default["evaluate"] or default["attack"]:
        try:
            validate.choice("split", cfg.split, TASKS["xnli"].files)
        except UserError as err:
            raise UserError(f"{where}: {err}") from None
    if default["train"]:
        _check_regimes(cfg.regimes, cfg.train, where)
    if default["attack"]:
        cfg.recipe_specs = _check_recipes(cfg.recipes, where)
    if default["hans"] and cfg.hans:
        from ..hans.evaluate import parse_hans_langs

        _check_langs("hans", parse_hans_langs, cfg.hans, where)
    if default["contrast"] and cfg.contrast:
        from ..contrast.generate import parse_contrast_langs

        _check_langs("contrast", parse_contrast_langs, cfg.contrast, where)


def _check_langs(kind: str, parse: Any, section: dict[str, Any], where: Path | None) -> None:
    try:
        parse(section.get("lang", "en"))
    except UserError as err:
        raise UserError(f"{where}: {kind}: lang: {err}") from None


def _check_regimes(regimes: list[str], train: dict[str, Any], where: Path | None) -> None:
    """Each regime is baseline, an intermediate task, a comma list of them or multitask (as TrainConfig reads it)."""
    from ..data import INTERMEDIATE_TASKS
    from ..training.config import TrainConfig
    from ..validate import did_you_mean

    names = ["baseline", "multitask", *INTERMEDIATE_TASKS]
    multitask = {"multitask_tasks": tuple(train["multitask_tasks"])} if train.get("multitask_tasks") else {}
    for regime in regimes:
        try:
            TrainConfig(intermediate=regime, **multitask).intermediate_tasks()
        except UserError as err:
            bad = next((t.strip() for t in regime.split(",") if t.strip().lower() not in names), "")
            msg = _hint(str(err), f"unknown intermediate task {bad!r}", did_you_mean(bad, names) if bad else "")
            raise UserError(f"{where}: regimes: {msg}") from None


def _check_recipes(recipes: list[dict[str, Any]], where: Path | None) -> dict[str, Any]:
    """Recipe name -> Recipe, as `robustxnli attack` resolves it (registry, entry point, path.py:factory)."""
    from robustxnli.recipes import get_recipe, list_recipes

    from ..validate import did_you_mean

    out = {}
    for spec in recipes:
        name = spec["name"]
        try:
            out[name] = get_recipe(name)
        except UserError as err:
            msg = _hint(str(err), f"unknown recipe {name!r}", did_you_mean(name, [r.name for r in list_recipes()]))
            raise UserError(f"{where}: recipes: {msg}") from None
    return out


def _hint(msg: str, head: str, hint: str) -> str:
    """``msg`` with ``hint`` (a "did you mean") right after ``head``, when ``msg`` starts with it."""
    return head + hint + msg[len(head):] if msg.startswith(head) else msg
