"""``distractor-length``: Naik et al.'s length-mismatch stress test as a one-step attack in all 15 XNLI languages.

Languages: all 15 (texts in robustxnli/hans/distractors.yaml).
Citation: Naik et al. 2018, "Stress Test Evaluation for Natural Language Inference" (COLING).
The distractor is fixed and label-preserving by construction (a tautology conjoined to a sentence does not change
its meaning), so "success" means the distractor alone flipped a correct prediction. It appends to the premise
(its default columns; ``--perturb both`` also works, ``hypothesis`` is refused).
"""

from __future__ import annotations

from . import RecipeContext, recipe


@recipe(
    "distractor-length",
    languages="all",
    citation="Naik et al. 2018, Stress Test Evaluation for NLI (COLING)",
    summary="premise + \"and true is true\" x5 in the pair's language (label-preserving)",
    constraints="label-preserving by construction: a fixed tautology/distractor is appended; the words of the "
                "pair are not changed",
    perturb="premise",
)
def distractor_length(ctx: RecipeContext):
    from robustxnli.attacks.distractors import build_distractor_attack

    return build_distractor_attack(ctx, "length")
