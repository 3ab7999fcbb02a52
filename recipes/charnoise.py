"""``charnoise``: DeepWordBug-style character noise, script-aware, on the words of the perturbed column(s).

Languages: all 15 (a keyboard layout per language; pinyin-IME homophones for zh; see attacks/README.md).
Citation: Gao et al. 2018, "Black-box Generation of Adversarial Text Sequences to Evade Deep Learning
Classifiers" (DeepWordBug, IEEE S&P Workshops); Pruthi et al. 2019, "Combating Adversarial Misspellings with
Robust Word Recognition" (ACL).

Greedy search over words ranked by importance (delete-one word importance, as DeepWordBug's scoring), each word
edited at most once by one of: adjacent swap, deletion, insertion, keyboard-neighbour substitution, diacritic
stripping/confusion, confusable character. Options: ``families`` (comma list, default all),
``candidates_per_word`` (edits tried per family and word, default 1 as in DeepWordBug, drawn from the edits the
label-preserving word check accepts; ``none`` = all),
``max_words_changed`` (default 0.3), ``max_edit_distance`` (default 30, DeepWordBug's Levenshtein bound).
"""

from __future__ import annotations

from . import RecipeContext, recipe

CITATION = ("Gao et al. 2018, DeepWordBug (IEEE S&P Workshops); Pruthi et al. 2019, Combating Adversarial "
            "Misspellings with Robust Word Recognition (ACL)")


def _families(value) -> list[str]:
    from robustxnli.attacks.char_noise import FAMILIES

    if value is None:
        return list(FAMILIES)
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(x).strip() for x in items if str(x).strip()]


@recipe("charnoise", languages="all", citation=CITATION,
        summary="script-aware typos (swap/delete/insert/keyboard/diacritic/confusable), greedy word importance",
        constraints="≤30% words, edit distance ≤30, stopwords frozen; label-preserving: negation markers, numbers/dates, person words and names frozen; no antonyms; a typo may not "
        "form another real word (wordfreq); the edit tried per family and word is drawn from those these "
        "checks accept",
        options=("families", "candidates_per_word"))
def charnoise(ctx: RecipeContext):
    from robustxnli.attacks.char_noise import char_noise
    from robustxnli.attacks.engine import build_attack, label_constraints, option, pair_constraints
    from robustxnli.attacks.label_preserving import LabelPreserving

    constraints = pair_constraints(ctx, max_words_changed=0.3, max_edit_distance=30) + label_constraints(ctx, "typo")
    # offer only edits the label check keeps: the one edit per family DeepWordBug tries is then never one that
    # forms another real word and would be thrown away unqueried
    check = next((c for c in constraints if isinstance(c, LabelPreserving)), None)
    keep = (lambda word, edit: check.word_problem(word, edit) is None) if check is not None else None
    k = option(ctx, "candidates_per_word", 1)
    transformation = char_noise(ctx.lang, _families(option(ctx, "families", None)),
                                candidates_per_word=None if k in (None, "none", "all") else int(k), seed=ctx.seed,
                                keep=keep, keep_name="edits LabelPreserving(typo) accepts")
    return build_attack(ctx, transformation, constraints)
