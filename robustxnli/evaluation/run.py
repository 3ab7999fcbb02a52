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
from ..errors import UserError
from ..perclass import per_class_by_lang
from ..models.fingerprint import model_fingerprint
from ..rundir import RunDir, data_fingerprint, truncate_torn_tail
from ..schema import EvalRecord, EvalSummary, Identity, read_records
from ..progress import progress_bar


def accuracy_by_lang(records: Sequence[dict[str, Any]]) -> tuple[dict[str, float], dict[str, int]]:
    acc: dict[str, list[bool]] = {}
    for r in records:
        acc.setdefault(r["lang"], []).append(bool(r["correct"]))
    return {k: float(np.mean(v)) for k, v in acc.items()}, {k: len(v) for k, v in acc.items()}


def checked_classifier(model: str, out: str | Path, limit: int | None, batch_size: int, classifier: Any = None,
                       label_order: list[str] | None = None) -> Any:
    """The inputs every evaluation checks before its run dir is touched (limit, batch size, out dir, checkpoint),
    then the classifier (``classifier`` if one is given)."""
    from .. import validate
    from ..models import load_classifier

    validate.positive("--limit", limit)
    validate.positive("--batch-size", batch_size)
    validate.out_dir("--out", out)
    if classifier is None:
        validate.checkpoint("--model", model)
    return classifier or load_classifier(model, label_order=label_order)


def evaluate_run(model: str, out: str | Path, langs: str | Sequence[str] = "all", split: str = "dev",
                 limit: int | None = None, data_dir: str | None = None, batch_size: int = 64,
                 label_order: list[str] | None = None, classifier=None, data: Any = None,
                 overwrite: bool = False) -> dict[str, Any]:
    """Evaluate ``model`` on XNLI ``split`` in ``langs``; returns the summary. ``data`` (a path, ``hub:NAME``, a
    sweep ``data:`` mapping or a loaded UserData) evaluates the user's own set instead (see own_data.py).

    Every input is checked (model, data of every language) before the run dir is touched. A run dir made with
    another model, split, data or a smaller ``limit`` is refused (``overwrite`` starts it over); a language resumes
    from the ids already recorded, so a larger limit extends it."""
    if data is not None:
        from .own_data import evaluate_data_run

        return evaluate_data_run(model, out, data, None if langs == "all" else langs, limit, batch_size,
                                 label_order, classifier, overwrite)

    codes = parse_langs(langs)
    clf = checked_classifier(model, out, limit, batch_size, classifier, label_order)
    sets = {lang: load_nli("xnli", split, lang, data_dir, limit) for lang in codes}
    for lang, examples in sets.items():
        if not examples:
            raise UserError(f"no XNLI {split} examples for {lang} (empty data file?)")
    hashes: dict[str, str] = {}
    per_lang: dict[str, str] = {}
    for lang in codes:
        h = split_sha256("xnli", split, lang, data_dir)
        hashes.update(h)
        per_lang[lang] = data_fingerprint(h) if h else "hub"
    model_path, model_sha = model_fingerprint(model if classifier is None else clf.name)
    identity = Identity(kind="evaluate", model=model_path, model_sha256=model_sha, data_sha256=per_lang,
                        split=split, langs=codes, limit=limit, label_order=label_order).to_json()
    run = RunDir(out)
    identity = run.check_identity(identity, overwrite)  # with the languages of the run it resumes
    run.write_manifest(kind="evaluate", task="xnli", split=split, langs=codes, limit=limit, batch_size=batch_size,
                       identity=identity, status="running", **clf.manifest_fields())
    try:
        summary = _evaluate(run, clf, sets, codes, split, batch_size)
    except BaseException as err:
        run.fail(err)
        raise
    run.finish(data_sha256=hashes)
    return summary.to_json()


def _evaluate(run: RunDir, clf, data: dict[str, list], codes: list[str], split: str, batch_size: int) -> EvalSummary:
    truncate_torn_tail(run.records_path)
    done = {(r["lang"], str(r["id"])) for r in read_records(run.records_path, "evaluate")}
    todo = {lang: [e for e in ex if (lang, str(e.id)) not in done] for lang, ex in data.items()}
    todo = {lang: ex for lang, ex in todo.items() if ex}
    start = time.time()
    with progress_bar(f"evaluating {len(todo)} language(s) on XNLI {split}", sum(map(len, todo.values()))) as advance:
        for lang, examples in todo.items():
            probs = clf.predict_proba([e.premise for e in examples], [e.hypothesis for e in examples],
                                      batch_size=batch_size, progress=advance)
            preds = probs.argmax(-1)
            run.append_records(
                EvalRecord(id=e.id, lang=lang, label=int(e.label), pred=int(p), correct=bool(p == e.label),
                           probs=[round(float(x), 6) for x in pr])
                for e, p, pr in zip(examples, preds, probs)
            )
    wanted = {(lang, str(e.id)) for lang, ex in data.items() for e in ex}
    records = [r for r in read_records(run.records_path, "evaluate") if (r["lang"], str(r["id"])) in wanted]
    acc, n = accuracy_by_lang(records)
    summary = EvalSummary(accuracy={k: acc[k] for k in codes if k in acc}, n=n,
                          average=float(np.mean([acc[k] for k in codes if k in acc])) if acc else None, split=split,
                          per_class=per_class_by_lang(records))  # recall, prediction shares, confusion per language
    run.write_summary(summary)
    run.write_manifest(seconds=round(time.time() - start, 2))
    return summary
