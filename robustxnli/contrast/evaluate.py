"""Three-way evaluation on the lexical-inference contrast sets: accuracy per category and language, beside what a
model that always answers entailment would score, and the per-class prediction shares."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..perclass import per_class_by_lang
from ..progress import progress_bar
from ..rundir import RunDir, file_sha256, truncate_torn_tail
from .generate import CATEGORIES, ENTAILMENT, LANG_DIR, generate, parse_contrast_langs


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """accuracy[lang][category], overall[lang] (mean over categories, so big categories do not dominate),
    contradiction / entailment accuracy per language, n, and per-class prediction shares."""
    langs = list(dict.fromkeys(r["lang"] for r in records))
    acc: dict[str, dict[str, float]] = {}
    n: dict[str, dict[str, int]] = {}
    by_label: dict[str, dict[str, float]] = {}
    for lang in langs:
        rows = [r for r in records if r["lang"] == lang]
        for cat in CATEGORIES:
            sel = [bool(r["correct"]) for r in rows if r["category"] == cat]
            if sel:
                acc.setdefault(lang, {})[cat] = float(np.mean(sel))
                n.setdefault(lang, {})[cat] = len(sel)
        for name, lab in (("contradiction", 2), ("entailment", ENTAILMENT)):
            sel = [bool(r["correct"]) for r in rows if r["label"] == lab]
            if sel:
                by_label.setdefault(lang, {})[name] = float(np.mean(sel))
    return {"accuracy": acc, "n": n, "accuracy_by_label": by_label,
            "overall": {lang: float(np.mean(list(acc[lang].values()))) for lang in acc},
            "per_class": per_class_by_lang(records)}


def evaluate_contrast(classifier, lang: str | Sequence[str], n_per_category: int = 100, seed: int = 0,
                      out_dir: str | Path | None = None, batch_size: int = 64) -> dict[str, Any]:
    """Generate the contrast set(s) for ``lang`` and evaluate ``classifier`` three-way; writes a run dir (kind
    "contrast") when ``out_dir`` is given. Records already there are not predicted again."""
    from ..errors import UserError

    langs = parse_contrast_langs(lang)
    run = RunDir(out_dir) if out_dir is not None else None
    fields = classifier.manifest_fields() if hasattr(classifier, "manifest_fields") else {}
    existing: list[dict[str, Any]] = []
    if run is not None:
        hashes = {f"contrast/languages/{c}.yaml": file_sha256(LANG_DIR / f"{c}.yaml") for c in langs}
        old = run.manifest()
        for key, value in {"kind": "contrast", "checkpoint": fields.get("checkpoint"), "contrast_seed": seed,
                           "n_per_category": n_per_category}.items():
            if old and key in old and old[key] != value:
                raise UserError(f"{run.path} holds a different contrast run ({key}: {old[key]!r} there, {value!r} "
                                "now); choose another --out")
        for path, sha in hashes.items():
            if old.get("data_sha256", {}).get(path, sha) != sha:
                raise UserError(f"{run.path} was made from another version of {path}; choose another --out")
        run.write_manifest(kind="contrast", langs=langs, seed=fields.get("seed"), contrast_seed=seed,
                           n_per_category=n_per_category, split="generated",
                           data_sha256={**old.get("data_sha256", {}), **hashes},
                           **{k: v for k, v in fields.items() if k != "seed"})
        truncate_torn_tail(run.records_path)
        existing = run.read_records()
    start = time.time()
    done = {r["id"] for r in existing}
    todo = {c: [r for r in generate(c, n_per_category, seed) if r["id"] not in done] for c in langs}
    records = [r for r in existing if r["lang"] in langs]
    with progress_bar(f"contrast sets, {len(langs)} language(s)", sum(map(len, todo.values()))) as advance:
        for code, rows in todo.items():
            if not rows:
                continue
            probs = classifier.predict_proba([r["premise"] for r in rows], [r["hypothesis"] for r in rows],
                                             batch_size=batch_size)
            advance(len(rows))
            new = [{**r, "pred": int(p.argmax()), "correct": bool(int(p.argmax()) == r["label"]),
                    "probs": [round(float(x), 6) for x in p]} for r, p in zip(rows, probs)]
            if run is not None:
                run.append_records(new)
            records.extend(new)
    summary = summarize(records)
    if run is not None:
        run.write_summary(summary)
        run.finish(seconds=round(time.time() - start, 2))
    return summary


def contrast_run(model: str, out: str | Path, lang: str | Sequence[str] = "en", n_per_category: int = 100,
                 seed: int = 0, batch_size: int = 64, label_order: list[str] | None = None) -> dict[str, Any]:
    """Sweep/CLI cell: load ``model`` and evaluate it on the contrast set(s) into the run dir ``out``."""
    from ..models import load_classifier

    return evaluate_contrast(load_classifier(model, label_order=label_order), lang, n_per_category, seed, out,
                             batch_size)
