"""Read run directories (the only input of the report) into tidy per-example frames.

Only ``manifest.json`` / ``records.jsonl`` / ``summary.json`` are read (the run-directory contract), so the report
works on any mix of runs: local, from a cluster, partial sweeps.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import UserError
from ..rundir import MANIFEST, RECORDS, iter_records, read_json
from ..schema import check_manifest, clean_correct, read_records, robust_correct

CLEAN = "clean"
# Key of one trained model: size x regime x seed. ``size`` is the model label (e.g. "e5-small-L6").
MODEL_KEYS = ["size", "params_total", "params_non_embedding", "regime", "seed"]


@dataclass
class Run:
    path: Path
    manifest: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))


@dataclass
class RunSet:
    runs: list[Run]
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (dir, why): not done, unreadable
    warnings: list[str] = field(default_factory=list)  # e.g. the same run found in two dirs

    def of_kind(self, kind: str) -> list[Run]:
        return [r for r in self.runs if r.kind == kind]


def find_runs(roots: Iterable[str | Path], sweep_hash: str | None = None) -> RunSet:
    """Every directory under ``roots`` holding a manifest.json; runs not "done" are listed as skipped.

    With ``sweep_hash`` (the hash of the sweep config the runs claim to come from), a run whose manifest carries a
    different ``sweep_hash`` is refused: mixing studies would silently change the numbers.
    """
    runs: list[Run] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for root in roots:
        root = Path(root)
        if not root.exists():
            raise UserError(f"run directory {root} does not exist")
        for mpath in sorted(root.rglob(MANIFEST)):
            d = mpath.parent  # as found under the root given (a link's target is not shown)
            if d.resolve() in seen:
                continue
            seen.add(d.resolve())
            try:
                manifest = check_manifest(read_json(mpath), mpath)
            except (OSError, UserError) as err:
                skipped.append((d, f"unreadable manifest: {err}"))
                continue
            if manifest.get("status") != "done":
                skipped.append((d, f"status {manifest.get('status')!r}"))
                continue
            if sweep_hash is not None and "sweep_hash" in manifest and manifest["sweep_hash"] != sweep_hash:
                raise UserError(
                    f"{d} was made by a different sweep configuration (its sweep_hash {manifest['sweep_hash']} != "
                    f"{sweep_hash} of the given config); report it separately or drop --sweep-config")
            runs.append(Run(d, manifest))
    if not runs:
        why = f"; skipped: {skipped[0][0]}: {skipped[0][1]}" + (f" (and {len(skipped) - 1} more)"
                                                               if len(skipped) > 1 else "") if skipped else ""
        raise UserError(f"no finished run (manifest.json with status \"done\") under "
                        f"{', '.join(map(str, roots))}{why}")
    return RunSet(runs, skipped)


def drop_duplicate_runs(runset: RunSet) -> RunSet:
    """The accuracy tables' rule for the whole report: each model x condition x lang x id pair is counted once.

    A run whose pairs are all held by a larger run of the same kind, model, recipe and data (the same run in two
    dirs, e.g. one extended by a larger --limit) is dropped from every section, with a warning naming both.
    Attack runs that share only some pairs are both kept (the tables count a shared pair once, the validity table
    twice) and named in a warning."""
    cells = [_run_cell(r) for r in runset.runs]
    shared = {c for c, n in Counter(cells).items() if n > 1}  # only these runs' records are read here
    pairs = {id(r): _pair_keys(r) if c in shared else frozenset() for r, c in zip(runset.runs, cells)}
    kept: list[Run] = []
    warnings: list[str] = []
    for run in sorted(runset.runs, key=lambda r: -len(pairs[id(r)])):  # stable: ties keep the first found
        mine = pairs[id(run)]
        same = [k for k in kept if mine and _run_cell(k) == _run_cell(run)]
        holder = next((k for k in same if mine <= pairs[id(k)]), None)
        if holder is not None:
            judged = " (its audit judgements are not read)" if (run.path / "audit.jsonl").exists() else ""
            warnings.append(f"duplicate run dropped: {run.path} holds the same {run.kind} run as {holder.path} "
                            f"(its {len(mine)} pairs are among that run's {len(pairs[id(holder)])}){judged}")
            continue
        warnings += [f"runs {k.path} and {run.path} share {len(mine & pairs[id(k)])} pairs: tables count each once, "
                     "the validity table counts them in both" for k in same
                     if run.kind == "attack" and mine & pairs[id(k)]]
        kept.append(run)
    keep = {id(r) for r in kept}
    return RunSet([r for r in runset.runs if id(r) in keep], runset.skipped,
                  runset.warnings + warnings + _label_clashes(kept))


def _label_clashes(runs: list[Run]) -> list[str]:
    """The report knows a model by size, regime and seed: runs of different weights under one such label are
    pooled as one model, which must be said."""
    weights: dict[tuple, dict[str, Path]] = {}
    for run in runs:
        f, sha = model_fields(run.manifest), _weights(run.manifest)
        if run.kind != "train" and sha:
            weights.setdefault((f["size"], f["regime"], f["seed"]), {}).setdefault(str(sha), run.path)
    return [f"runs of {len(found)} different models share the label {size} / {regime} / seed {seed} and are "
            f"pooled as one model (e.g. {' and '.join(str(p) for p in list(found.values())[:2])}); report them "
            "separately" for (size, regime, seed), found in weights.items() if len(found) > 1]


def _weights(m: dict[str, Any]) -> Any:
    """Which weights a run used: their sha256 from the run identity, else the checkpoint path."""
    return (m.get("identity") or {}).get("model_sha256") or m.get("checkpoint")


def _run_cell(run: Run) -> tuple:
    """What two runs must share to be the same run: kind, model (its weights' hash, not only size / regime /
    seed: a 15-step model and the trained one of the same label are two models), recipe, data set and split, and
    the attack's settings (a "before" run with ``-o label_preserving=false`` beside the default one is another
    run)."""
    import json

    f, m = model_fields(run.manifest), run.manifest
    return (run.kind, f["size"], f["regime"], f["seed"], _weights(m), m.get("recipe"), own_data_tag(m), m.get("split"),
            m.get("perturb"), m.get("attack_seed"), json.dumps(m.get("options") or {}, sort_keys=True, default=str))


def _pair_keys(run: Run) -> frozenset[tuple[str, str]]:
    """(lang, id) of every record; empty for runs without records (train)."""
    if run.kind not in ("evaluate", "attack", "hans", "contrast"):
        return frozenset()
    return frozenset((str(r.get("lang")), str(r.get("id"))) for r in iter_records(run.path / RECORDS))


def model_fields(m: dict[str, Any]) -> dict[str, Any]:
    """Size / regime / seed of the model a run used. Sizes are labelled by ``model_label`` (else base model)."""
    size = m.get("model_label") or m.get("base_model") or m.get("checkpoint") or "unknown"
    seed = m.get("seed")
    return {
        "size": str(size),
        "params_total": _num(m.get("params_total")),
        "params_non_embedding": _num(m.get("params_non_embedding")),
        "regime": str(m.get("regime") or "unknown"),
        "seed": int(seed) if seed is not None else -1,
    }


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def example_frame(runset: RunSet) -> pd.DataFrame:
    """One row per (model, condition, lang, id): ``correct`` (clean or robust correctness) and, for attack
    conditions, ``attacked`` (the attack ran: clean-correct and not skipped) and ``succeeded``.

    Clean correctness comes from evaluate runs, else from attack runs' clean predictions (deduplicated: one clean
    value per model/lang/id). Robust correctness of an attack record = clean correct and status "failed"
    (a "succeeded" attack flips it; "skipped" counts as not robust-correct).
    """
    parts: list[pd.DataFrame] = []
    for run in runset.of_kind("evaluate"):
        recs = list(read_records(run.path / RECORDS, "evaluate"))
        parts.append(_frame(run, CLEAN, 0, recs, {"correct": [float(bool(r["correct"])) for r in recs]}))
    for run in runset.of_kind("attack"):
        recs = list(read_records(run.path / RECORDS, "attack"))
        recipe = str(run.manifest.get("recipe") or "attack")
        clean_ok = np.array([clean_correct(r) for r in recs], dtype=bool)
        status = np.array([str(r.get("status")) for r in recs])
        parts.append(_frame(run, CLEAN, 1, recs, {"correct": clean_ok.astype(float)}))
        parts.append(_frame(run, recipe, 1, recs, {
            "correct": np.array([robust_correct(r) for r in recs], dtype=float),
            "attacked": (clean_ok & np.isin(status, ["succeeded", "failed"])).astype(float),
            "succeeded": (status == "succeeded").astype(float)}))
    cols = MODEL_KEYS + ["condition", "lang", "id", "correct", "attacked", "succeeded"]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    # Prefer evaluate runs for clean accuracy; keep one row per model x condition x lang x id.
    df = df.sort_values("source", kind="stable").drop_duplicates(MODEL_KEYS + ["condition", "lang", "id"])
    df = _fill_params(df)
    return df.drop(columns="source").reset_index(drop=True)[cols]


def _frame(run: Run, condition: str, source: int, recs: list[dict[str, Any]], values: dict[str, Any]) -> pd.DataFrame:
    """Column-wise frame of one run's records (millions of rows at paper scale: no per-row dicts)."""
    tag = own_data_tag(run.manifest)
    df = pd.DataFrame({"lang": [r["lang"] + tag for r in recs], "id": [str(r["id"]) for r in recs], **values})
    for col in ("attacked", "succeeded"):
        if col not in df:
            df[col] = np.nan
    for k, v in {**model_fields(run.manifest), "condition": condition, "source": source}.items():
        df[k] = v
    return df


