"""Read filled-in judgements (JSONL or CSV) back into the attack run directories (``audit.jsonl`` there)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..rundir import iter_records
from .sheet import ANSWERS

AUDIT = "audit.jsonl"


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise UserError(f"judgement file {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return [(i + 2, dict(r)) for i, r in enumerate(csv.DictReader(text.splitlines()))]
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append((i, json.loads(line)))
            except json.JSONDecodeError as err:
                raise UserError(f"{path}:{i}: not a JSON line ({err.msg}); expected the rows of judgements.jsonl")
    return out


def _answer(value: Any, where: str, field: str) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    v = str(value).strip().lower()
    if v not in ANSWERS:
        raise UserError(f"{where}: {field} is {value!r}; answer one of {', '.join(ANSWERS)} (or leave it empty)")
    return v


def _run(row: dict[str, Any], where: str, ids: dict[Path, set[str]]) -> Path:
    """The row's run dir, which must exist and hold the row's id (``ids`` caches each run's record ids)."""
    run = Path(str(row["run"]))
    if not (run / "manifest.json").exists():
        raise UserError(f"{where}: run directory {run} not found (moved?); fix the 'run' column")
    if run not in ids:
        ids[run] = {str(r.get("id")) for r in iter_records(run / "records.jsonl")}
    if str(row["id"]) not in ids[run]:
        raise UserError(f"{where}: id {str(row['id'])!r} is not in run {run}; fix the 'id' or the 'run' column "
                        "(nothing was ingested)")
    return run


def ingest(path: str | Path) -> dict[str, int]:
    """Store every judged row in its run directory's ``audit.jsonl`` (a later judgement of the same example by the
    same annotator replaces the earlier one). Any bad row refuses the whole file: nothing is stored.
    Returns counts: judged, unjudged, runs."""
    path = Path(path)
    per_run: dict[Path, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    ids: dict[Path, set[str]] = {}
    unjudged = 0
    for line, row in _rows(path):
        where = f"{path}:{line}"
        for key in ("run", "id"):
            if not row.get(key):
                raise UserError(f"{where}: missing field {key!r}; keep the columns of judgements.jsonl/csv")
        label = _answer(row.get("same_label"), where, "same_label")
        meaning = _answer(row.get("same_meaning"), where, "same_meaning")
        if label is None:
            unjudged += 1
            continue
        run = _run(row, where, ids)
        annotator = str(row.get("annotator") or "anonymous")
        per_run[run][str(row["id"]), annotator] = {"id": str(row["id"]), "same_label": label,
                                                   "same_meaning": meaning, "annotator": annotator,
                                                   "note": str(row.get("note") or "")}
    for run, new in per_run.items():
        old = {(j["id"], j["annotator"]): j for j in read_judgements(run)}
        old.update(new)
        tmp = run / (AUDIT + ".tmp")
        tmp.write_text("".join(json.dumps(j, ensure_ascii=False) + "\n" for j in old.values()), encoding="utf-8")
        tmp.replace(run / AUDIT)
    return {"judged": sum(len(v) for v in per_run.values()), "unjudged": unjudged, "runs": len(per_run)}


def read_judgements(run: str | Path) -> list[dict[str, Any]]:
    p = Path(run) / AUDIT
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
