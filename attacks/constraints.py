"""Constraints that work in all 15 XNLI languages and know that the input is a (premise, hypothesis) pair.

TextAttack's own ``MaxWordsPerturbed`` counts words over the whole pair and compares words position by position
(wrong once a word is split or merged); its sentence encoders (USE, InferSent, BERT-STS) are English or need
downloads. These replacements count only the columns under attack and use a multilingual encoder.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from robustxnli.offline import prepare

prepare()

from textattack.constraints import Constraint  # noqa: E402
from textattack.constraints.pre_transformation import InputColumnModification  # noqa: E402

PAIR_COLUMNS = ["premise", "hypothesis"]


def perturbed_columns(perturb: str) -> tuple[str, ...]:
    return {"hypothesis": ("hypothesis",), "premise": ("premise",), "both": ("premise", "hypothesis")}[perturb]


def column_constraint(perturb: str) -> InputColumnModification | None:
    """TextAttack's column freeze: ``hypothesis`` leaves the premise untouched and vice versa."""
    frozen = set(PAIR_COLUMNS) - set(perturbed_columns(perturb))
    return InputColumnModification(PAIR_COLUMNS, frozen) if frozen else None


def column_texts(attacked_text, columns: Sequence[str]) -> list[str]:
    """The texts of ``columns`` (all of them for a single-column input)."""
    inputs = attacked_text._text_input
    picked = [inputs[c] for c in columns if c in inputs]
    return picked or list(inputs.values())


def column_word_count(attacked_text, columns: Sequence[str]) -> int:
    labels = attacked_text.column_labels
    per = attacked_text.words_per_input
    n = sum(len(words) for label, words in zip(labels, per) if label in columns)
    return n if any(c in labels for c in columns) else attacked_text.num_words


def words_changed(attacked_text) -> int:
    return len(attacked_text.attack_attrs.get("modified_indices", ()))


class CountedConstraint(Constraint):
    """A constraint checked against the original text that counts why it refuses (``rejected``: reason -> count,
    what ``label_preserving.recheck`` reports) and applies to every transformation."""

    def __init__(self) -> None:
        super().__init__(compare_against_original=True)
        self.rejected: dict[str, int] = {}

    def _reject(self, reason: str) -> bool:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        return False

    def check_compatibility(self, transformation) -> bool:
        return True


class MaxWordsChangedShare(Constraint):
    """At most ``ceil(max_share × words in the attacked columns)`` words changed (at least one), counted from
    TextAttack's ``modified_indices`` so splits/merges of words do not inflate the count."""

    def __init__(self, max_share: float, columns: Sequence[str] = ("hypothesis",)):
        super().__init__(compare_against_original=True)
        if not 0 < max_share <= 1:
            raise ValueError("max_share must be in (0, 1]")
        self.max_share = max_share
        self.columns = tuple(columns)

    def budget(self, original) -> int:
        return max(1, math.ceil(self.max_share * column_word_count(original, self.columns)))

    def _check_constraint(self, transformed_text, reference_text) -> bool:
        return words_changed(transformed_text) <= self.budget(reference_text)

    def extra_repr_keys(self):
        return ["max_share", "columns"]


