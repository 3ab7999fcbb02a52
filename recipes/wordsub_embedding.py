"""``wordsub-embedding``: swap premise and hypothesis words for their neighbours in the attacked model's own embeddings.

Languages: all 15 (candidates are whole-word vocabulary entries in the language's script).
Citation: Alzantot et al. 2018, "Generating Natural Language Adversarial Examples" (EMNLP); Jin et al. 2020,
"Is BERT Really Robust?" (TextFooler, AAAI). Counter-fitted English vectors replaced by the victim's own input
embeddings so that any language is covered. In a multilingual model the neighbours include translations into
other languages written in the same script (``Hund`` -> ``Hunde``, ``Chien``), so the attack mixes a little
code-switching into pure word substitution. e5 cosine >= 0.9 on the hypothesis (unrelated sentences score ~0.78).

With the label-preserving constraints on (the default), neighbours are related words, not synonyms (mother ->
teacher, 附近 'nearby' -> 远离 'far away'), so a neighbour must also be a synonym in the language's lexicons and pass
the sense filters of :mod:`robustxnli.attacks.sense_filters` (languages without a synonym lexicon are not filtered
that way); the embedding then pre-selects and ranks: 400 neighbours with cosine >= 0.3.
"""

from __future__ import annotations

from . import RecipeContext, recipe
from ._descriptions import parallel_sense_text

LEXICON_NEIGHBOURS, LEXICON_MIN_COS = 400, 0.3
# robustxnli.attacks.sense_filters, stated here so that `recipes list` does not import textattack
SENSE_FILTERS = ("LexiconSynonym (the neighbour is also a thesaurus/WordNet/Cilin synonym where the language has "
                 "one); WordOfLanguage (candidate's wordfreq Zipf in the language ≥ 0.5 above any other "
                 "XNLI language); sense filters: MutualFirstSense (en: the word's dominant WordNet/SemCor sense "
                 "is the candidate's most frequent sense, same inflection), SharedTranslation (not en: word and "
                 "candidate share ≥ half of the smaller of their FreeDict/CC-CEDICT translation sets and ≥ a third of each one's; pivot en, for "
                 "ru de)")


@recipe(
    "wordsub-embedding",
    languages="all",
    citation="Alzantot et al. 2018 (EMNLP); Jin et al. 2020, TextFooler (AAAI) — victim's own embeddings",
    summary="word swaps with nearest whole-word neighbours in the model's input embeddings + e5 similarity",
    constraints="≤30% words, stopwords frozen; 400 neighbours with cosine ≥ 0.3 (the neighbour must also be a lexicon "
                "synonym, below); e5 similarity ≥ "
                "max(0.9, PAWS-X calibrated); label-preserving: negation markers, numbers/dates, person words and names frozen; no antonyms; candidates common words of the "
                "language (wordfreq), same case/number/gender (pymorphy3, ru); "
                + SENSE_FILTERS + parallel_sense_text(),
    options=("candidates", "min_cos", "parallel"),
    perturb="both",  # see wordsub-wordnet: the filters leave few candidates in the hypothesis alone
)
def wordsub_embedding(ctx: RecipeContext):
    from robustxnli.attacks.engine import (build_attack, label_constraints, option, pair_constraints,
                                           sense_constraints, similarity_constraint)
    from robustxnli.attacks.model_swaps import EmbeddingNeighbourSwap
    from robustxnli.attacks.validity import rules

    clf = ctx.classifier
    keep = option(ctx, "label_preserving", True)
    # with the label-preserving constraints, LexiconSynonym makes a neighbour a synonym; the embedding ranks and
    # pre-selects: 400 neighbours with cosine >= 0.3 (50 at the file's floor 0.5 left 1 candidate in 96 English
    # pairs, none a success)
    swap = EmbeddingNeighbourSwap(clf.model, clf.tokenizer, ctx.lang,
                                  k=int(option(ctx, "candidates", LEXICON_NEIGHBOURS if keep else 15)),
                                  min_cos=float(option(ctx, "min_cos", min(LEXICON_MIN_COS,
                                                                            rules(ctx.lang).embedding_min_cos)
                                                       if keep else 0.0)))
    constraints = (pair_constraints(ctx, max_words_changed=0.3) + similarity_constraint(ctx, min_similarity=0.9)
                   + label_constraints(ctx, "synonym") + sense_constraints(ctx, embedding=True))
    return build_attack(ctx, swap, constraints)
