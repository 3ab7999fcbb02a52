"""What a recipe factory is given: the language, the victim, the column(s) to perturb, the seed and the options.

Lives in the attack engine (below the recipes, which import it; ``robustxnli.recipes`` re-exports it), so that the
engine never imports the recipe registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from robustxnli.models import NLIClassifier

PERTURB_CHOICES = ("hypothesis", "premise", "both")


@dataclass(frozen=True)
class RecipeContext:
    lang: str                      # XNLI code
    classifier: "NLIClassifier"    # robustxnli.models.load_classifier(...)
    model_wrapper: Any             # textattack ModelWrapper over the pair classifier (batched, cached)
    perturb: str = "hypothesis"    # "hypothesis" | "premise" | "both"
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)   # e.g. {"mlm": "xlm-roberta-base", "encoder_dir": ...}
    parallel: Any = None           # attacks.parallel.ParallelCorpus: each pair in the other languages, or None
