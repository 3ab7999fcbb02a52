"""Report section: where each recipe's candidates went, per language (attacks/refusals.py counts them per pair,
the run's summary.json adds them up).

A recipe with few successes may meet a robust model or constraints that refuse nearly every candidate; the
robust-accuracy tables cannot tell the two apart, this table can.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pandas as pd

from ..rundir import RunDir
from .load import RunSet
from .render import Section

TOP = 3  # refusal reasons named per row


def candidates_table(runset: RunSet) -> pd.DataFrame | None:
    """One row per recipe × language, pooled over the attack runs (models, seeds) that counted candidates (their
    summaries hold the totals the runner added up from the records)."""
    cells: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"runs": 0, "pairs": 0, "checked": 0,
                                                                          "accepted": 0, "refused": Counter()})
    for run in runset.of_kind("attack"):
        got = RunDir(run.path).summary().get("candidates")
        if not isinstance(got, dict):  # written before candidates were counted
            continue
        cell = cells[str(run.manifest.get("recipe")), str(run.manifest.get("lang"))]
        cell["runs"] += 1
        for key in ("pairs", "checked", "accepted"):
            cell[key] += got[key]
        cell["refused"].update(got["refused"])
    if not cells:
        return None
    rows = []
    for (recipe, lang), c in sorted(cells.items()):
        checked = c["checked"]
        top = c["refused"].most_common(TOP)
        rows.append({"recipe": recipe, "lang": lang, "runs": c["runs"], "attacked pairs": c["pairs"],
                     "candidates checked": checked,
                     "accepted": f"{100 * c['accepted'] / checked:.1f}%" if checked else "—",
                     "refused most by": "; ".join(f"{name} {100 * n / checked:.0f}%" for name, n in top) or "—"})
    return pd.DataFrame(rows)


def candidates_section(runset: RunSet) -> Section | None:
    table = candidates_table(runset)
    if table is None:
        return None
    return Section("Where the attack candidates went", [
        "Candidates each recipe proposed and the constraints checked (counted once per text they were proposed "
        "for), the share that passed every constraint, and the constraints (with their reasons) that refused the "
        f"most, as shares of all checked; at most {TOP} named. Few successes with nearly every candidate refused "
        "say the constraints left the attack little to try, not that the model is robust. Attack runs written "
        "before robustxnli counted candidates are left out."], tables=[("candidates per recipe × language", table)])
