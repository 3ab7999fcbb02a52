"""Wilson score interval and validity-adjusted attack metrics."""

from __future__ import annotations

import math


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n trials (Wilson 1927); (nan, nan) for n = 0."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def adjusted(n: int, attacked: int, succeeded: int, robust_correct: int, valid_share: float) -> dict[str, float]:
    """Success rate and robust accuracy counting only the judged-valid share of successes as successes (an
    invalid success means the model was not fooled: its example counts as robust)."""
    nan = math.nan
    valid = succeeded * valid_share
    return {
        "success_rate": succeeded / attacked if attacked else nan,
        "adjusted_success_rate": valid / attacked if attacked else nan,
        "robust_accuracy": robust_correct / n if n else nan,
        "adjusted_robust_accuracy": (robust_correct + succeeded - valid) / n if n else nan,
    }
