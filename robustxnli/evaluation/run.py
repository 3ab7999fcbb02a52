"""Zero-shot XNLI evaluation: every requested language in one run, batched over length-sorted pairs with
dynamic padding under ``torch.inference_mode`` (see ``NLIClassifier.predict_proba``).

Writes the run directory contract: ``records.jsonl`` (one row per example and language: id, lang, label, pred,
probs, correct), ``summary.json`` (accuracy per language and average), ``manifest.json``. A language whose
records are complete is skipped on a re-run, so an interrupted evaluation resumes by language.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..constants import parse_langs
from ..data import load_nli, split_sha256
from ..rundir import RunDir, truncate_torn_tail
from ..progress import progress_bar


def accuracy_by_lang(records: Sequence[dict[str, Any]]) -> tuple[dict[str, float], dict[str, int]]:
    acc: dict[str, list[bool]] = {}
    for r in records:
        acc.setdefault(r["lang"], []).append(bool(r["correct"]))
    return {k: float(np.mean(v)) for k, v in acc.items()}, {k: len(v) for k, v in acc.items()}


def evaluate_run(model: str, out: str | Path, langs: str | Sequence[str] = "all", split: str = "dev",
                 limit: int | None = None, data_dir: str | None = None, batch_size: int = 64,
                 label_order: list[str] | None = None, classifier=None, data: Any = None) -> dict[str, Any]:
    """Evaluate ``model`` on XNLI ``split`` in ``langs``; returns the summary. ``data`` (a path, ``hub:NAME``, a
    sweep ``data:`` mapping or a loaded UserData) evaluates the user's own set instead (see own_data.py)."""
    from ..models import load_classifier

    if data is not None:
        from .own_data import evaluate_data_run

        return evaluate_data_run(model, out, data, None if langs == "all" else langs, limit, batch_size,
                                 label_order, classifier)

    codes = parse_langs(langs)
    clf = classifier or load_classifier(model, label_order=label_order)
    run = RunDir(out)
    run.write_manifest(kind="evaluate", task="xnli", split=split, langs=codes, limit=limit, batch_size=batch_size,
                       **clf.manifest_fields())
    truncate_torn_tail(run.records_path)
    existing = run.read_records()
    done_langs = {r["lang"] for r in existing}
    start = time.time()
    data = {lang: load_nli("xnli", split, lang, data_dir, limit) for lang in codes if lang not in done_langs}
    total = sum(len(v) for v in data.values())
    with progress_bar(f"evaluating {len(data)} language(s) on XNLI {split}", total) as advance:
        for lang, examples in data.items():
            probs = clf.predict_proba([e.premise for e in examples], [e.hypothesis for e in examples],
                                      batch_size=batch_size, progress=advance)
            preds = probs.argmax(-1)
            run.append_records(
                {"id": e.id, "lang": lang, "label": e.label, "pred": int(p), "correct": bool(p == e.label),
                 "probs": [round(float(x), 6) for x in pr]}
                for e, p, pr in zip(examples, preds, probs)
            )
    records = [r for r in run.read_records() if r["lang"] in codes]
    acc, n = accuracy_by_lang(records)
    summary = {"accuracy": {k: acc[k] for k in codes if k in acc}, "n": n,
               "average": float(np.mean([acc[k] for k in codes if k in acc])), "split": split}
    run.write_summary(summary)
    hashes: dict[str, str] = {}
    for lang in codes:
        hashes.update(split_sha256("xnli", split, lang, data_dir))
    run.finish(seconds=round(time.time() - start, 2), data_sha256=hashes)
    return summary

