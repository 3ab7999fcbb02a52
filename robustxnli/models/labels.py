"""Label safety: robustxnli uses XNLI ids (0 entailment, 1 neutral, 2 contradiction) inside; a checkpoint's own
``id2label`` is mapped onto them by *name*. Checkpoints whose labels cannot be mapped are refused."""

from __future__ import annotations

from ..constants import NLI_LABELS
from ..errors import UserError

_ALIASES = {
    "entailment": "entailment", "entail": "entailment", "entails": "entailment", "e": "entailment",
    "neutral": "neutral", "neut": "neutral", "n": "neutral",
    "contradiction": "contradiction", "contradict": "contradiction", "contradicts": "contradiction",
    "contra": "contradiction", "c": "contradiction",
}


def _canonical(name: str) -> str | None:
    return _ALIASES.get(str(name).strip().lower().replace("-", "_"))


def label_permutation(id2label: dict[int, str], where: str = "the checkpoint",
                      label_order: list[str] | None = None) -> list[int]:
    """``perm[xnli_id] = model_output_index``. ``label_order`` (names in the model's output order) overrides a
    config whose names are generic (``LABEL_0``...)."""
    names = list(label_order) if label_order else [id2label[i] for i in sorted(id2label, key=int)]
    if len(names) != 3:
        raise UserError(
            f"{where} has {len(names)} output labels {names}; an XNLI classifier needs exactly 3 "
            "(entailment, neutral, contradiction). Train one with `robustxnli train`."
        )
    canon = [_canonical(n) for n in names]
    if sorted(c or "" for c in canon) != sorted(NLI_LABELS):
        raise UserError(
            f"cannot map the labels of {where} ({', '.join(map(str, names))}) onto entailment/neutral/contradiction "
            "by name. If you know its output order, pass --label-order, e.g. "
            "--label-order entailment,neutral,contradiction."
        )
    return [canon.index(label) for label in NLI_LABELS]
