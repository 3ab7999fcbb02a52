"""Attacks on two-way sets (entailment vs non-entailment, as HANS and the user's own two-way data).

The wrapper turns the model's XNLI-ordered probabilities into two columns ``[p(entailment), max(p(neutral),
p(contradiction))]``, renormalised: its argmax is exactly :func:`robustxnli.hans.evaluate.two_way` (the 3-way
argmax is entailment or not), so TextAttack's untargeted goal against a 0/1 gold label succeeds when the two-way
prediction flips, and records hold two-way probabilities.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .model_wrapper import NLIModelWrapper


def two_way_probs(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float32)
    two = np.stack([probs[:, 0], probs[:, 1:].max(axis=1)], axis=1)
    return two / two.sum(axis=1, keepdims=True)


class TwoWayModelWrapper(NLIModelWrapper):
    """``wrapper(pairs) -> np.ndarray[n, 2]``: entailment vs non-entailment (see module docstring)."""

    def __call__(self, text_input_list: Sequence[Any]) -> np.ndarray:
        return two_way_probs(super().__call__(text_input_list))
