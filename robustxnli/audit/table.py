"""Per recipe × language: judged share of label-preserving successes (Wilson 95% interval) and the
validity-adjusted success rate and robust accuracy; cells without judgements say "not audited"."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..rundir import iter_records
from .ingest import read_judgements
from .sample import attack_runs
from .stats import adjusted, wilson

NOT_AUDITED = "not audited"


def _pct(x: float) -> str:
    return "—" if x != x else f"{100 * x:.1f}"


def validity_table(roots: Iterable[str | Path]) -> pd.DataFrame:
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run, manifest in attack_runs(roots):
        key = (str(manifest.get("recipe")), str(manifest.get("lang")))
        c = cells[key]
        records = list(iter_records(run / "records.jsonl")) if (run / "records.jsonl").exists() else []
        succeeded = {str(r["id"]) for r in records if r["status"] == "succeeded"}
        c["n"] += len(records)
        c["attacked"] += sum(r["status"] != "skipped" for r in records)
        c["succeeded"] += len(succeeded)
        c["robust"] += sum(r["status"] == "failed" and int(r["clean_pred"]) == int(r["label"]) for r in records)
        votes: dict[str, list[bool]] = defaultdict(list)
        for j in read_judgements(run):
            if j["id"] in succeeded:
                votes[j["id"]].append(j["same_label"] == "yes")
        c["judged"] += len(votes)
        c["valid"] += sum(sum(v) * 2 > len(v) for v in votes.values())  # majority of annotators said yes
    rows = []
    for (recipe, lang), c in sorted(cells.items()):
        row = {"recipe": recipe, "lang": lang, "pairs": c["n"], "attacked": c["attacked"],
               "successes": c["succeeded"], "judged": c["judged"]}
        if not c["judged"]:
            m = adjusted(c["n"], c["attacked"], c["succeeded"], c["robust"], 1.0)
            none = not c["succeeded"]  # nothing to judge: the adjusted numbers equal the reported ones
            row.update({"label-preserving %": "no successes" if none else NOT_AUDITED, "95% Wilson": "",
                        "success rate %": _pct(m["success_rate"]),
                        "adjusted success rate %": _pct(m["adjusted_success_rate"]) if none else NOT_AUDITED,
                        "robust acc %": _pct(m["robust_accuracy"]),
                        "adjusted robust acc %": _pct(m["adjusted_robust_accuracy"]) if none else NOT_AUDITED})
        else:
            share = c["valid"] / c["judged"]
            lo, hi = wilson(c["valid"], c["judged"])
            m = adjusted(c["n"], c["attacked"], c["succeeded"], c["robust"], share)
            row.update({"label-preserving %": f"{_pct(share)} ({c['valid']}/{c['judged']})",
                        "95% Wilson": f"[{_pct(lo)}, {_pct(hi)}]", "success rate %": _pct(m["success_rate"]),
                        "adjusted success rate %": _pct(m["adjusted_success_rate"]),
                        "robust acc %": _pct(m["robust_accuracy"]),
                        "adjusted robust acc %": _pct(m["adjusted_robust_accuracy"])})
        rows.append(row)
    return pd.DataFrame(rows)