class ValidText(Constraint):
    """Rejects candidates whose attacked columns are empty or invalid text (control/unassigned characters,
    lone surrogates) or not NFC-normalised — TextAttack checks none of this."""

    def __init__(self, columns: Sequence[str] = ("hypothesis",)):
        super().__init__(compare_against_original=True)
        self.columns = tuple(columns)

    def _check_constraint(self, transformed_text, reference_text) -> bool:
        from .text import is_valid_text  # non-empty, NFC, no control/unassigned characters, no stray marks

        return all(is_valid_text(t) for t in column_texts(transformed_text, self.columns))

    def extra_repr_keys(self):
        return ["columns"]


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence embeddings from a (multilingual-e5-style) encoder directory, with an
    LRU cache. e5 models expect a ``"query: "`` prefix for symmetric similarity (Wang et al. 2022,
    "Text Embeddings by Weakly-Supervised Contrastive Pre-training", arXiv:2212.03533)."""

    def __init__(self, model_dir: str | Path, prefix: str = "query: ", batch_size: int = 64,
                 cache_size: int = 1 << 15, max_length: int = 128, device: str | None = None):
        self.model_dir = str(model_dir)
        self.device = device
        self.prefix = prefix
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.max_length = max_length
        self._model = None
        self._tokenizer = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.seconds = 0.0

    def _load(self) -> None:
        if self._model is not None:
            return
        import logging

        from robustxnli.models.encoders import load_encoder, load_tokenizer

        # a classifier checkpoint as encoder logs "unused weights" / "layers not sharded": expected, silence them
        loggers = [logging.getLogger(n) for n in ("transformers.modeling_utils",
                                                  "transformers.integrations.tensor_parallel")]
        levels = [lg.level for lg in loggers]
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            self._model = load_encoder(self.model_dir, pooler=True).eval()
            if self.device:
                self._model.to(self.device)
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)
        self._tokenizer = load_tokenizer(self.model_dir)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import time

        import torch

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._load()
            t0 = time.perf_counter()
            order = sorted(missing, key=len, reverse=True)
            with torch.inference_mode():
                for start in range(0, len(order), self.batch_size):
                    chunk = order[start: start + self.batch_size]
                    enc = self._tokenizer([self.prefix + t for t in chunk], padding=True, truncation=True,
                                          max_length=self.max_length, return_tensors="pt").to(self._model.device)
                    hidden = self._model(**enc).last_hidden_state
                    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                    pooled = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy()
                    for t, v in zip(chunk, pooled):
                        self._cache[t] = v
            self.seconds += time.perf_counter() - t0
        out = np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)
        for t in texts:
            self._cache.move_to_end(t)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Row-wise cosine similarity of ``a[i]`` and ``b[i]``."""
        return (self.encode(a) * self.encode(b)).sum(-1)


_ENCODERS: dict[tuple[str, str | None], SentenceEncoder] = {}


def shared_encoder(model_dir: str | Path, device: str | None = None) -> SentenceEncoder:
    """One encoder (and embedding cache) per directory and device per process."""
    key = str(Path(model_dir).expanduser().resolve())
    if (key, device) not in _ENCODERS:
        _ENCODERS[key, device] = SentenceEncoder(key, device=device)
    return _ENCODERS[key, device]


class MultilingualSentenceSimilarity(Constraint):
    """Cosine similarity between original and perturbed text of each attacked column ≥ ``min_similarity``
    (the minimum over columns when both are attacked). Replaces TextAttack's English-only Universal Sentence
    Encoder constraint (Jin et al. 2020, TextFooler; Li et al. 2020, BERT-Attack) with multilingual-e5."""

    def __init__(self, encoder: SentenceEncoder, min_similarity: float = 0.85,
                 columns: Sequence[str] = ("hypothesis",), compare_against_original: bool = True):
        super().__init__(compare_against_original)
        self.encoder = encoder
        self.min_similarity = min_similarity
        self.columns = tuple(columns)

    def _similarities(self, transformed_texts, reference_text) -> np.ndarray:
        ref = column_texts(reference_text, self.columns)
        cands = [column_texts(t, self.columns) for t in transformed_texts]
        k = len(ref)
        flat_a = [r for _ in cands for r in ref]
        flat_b = [c for cs in cands for c in cs]
        sims = self.encoder.similarity(flat_a, flat_b).reshape(len(cands), k)
        return sims.min(axis=1)

    def _check_constraint_many(self, transformed_texts, reference_text):
        if not transformed_texts:
            return []
        sims = self._similarities(transformed_texts, reference_text)
        return [t for t, s in zip(transformed_texts, sims) if s >= self.min_similarity]

    def _check_constraint(self, transformed_text, reference_text) -> bool:
        return bool(self._similarities([transformed_text], reference_text)[0] >= self.min_similarity)

    def extra_repr_keys(self):
        return ["min_similarity", "columns"]
