"""Successful adversarial examples from attack run directories, sampled per recipe × language (seeded)."""

from __future__ import annotations

import os
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from ..errors import UserError
from ..rundir import MANIFEST, iter_records, read_json

LABELS = ("entailment", "neutral", "contradiction")


@dataclass(frozen=True)
class Item:
    item: str           # key, unique per run: run dir relative to the runs' common parent + example id
    run: str            # run directory (absolute)
    id: str
    recipe: str
    lang: str
    label: str          # gold
    clean_pred: str
    adv_pred: str
    premise: str
    hypothesis: str
    adv_premise: str
    adv_hypothesis: str

    def where(self) -> str:
        """The run dir as shown on the sheet (relative to the common parent of the sampled runs)."""
        return self.item[: len(self.item) - len(self.id) - 1]

    def as_dict(self) -> dict:
        return asdict(self)

    def columns(self) -> tuple[tuple[str, str, str], ...]:
        """(column, original, perturbed) for the premise, then the hypothesis."""
        return (("premise", self.premise, self.adv_premise), ("hypothesis", self.hypothesis, self.adv_hypothesis))


def attack_runs(roots: Iterable[str | Path]) -> list[tuple[Path, dict]]:
    """(run dir, manifest) of every attack run under ``roots``."""
    out = []
    for root in roots:
        root = Path(root)
        if not root.exists():
            raise UserError(f"run directory {root} does not exist")
        for m in sorted(root.rglob(MANIFEST)):
            manifest = read_json(m)
            if manifest.get("kind") == "attack":
                out.append((m.parent.resolve(), manifest))
    if not out:
        raise UserError(f"no attack run directories under {', '.join(map(str, roots))}; give the --out of "
                        "`robustxnli attack`")
    return out


def _name(i: int, labels: list[str] | None) -> str:
    names = labels or list(LABELS)
    return names[i] if 0 <= i < len(names) else str(i)


def run_names(runs: list[Path]) -> dict[Path, str]:
    """Each run dir relative to the common parent of the runs' parents: its dir name where all share one parent
    (the old key), else e.g. ``seed1/de-charnoise`` and ``seed2/de-charnoise``; distinct for distinct runs."""
    if not runs:
        return {}
    common = os.path.commonpath([str(r.parent) for r in runs])
    return {r: Path(os.path.relpath(r, common)).as_posix() for r in runs}


def successes(run: Path, manifest: dict, name: str | None = None) -> list[Item]:
    labels = manifest.get("labels") if isinstance(manifest.get("labels"), list) else None
    out = []
    for r in iter_records(run / "records.jsonl") if (run / "records.jsonl").exists() else []:
        if r.get("status") != "succeeded" or "adv_hypothesis" not in r:  # records without texts: nothing to show
            continue
        out.append(Item(item=f"{name or run.name}/{r['id']}", run=str(run), id=str(r["id"]),
                        recipe=str(manifest.get("recipe")), lang=str(r.get("lang") or manifest.get("lang")),
                        label=_name(int(r["label"]), labels), clean_pred=_name(int(r["clean_pred"]), labels),
                        adv_pred=_name(int(r["adv_pred"]), labels), premise=r.get("premise", ""),
                        hypothesis=r.get("hypothesis", ""), adv_premise=r.get("adv_premise", r.get("premise", "")),
                        adv_hypothesis=r["adv_hypothesis"]))
    return out


def sample(roots: Iterable[str | Path], per_cell: int, seed: int = 0) -> dict[tuple[str, str], list[Item]]:
    """Up to ``per_cell`` successes per (recipe, language), drawn with ``random.Random(seed)`` (all where fewer)."""
    cells: dict[tuple[str, str], list[Item]] = defaultdict(list)
    runs = attack_runs(roots)
    names = run_names([run for run, _ in runs])
    for run, manifest in runs:
        for it in successes(run, manifest, names[run]):
            cells[it.recipe, it.lang].append(it)
    out = {}
    for key in sorted(cells):
        items = sorted(cells[key], key=lambda x: x.item)
        rng = random.Random(f"{seed}|{key[0]}|{key[1]}")
        out[key] = items if len(items) <= per_cell else sorted(rng.sample(items, per_cell), key=lambda x: x.item)
    return out
