"""Evaluation on the user's own NLI set (``robustxnli evaluate --data ...``): the same run-directory contract as
XNLI evaluation, records under the user's ids, two-way sets scored as HANS is (:func:`robustxnli.hans.evaluate.two_way`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..data.user import UserData, load_user_data, select_langs
from ..perclass import per_class_by_lang
from ..progress import progress_bar
from ..rundir import RunDir, truncate_torn_tail
from .run import accuracy_by_lang, checked_classifier


def predictions(probs: np.ndarray, two_way: bool) -> np.ndarray:
    """Labels in the set's own space: XNLI ids, or 0 entailment / 1 non-entailment for a two-way set."""
    from ..hans.evaluate import two_way as to_two_way

    return to_two_way(probs) if two_way else probs.argmax(-1)


def evaluate_data_run(model: str, out: str | Path, data: UserData | str | dict[str, Any],
                      langs: str | Sequence[str] | None = None, limit: int | None = None, batch_size: int = 64,
                      label_order: list[str] | None = None, classifier: Any = None, overwrite: bool = False
                      ) -> dict[str, Any]:
    """Evaluate ``model`` on the user's set; resumes by example id (a run dir of another model, data or a larger
    limit is refused, see :meth:`RunDir.check_identity`); returns the summary."""
    from ..models.fingerprint import model_fingerprint
    from ..rundir import data_fingerprint
    from ..schema import EvalRecord, Identity, read_records

    data = data if isinstance(data, UserData) else load_user_data(data)
    codes = select_langs(data, langs)
    clf = checked_classifier(model, out, limit, batch_size, classifier, label_order)
    model_path, model_sha = model_fingerprint(model if classifier is None else clf.name)
    identity = Identity(kind="evaluate", model=model_path, model_sha256=model_sha, split="data", langs=codes,
                        data_sha256={c: data_fingerprint(data.sha256) for c in codes}, limit=limit,
                        label_order=label_order).to_json()
    run = RunDir(out)
    run.check_identity(identity, overwrite)
    run.write_manifest(kind="evaluate", task=f"data:{data.name}", split="data", langs=codes, limit=limit,
                       batch_size=batch_size, identity=identity, status="running", **data.manifest_fields(),
                       **clf.manifest_fields())
    truncate_torn_tail(run.records_path)
    done = {(r["lang"], str(r["id"])) for r in read_records(run.records_path, "evaluate")}
    start = time.time()
    todo = {lang: [e for e in data.for_lang(lang, limit) if (lang, str(e.id)) not in done] for lang in codes}
    todo = {lang: ex for lang, ex in todo.items() if ex}
    with progress_bar(f"evaluating {data.name} ({len(todo)} language(s))", sum(map(len, todo.values()))) as advance:
        for lang, examples in todo.items():
            probs = clf.predict_proba([e.premise for e in examples], [e.hypothesis for e in examples],
                                      batch_size=batch_size, progress=advance)
            preds = predictions(probs, data.two_way)
            run.append_records(  # the user's extra columns are kept beside the record's own fields
                {**data.extra.get(e.id, {}),
                 **EvalRecord(id=e.id, lang=lang, label=e.label, pred=int(p), correct=bool(p == e.label),
                              probs=[round(float(x), 6) for x in pr], pred3=int(pr.argmax())).to_json()}
                for e, p, pr in zip(examples, preds, probs))
    wanted = {(lang, str(e.id)) for lang in codes for e in data.for_lang(lang, limit)}
    records = [r for r in read_records(run.records_path, "evaluate") if (r["lang"], str(r["id"])) in wanted]
    acc, n = accuracy_by_lang(records)
    summary = {"accuracy": {k: acc[k] for k in codes if k in acc}, "n": {k: n[k] for k in codes if k in n},
               "data": data.name, "labels": data.labels, "skipped_rows": len(data.skipped), "split": "data"}
    summary["average"] = float(np.mean(list(summary["accuracy"].values())))
    if not data.two_way:  # recall and prediction shares per class, as for XNLI (a two-way set has other classes)
        summary["per_class"] = per_class_by_lang(records)
    run.write_summary(summary)
    run.finish(seconds=round(time.time() - start, 2), data_sha256=data.sha256)
    return summary