def _fill_params(df: pd.DataFrame) -> pd.DataFrame:
    """Parameter counts belong to the size: runs that lack them borrow them from another run of that size."""
    for col in ("params_total", "params_non_embedding"):
        df[col] = df.groupby("size")[col].transform(lambda s: s.fillna(s.max()) if s.notna().any() else s)
    return df


def hans_frame(runset: RunSet) -> pd.DataFrame:
    """One row per HANS record: model fields, lang, heuristic, subcase, entailed (label 0), correct."""
    parts = []
    for run in runset.of_kind("hans"):
        recs = list(read_records(run.path / RECORDS, "hans"))
        df = pd.DataFrame({"lang": [r["lang"] for r in recs], "id": [str(r["id"]) for r in recs],
                           "heuristic": [r.get("heuristic", "?") for r in recs],
                           "subcase": [r.get("subcase", "?") for r in recs],
                           "split": ["entailed" if int(r["label"]) == 0 else "non_entailed" for r in recs],
                           "correct": [float(bool(r["correct"])) for r in recs]})
        for k, v in model_fields(run.manifest).items():
            df[k] = v
        parts.append(df)
    cols = MODEL_KEYS + ["lang", "id", "heuristic", "subcase", "split", "correct"]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cols)
    return _fill_params(pd.concat(parts, ignore_index=True)[cols])


