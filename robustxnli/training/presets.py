"""Training presets: named sets of ``TrainConfig`` values, chosen per encoder depth.

``default``: Phang et al. 2020 through Hugging Face ``Trainer`` (GPU protocol; every layer trains).
``cpu``: a mean-pooling bi-encoder trained on cached lower-layer states (``training.cached``), for encoders trained
with mean pooling (multilingual-e5). Values measured on a 2-core CPU (benchmarks/bench_train.py); explicit options
override them. Every value that was used lands in the run manifest under ``config``.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import UserError

_CPU_COMMON: dict[str, Any] = {
    "method": "cached-biencoder",
    "batch_size": 32,
    "max_length": 0,            # 0: per phase from the data: 99th percentile of premise tokens, rounded up to 16,
                                #    at most 128 (MNLI stand-in: 96; ANLI: 128)
    "target_epochs": 1.0,
    "intermediate_epochs": 1.0,
    "target_limit": 8000,       # of the 19,647 MNLI dev m+mm stand-in pairs
    "intermediate_limit": 1600,  # of the ANLI dev stand-in (a data dir: 3,200 r1-r3 pairs; the pack: 1,000 r1)
    "subset": "random",         # a seed-0 sample, the same for every seed (so seeds and regimes share caches)
    "warmup_ratio": 0.1,
    "freeze_embeddings": True,
}

# top layers trained (the rest is run once and cached), learning rates: by encoder depth
_CPU_BY_DEPTH: dict[int, dict[str, Any]] = {
    # L3, 1 epoch: 49.9 % XNLI (15 langs x 200) but 62 % of predictions "entailment"; 2 epochs: 51.2 %, 59 %
    3: {"train_layers": 2, "lr": 1e-4, "head_lr": 2e-3, "target_epochs": 2.0},
    6: {"train_layers": 2, "lr": 1e-4, "head_lr": 2e-3},
    12: {"train_layers": 2, "lr": 1e-4, "head_lr": 2e-3},
}

PRESETS = ("default", "cpu")


def preset_values(name: str, depth: int | None) -> dict[str, Any]:
    """The values a preset sets for an encoder of ``depth`` layers (``{}`` for ``default``)."""
    if name == "default":
        return {}
    if name != "cpu":
        raise UserError(f"unknown training preset {name!r}; choose from: {', '.join(PRESETS)}")
    if depth is None:
        raise UserError("--preset cpu needs a BERT-style encoder with encoder.layer (e.g. the e5-small ladder)")
    nearest = min(_CPU_BY_DEPTH, key=lambda d: (abs(d - depth), -d))
    by_depth = dict(_CPU_BY_DEPTH[nearest])
    by_depth["train_layers"] = min(by_depth["train_layers"], depth)
    return {**_CPU_COMMON, **by_depth}


def auto_max_length(lengths: list[int], quantile: float = 0.99, cap: int = 128) -> int:
    """A max length covering ``quantile`` of the texts, rounded up to a multiple of 16, at most ``cap``."""
    if not lengths:
        return cap
    ordered = sorted(lengths)
    q = ordered[max(0, min(len(ordered), math.ceil(quantile * len(ordered))) - 1)]  # nearest rank
    return int(min(cap, max(16, -(-q // 16) * 16)))
