"""Short model labels for tables and the answer (``e5-small L3``, ``e5-small L12 · ANLI``); the full description
of each size is written once, in the report's study section."""

from __future__ import annotations

import re
from typing import Iterable

REGIME_NAMES = {"anli": "ANLI", "squad": "SQuAD", "mnli": "MNLI", "snli": "SNLI", "sst2": "SST-2",
                "cosmosqa": "CosmosQA", "hellaswag": "HellaSwag", "commonsenseqa": "CommonsenseQA"}


def short_size(size: str) -> str:
    """'multilingual-e5-small (L3 of 12, depth-truncated, 4-bit dequantised)' -> 'e5-small L3';
    '... (12 layers, ...)' -> 'e5-small L12'; anything else: its name before ' (' without an org prefix."""
    name, _, rest = str(size).partition(" (")
    name = name.rsplit("/", 1)[-1].removeprefix("multilingual-")
    m = re.search(r"\bL(\d+) of \d+", rest) or re.search(r"\b(\d+) layers\b", rest)
    return f"{name} L{m.group(1)}" if m else name


def short_labels(sizes: Iterable[str]) -> dict[str, str]:
    """size -> short label; sizes whose short labels would collide keep their full name."""
    sizes = list(dict.fromkeys(sizes))
    short = {s: short_size(s) for s in sizes}
    counts: dict[str, int] = {}
    for v in short.values():
        counts[v] = counts.get(v, 0) + 1
    return {s: (v if counts[v] == 1 else s) for s, v in short.items()}


def regime_name(regime: str) -> str:
    return REGIME_NAMES.get(str(regime).lower(), str(regime))


def model_label(size_label: str, regime: str | None = None) -> str:
    return size_label if regime is None else f"{size_label} · {regime_name(regime)}"
