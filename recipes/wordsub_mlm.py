"""``wordsub-mlm``: BAE-R word replacement with a masked language model given by ``--mlm``.

Languages: all 15 (as far as the masked LM's vocabulary covers them; xlm-roberta-base covers all).
Citation: Garg & Ramakrishnan 2020, "BAE: BERT-based Adversarial Examples for Text Classification" (EMNLP);
Li et al. 2020, "BERT-ATTACK" (EMNLP).
"""

from __future__ import annotations

from robustxnli.errors import UserError

from . import RecipeContext, recipe


@recipe(
    "wordsub-mlm",
    languages="all",
    citation="Garg & Ramakrishnan 2020, BAE (EMNLP); Li et al. 2020, BERT-Attack (EMNLP)",
    summary="masked-LM word replacement (needs --mlm NAME_OR_DIR, e.g. xlm-roberta-base) + e5 similarity",
    constraints="≤30% words, stopwords frozen; e5 similarity ≥ max(0.9, PAWS-X calibrated); label-preserving: "
                "negation markers, numbers/dates, person words and names frozen; no antonyms; candidates common words of the language (wordfreq), same morphology (ru)",
    options=("mlm", "candidates", "min_prob"),
)
def wordsub_mlm(ctx: RecipeContext):
    from robustxnli.attacks.engine import (build_attack, label_constraints, option, pair_constraints,
                                           similarity_constraint)
    from robustxnli.attacks.model_swaps import MaskedLMSwap, load_masked_lm

    name = option(ctx, "mlm", None)
    if not name:
        raise UserError("recipe wordsub-mlm needs a masked language model: pass --mlm NAME_OR_DIR "
                        "(e.g. --mlm xlm-roberta-base, or a local directory when offline)")
    model, tokenizer = load_masked_lm(str(name))
    swap = MaskedLMSwap(model, tokenizer, ctx.lang, k=int(option(ctx, "candidates", 20)),
                        min_prob=float(option(ctx, "min_prob", 5e-4)))
    # BAE uses USE cosine >= 0.936 on a window; e5 cosines are compressed (unrelated sentences ~0.78, a one-word
    # swap ~0.99, typos ~0.95), so 0.9 on the whole column
    constraints = (pair_constraints(ctx, max_words_changed=0.3) + similarity_constraint(ctx, min_similarity=0.9)
                   + label_constraints(ctx, "synonym"))
    return build_attack(ctx, swap, constraints)
