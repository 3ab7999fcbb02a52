"""Resumable evaluation of generated challenge sets (HANS-style, contrast sets): predict the pairs a run dir does
not hold yet, append their records, then summarise and finish the run. The rooms supply the record builder and the
summary; the loop, the resume and the bookkeeping are here once."""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from .progress import progress_bar
from .rundir import RunDir

Rows = list[dict[str, Any]]


def evaluate_generated(classifier: Any, run: RunDir | None, sets: dict[str, Rows], existing: Rows,
                       langs: Sequence[str], batch_size: int, title: str,
                       to_records: Callable[[Rows, Any], Rows], summarize: Callable[[Rows], dict[str, Any]]
                       ) -> dict[str, Any]:
    """``sets``: language -> generated rows (id, lang, premise, hypothesis, label...); ``existing``: the records the
    run dir already holds (kept when their id is still wanted). ``to_records(rows, probs)`` builds the records of
    one language's missing rows from the classifier's probabilities."""
    start = time.time()
    wanted = {r["id"] for rows in sets.values() for r in rows}
    done = {r["id"] for r in existing}
    todo = {code: [r for r in rows if r["id"] not in done] for code, rows in sets.items()}
    records = [r for r in existing if r["lang"] in langs and r["id"] in wanted]
    with progress_bar(title, sum(map(len, todo.values()))) as advance:
        for rows in todo.values():
            if not rows:
                continue
            probs = classifier.predict_proba([r["premise"] for r in rows], [r["hypothesis"] for r in rows],
                                             batch_size=batch_size)
            advance(len(rows))
            new = to_records(rows, probs)
            if run is not None:
                run.append_records(new)
            records.extend(new)
    summary = summarize(records)
    if run is not None:
        run.write_summary(summary)
        run.finish(seconds=round(time.time() - start, 2))
    return summary
