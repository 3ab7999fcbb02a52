"""A TextAttack ``ModelWrapper`` over :class:`robustxnli.models.NLIClassifier` that is fast on pairs.

TextAttack's ``HuggingFaceModelWrapper`` pads every batch to the tokenizer's ``model_max_length`` (512 for
XLM-R), keeps the batches the goal function hands it (32 in arrival order), runs under ``no_grad`` and forgets
predictions between examples. Attack search spends nearly all its time in these calls, so this wrapper
* pads to the longest pair of each batch and forms batches over length-sorted pairs (little padding),
* runs under ``torch.inference_mode``,
* keeps an LRU cache of predictions keyed by the (premise, hypothesis) pair, shared across examples (the clean
  input and many near-identical candidates recur), and
* counts model queries, cache hits and the time spent tokenising and in the forward pass (for the benchmark).

Probabilities come back in XNLI label order (entailment, neutral, contradiction), whatever the checkpoint's own
order, so TextAttack's ground-truth ids are XNLI ids.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

import numpy as np

from robustxnli.offline import prepare

prepare()

from textattack.models.wrappers import ModelWrapper  # noqa: E402


def as_pair(item: Any) -> tuple[str, str]:
    """TextAttack passes ``(premise, hypothesis)`` tuples for two-column inputs; a bare string is a hypothesis
    with an empty premise (single-column use)."""
    if isinstance(item, str):
        return "", item
    if len(item) != 2:
        raise ValueError(f"expected a (premise, hypothesis) pair, got {len(item)} columns")
    return str(item[0]), str(item[1])


class NLIModelWrapper(ModelWrapper):
    """``wrapper([(premise, hypothesis), ...]) -> np.ndarray[n, 3]`` of probabilities in XNLI order."""

    def __init__(self, classifier, batch_size: int = 64, cache_size: int = 1 << 16):
        self.classifier = classifier
        self.model = classifier.model        # TextAttack looks for ``.model`` (e.g. to move it / for grads)
        self.tokenizer = classifier.tokenizer
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.reset_counters()

    # counters -------------------------------------------------------------------------------------------------
    def reset_counters(self) -> None:
        self.queries = 0            # pairs asked for (cache hits included)
        self.model_queries = 0      # pairs actually run through the model
        self.cache_hits = 0
        # time inside model(**batch), time tokenising, number of forward calls (filled by predict_proba)
        self.timings: dict[str, float] = {"forward_seconds": 0.0, "encode_seconds": 0.0, "forward_calls": 0}

    def counters(self) -> dict[str, float]:
        return {"queries": self.queries, "model_queries": self.model_queries, "cache_hits": self.cache_hits,
                **self.timings}

    def clear_cache(self) -> None:
        self._cache.clear()

    # prediction -----------------------------------------------------------------------------------------------
    def __call__(self, text_input_list: Sequence[Any]) -> np.ndarray:
        pairs = [as_pair(x) for x in text_input_list]
        self.queries += len(pairs)
        missing = list(dict.fromkeys(p for p in pairs if p not in self._cache))
        self.cache_hits += len(pairs) - len(missing)
        if missing:
            probs = self._predict(missing)
            for pair, row in zip(missing, probs):
                self._cache[pair] = row
        out = np.empty((len(pairs), 3), dtype=np.float32)
        for i, pair in enumerate(pairs):
            out[i] = self._cache[pair]
            self._cache.move_to_end(pair)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def _predict(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        self.model_queries += len(pairs)
        return self.classifier.predict_proba([p for p, _ in pairs], [h for _, h in pairs], self.batch_size,
                                             timings=self.timings)

    def _tokenize(self, inputs: Sequence[Any]) -> list[list[str]]:
        pairs = [as_pair(x) for x in inputs]
        enc = self.tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation=True)
        return [self.tokenizer.convert_ids_to_tokens(ids) for ids in enc["input_ids"]]
