"""``distractor-tautology``: Naik et al.'s word-overlap stress test as a one-step attack in all 15 XNLI languages.

Languages: all 15 (texts in robustxnli/hans/distractors.yaml).
Citation: Naik et al. 2018, "Stress Test Evaluation for Natural Language Inference" (COLING).
The distractor is fixed and label-preserving by construction (a tautology conjoined to a sentence does not change
its meaning), so "success" means the distractor alone flipped a correct prediction. It appends to the
hypothesis (the default ``--perturb hypothesis``, or ``both``).
"""

from __future__ import annotations

from . import RecipeContext, recipe


@recipe(
    "distractor-tautology",
    languages="all",
    citation="Naik et al. 2018, Stress Test Evaluation for NLI (COLING)",
    summary="hypothesis + \"and true is true\" in the pair's language (label-preserving)",
    constraints="label-preserving by construction: a fixed tautology/distractor is appended; the words of the "
                "pair are not changed",
)
def distractor_tautology(ctx: RecipeContext):
    from robustxnli.attacks.distractors import build_distractor_attack

    return build_distractor_attack(ctx, "tautology")