def own_data_tag(manifest: dict[str, Any]) -> str:
    """"@NAME" for runs on the user's own set (``--data``), so its rows never mix with XNLI's; "" for XNLI."""
    data = manifest.get("data")
    return f"@{data['name']}" if isinstance(data, dict) and data.get("name") else ""


def training_choices(m: dict[str, Any]) -> str:
    """One line naming what a train run chose (preset, method, layers trained, data, epochs, rates, lengths)."""
    c = m.get("config") or {}
    if not c:
        return ""
    parts = [f"preset {c.get('preset', 'default')}"]
    if c.get("method"):
        parts.append(str(c["method"]))
    f2, f3 = m.get("phase2_facts") or {}, m.get("phase3_facts") or {}
    if f3.get("train_layers") or c.get("train_layers"):
        parts.append(f"top {f3.get('train_layers') or c.get('train_layers')} layers trained")
    inter = m.get("intermediate")
    inter = "+".join(map(str, inter)) if isinstance(inter, list) else inter
    if inter and inter != "none":
        parts.append(_phase_text(inter, f2.get("examples") or c.get("intermediate_limit"),
                                 c.get("intermediate_epochs"), c.get("intermediate_max_steps"), f2))
    parts.append(_phase_text(m.get("target", c.get("target", "mnli")), f3.get("examples") or c.get("target_limit"),
                             c.get("target_epochs"), c.get("target_max_steps"), f3))
    parts.append(f"lr {c.get('lr')}" + (f" / head {c['head_lr']}" if c.get("head_lr") else ""))
    parts.append(f"batch {c.get('batch_size')}")
    lengths = [str(f["max_length"]) for f in (f2, f3) if f.get("max_length")]
    parts.append("max length " + ("/".join(lengths) if lengths else str(c.get("max_length"))))
    return ", ".join(parts)


