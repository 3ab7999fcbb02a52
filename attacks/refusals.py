"""Where an attack's candidates go: how many each constraint refused, per attacked pair.

An attack that finds few successes may face a robust model or constraints that leave it nothing to try (with the
label-preserving filters, ``wordsub-embedding`` found 0–2 successes outside Chinese: reports/validity_audit). The
counts below tell the two apart: every candidate the transformation proposes is checked by the constraints in
order, and TextAttack stops at the first refusal, so each refused candidate is counted once, for the constraint
that refused it (with its reason where the constraint gives one, :class:`~.constraints.CountedConstraint`).
Candidates are counted once per text they were proposed for (TextAttack caches the verdicts).

Works on any ``textattack.Attack``, plug-ins included: the counter wraps the attack's constraints in place.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def _labels(constraints: list[Any]) -> list[str]:
    """Class names, numbered where one class occurs twice (two column constraints)."""
    names = [type(c).__name__ for c in constraints]
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if names.count(name) == 1 else f"{name} #{seen[name]}")
    return out


class RefusalCounter:
    """Counts the candidates an attack checks and, per constraint (and reason), those it refuses; :meth:`take`
    returns the counts since the last call, so each attacked pair gets its own."""

    def __init__(self, attack: Any):
        self.checked = 0
        self.refused: Counter[str] = Counter()
        self.active = callable(getattr(attack, "_filter_transformations_uncached", None))
        if not self.active:  # another TextAttack version: count nothing rather than something wrong
            return
        constraints = list(getattr(attack, "constraints", None) or [])
        for constraint, label in zip(constraints, _labels(constraints)):
            constraint.call_many = self._counted(constraint, label)
        inner = attack._filter_transformations_uncached

        def filter_uncached(transformed_texts: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
            self.checked += len(transformed_texts)
            return inner(transformed_texts, *args, **kwargs)

        attack._filter_transformations_uncached = filter_uncached

    def _counted(self, constraint: Any, label: str) -> Any:
        inner = constraint.call_many

        def call_many(transformed_texts: list[Any], reference_text: Any) -> list[Any]:
            reasons = getattr(constraint, "rejected", None)
            before = dict(reasons) if isinstance(reasons, dict) else None
            kept = inner(transformed_texts, reference_text)
            refused = len(transformed_texts) - len(kept)
            if refused and before is not None:
                for reason, n in constraint.rejected.items():
                    new = n - before.get(reason, 0)
                    if new:
                        self.refused[f"{label}: {reason}"] += new
                        refused -= new
            if refused > 0:  # refusals the constraint gave no reason for
                self.refused[label] += refused
            return kept

        return call_many

    def take(self) -> dict[str, Any] | None:
        """``{"checked": n, "refused": {constraint[: reason]: n}}`` since the last call (None when inactive)."""
        if not self.active:
            return None
        out = {"checked": self.checked, "refused": dict(sorted(self.refused.items()))}
        self.checked, self.refused = 0, Counter()
        return out


def summarize_candidates(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The run's totals over the attacked pairs whose records carry counts (None when none do: older runs)."""
    counted = [r["candidates"] for r in rows if isinstance(r.get("candidates"), dict)]
    if not counted:
        return None
    refused: Counter[str] = Counter()
    for c in counted:
        refused.update(c.get("refused") or {})
    checked = sum(int(c.get("checked") or 0) for c in counted)
    return {"pairs": len(counted), "checked": checked, "accepted": checked - sum(refused.values()),
            "refused": dict(refused.most_common())}


def describe_candidates(cand: dict[str, Any] | None, top: int = 3) -> str:
    """'12,345 candidates checked in 218 pairs, 2.1% accepted; refused by ParallelSense: ... 48%, ...'."""
    if not cand or not cand.get("checked"):
        return ""
    checked = cand["checked"]
    refused = sorted(cand["refused"].items(), key=lambda kv: -kv[1])
    parts = [f"{name} {100 * n / checked:.0f}%" for name, n in refused[:top]]
    rest = sum(n for _, n in refused[top:])
    if rest:
        parts.append(f"{len(refused) - top} more {100 * rest / checked:.0f}%")
    text = (f"{checked:,} candidates checked in {cand['pairs']} attacked pairs, "
            f"{100 * cand['accepted'] / checked:.1f}% accepted")
    return text + ("; refused by " + ", ".join(parts) if parts else "")