def _phase_text(task: Any, n: Any, epochs: Any, max_steps: Any, facts: dict[str, Any]) -> str:
    """"mnli 8,000 pairs x 2.0 ep", or with a step cap what was trained: "mnli 800 pairs, capped at 15 steps
    (481 pairs seen)"."""
    head = f"{task} {n:,} pairs" if isinstance(n, int) else str(task)
    if max_steps:
        seen = facts.get("examples_seen")
        return (f"{head}, capped at {facts.get('steps', max_steps)} steps"
                + (f" ({seen:,} pairs seen)" if isinstance(seen, int) else ""))
    return f"{head} x {epochs} ep"


def provenance(runset: RunSet) -> dict[str, Any]:
    """Commands, caveats and library versions collected from every manifest."""
    commands: list[str] = []
    caveats: dict[str, int] = {}
    versions: dict[str, set[str]] = {}
    own: dict[str, str] = {}  # the user's own data sets: name -> sha256
    training: dict[str, set[str]] = {}  # model label / regime -> the training choices its runs made
    for run in runset.runs:
        m = run.manifest
        if run.kind == "train" and training_choices(m):
            key = f"{m.get('model_label') or m.get('base_model')} / {m.get('regime', '')}"
            training.setdefault(key, set()).add(training_choices(m))
        cmd = m.get("command")
        if isinstance(cmd, list):
            cmd = " ".join(map(str, cmd))
        cmds = [m.get("sweep_command"), cmd]
        if not cmd and m.get("cell_fn"):  # a sweep cell: the exact call the sweep made
            args = ", ".join(f"{k}={v!r}" for k, v in {"out": str(run.path), **(m.get("cell_kwargs") or {})}.items())
            cmds.append(f"#   cell {m.get('cell_name', '')}: {m['cell_fn']}({args})")
        for c in cmds:
            if c and str(c) not in commands:
                commands.append(str(c))
        for c in m.get("caveats") or []:
            caveats[str(c)] = caveats.get(str(c), 0) + 1
        if own_data_tag(m):
            own[m["data"]["name"]] = ", ".join(f"sha256 {h[:12]}" for h in (m["data"].get("sha256") or {}).values())
        for k, v in (m.get("versions") or {}).items():
            versions.setdefault(k, set()).add(str(v))
    return {
        "commands": commands,
        "caveats": caveats,
        "versions": {k: sorted(v) for k, v in sorted(versions.items())},
        "own_data": own,
        "training": {k: sorted(v) for k, v in sorted(training.items())},
        "n_runs": {k: len(runset.of_kind(k)) for k in ("train", "evaluate", "attack", "hans", "contrast")
                   if k != "contrast" or runset.of_kind(k)},
        "skipped": [(str(p), why) for p, why in runset.skipped],
        "warnings": list(runset.warnings),
    }


def size_table(ex: pd.DataFrame, hans: pd.DataFrame) -> pd.DataFrame:
    """Sizes ordered by parameter count (non-embedding, then total)."""
    parts = [f[["size", "params_total", "params_non_embedding"]] for f in (ex, hans) if not f.empty]
    if not parts:
        return pd.DataFrame(columns=["size", "params_total", "params_non_embedding"])
    sizes = pd.concat(parts).groupby("size", as_index=False).max()
    return sizes.sort_values(["params_non_embedding", "params_total", "size"], na_position="last").reset_index(
        drop=True)

