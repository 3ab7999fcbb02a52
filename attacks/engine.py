"""Building blocks every recipe composes: pair-aware constraints, the goal, the search, the Attack.

Recipes call these with their :class:`~robustxnli.attacks.context.RecipeContext`; options the user passes (through
``RecipeContext.options``) override the recipe's defaults:

* ``max_words_changed`` share of words of the attacked column(s) that may change (default per recipe)
* ``max_edit_distance`` character Levenshtein distance to the original pair (default: none)
* ``min_similarity`` e5 cosine between original and perturbed column (0 disables)
* ``encoder_dir`` sentence encoder for the similarity constraint (default: the embedded multilingual-e5-small)
* ``query_budget`` model queries per example (default: unlimited)
* ``wir`` word-importance ranking of the greedy search: delete (default) | unk | random | weighted-saliency
* ``search`` greedy-wir (default) | greedy | beam:K
* recipe-specific: ``mlm``, ``candidates``, ``min_cos`` (wordsub-embedding), ``min_prob`` (wordsub-mlm)
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from robustxnli.errors import UserError
from robustxnli.offline import prepare

prepare()

import textattack  # noqa: E402
from textattack.constraints.overlap import LevenshteinEditDistance  # noqa: E402
from textattack.constraints.pre_transformation import RepeatModification, StopwordModification  # noqa: E402
from textattack.goal_functions import UntargetedClassification  # noqa: E402

from .constraints import (  # noqa: E402
    MaxWordsChangedShare,
    MultilingualSentenceSimilarity,
    ValidText,
    column_constraint,
    perturbed_columns,
    shared_encoder,
)
from .text import patch_textattack  # noqa: E402


def _quiet_textattack() -> None:
    """TextAttack logs "goal function compatible with model" at INFO for every Attack built (and its Attacker
    resets the level), so this is re-applied per build; its "Unknown if model" warning is dropped for API
    callers as the CLI drops it (robustxnli.quiet)."""
    from robustxnli.quiet import quiet_textattack_compatibility

    logging.getLogger("textattack.shared.utils.install").setLevel(logging.WARNING)
    quiet_textattack_compatibility()


_quiet_textattack()
patch_textattack()  # AttackedText.words: keep combining marks (hi, th), segment zh/th (see attacks/text.py)

if TYPE_CHECKING:  # pragma: no cover
    from .context import RecipeContext

# the goal function hands the wrapper this many texts at once; the wrapper re-batches them by length
GOAL_BATCH = 512


# -o keys every recipe built with this engine understands (recipes declare their own in Recipe.options)
ENGINE_OPTIONS = ("max_words_changed", "max_edit_distance", "min_similarity", "encoder_dir", "query_budget", "wir",
                  "search", "label_preserving")


def option(ctx: "RecipeContext", key: str, default: Any) -> Any:
    value = ctx.options.get(key) if ctx.options else None
    return default if value is None else value


@lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    """Stopwords of ``lang`` from stopwords-iso (Diaz 2016–, MIT; all 15 XNLI languages), lower-cased; built once
    per language (code-mixing's parallel check asks for every candidate)."""
    import stopwordsiso

    if not stopwordsiso.has_lang(lang):
        return frozenset()
    return frozenset(w.lower() for w in stopwordsiso.stopwords(lang))


class LangStopwordModification(StopwordModification):
    """TextAttack's stopword freeze, case-insensitive (its own compares the word as written)."""

    def _get_modifiable_indices(self, current_text):
        return {i for i, w in enumerate(current_text.words) if w.lower() not in self.stopwords}


def pair_constraints(ctx: "RecipeContext", *, max_words_changed: float = 0.3, max_edit_distance: int | None = None,
                     use_stopwords: bool = True, extra: Iterable[Any] = ()) -> list[Any]:
    """Column freeze for ``ctx.perturb``, no word changed twice, stopwords of ``ctx.lang`` frozen, bounded share
    of words changed, optional character edit distance, valid NFC text in the attacked columns."""
    columns = perturbed_columns(ctx.perturb)
    out: list[Any] = [RepeatModification()]
    col = column_constraint(ctx.perturb)
    if col is not None:
        out.append(col)
    if use_stopwords:
        out.append(LangStopwordModification(stopwords=stopwords(ctx.lang)))
    share = float(option(ctx, "max_words_changed", max_words_changed))
    out.append(MaxWordsChangedShare(share, columns))
    dist = option(ctx, "max_edit_distance", max_edit_distance)
    if dist is not None:
        out.append(LevenshteinEditDistance(int(dist)))
    out.append(ValidText(columns))
    out.extend(extra)
    return out


def default_encoder_dir() -> Path:
    """The embedded multilingual-e5-small (12 layers), rebuilt offline by robustxnli.models.embedded."""
    try:
        from robustxnli.models.embedded import build_embedded_default
    except ImportError as err:  # pragma: no cover - the module ships with the package
        raise UserError("the embedded e5 encoder is unavailable; pass options encoder_dir=DIR") from err
    return Path(build_embedded_default(12))


def calibrated_similarity(lang: str, default: float) -> float:
    """The language file's PAWS-X calibrated similarity threshold (attacks/languages/<lang>.yaml) when the
    calibration found the similarity informative (ROC AUC ≥ 0.7), else ``default``."""
    from .validity import rules

    sim = rules(lang).similarity
    return float(sim["threshold"]) if sim.get("informative") and "threshold" in sim else default


def label_constraints(ctx: "RecipeContext", mode: str, targets: Iterable[str] = ()) -> list[Any]:
    """The label-preserving freeze + candidate check for ``ctx.lang`` (``-o label_preserving=false`` drops them,
    to measure what they change)."""
    if not option(ctx, "label_preserving", True):
        return []
    from .label_preserving import label_preserving

    return label_preserving(ctx.lang, mode, perturbed_columns(ctx.perturb), tuple(targets))


def sense_constraints(ctx: "RecipeContext", embedding: bool = False) -> list[Any]:
    """The sense filters of :mod:`.sense_filters` for word-substitution candidates (``embedding``: also the
    lexicon-agreement and word-of-the-language checks for embedding neighbours); off with
    ``-o label_preserving=false``."""
    if not option(ctx, "label_preserving", True):
        return []
    from .sense_filters import LexiconSynonym, WordOfLanguage, sense_filters
    from .validity import rules

    # embedding neighbours stay thesaurus synonyms even where ParallelSense runs: letting the translations judge them
    # instead found fr 4 / es 4 successes in ~216 attacked pairs, 2 of 4 label-preserving each (reports/validity_audit)
    extra = [LexiconSynonym(ctx.lang), WordOfLanguage(ctx.lang)] if embedding else []
    share = rules(ctx.lang).parallel_sense
    if share is None and parallel_mode(ctx, "word substitution") == "true":
        raise UserError(f"-o parallel=true, but {ctx.lang} does not use the parallel sense check (no "
                        f"parallel_sense in attacks/languages/{ctx.lang}.yaml); use auto or add the key")
    confirm = parallel_sense_constraint(ctx, share) if share is not None else []
    # the parallel check asks the same dictionaries in context: it replaces the context-free SharedTranslation
    # (fr, 80 pairs: 42 words had a candidate passing both, 105 passing ParallelSense alone)
    return extra + sense_filters(ctx.lang, shared_translation=not confirm) + confirm


def parallel_mode(ctx: "RecipeContext", recipe: str) -> str:
    """``-o parallel=auto|true|false`` (default auto; false with ``-o label_preserving=false``)."""
    mode = str(option(ctx, "parallel", "auto" if option(ctx, "label_preserving", True) else "false")).lower()
    if mode not in ("auto", "true", "false"):
        raise UserError(f"{recipe}: -o parallel={mode!r}; choose auto, true or false")
    return mode


def parallel_sense_constraint(ctx: "RecipeContext", min_share: float) -> list[Any]:
    """[ParallelSense] when the attacked pairs have versions in languages with a dictionary to or from
    ``ctx.lang``; [] when switched off or (``auto``) without such versions; UserError for ``-o parallel=true``
    without them."""
    import sys

    from .parallel_sense import ParallelSense, dictionary_languages

    mode = parallel_mode(ctx, "word substitution")
    if mode == "false":
        return []
    langs = dictionary_languages(ctx.lang, ctx.parallel.langs) if ctx.parallel is not None else []
    covered = ctx.parallel.covers(langs) if langs else []
    if covered:
        return [ParallelSense(ctx.parallel, ctx.lang, min_share, covered)]
    if mode == "true":
        raise UserError(f"-o parallel=true, but the attacked {ctx.lang} pairs have no version in a language with a "
                        "dictionary to check synonyms against (XNLI has them; a data file needs the same ids in "
                        "several languages)")
    print(f"word substitution: no parallel text for these {ctx.lang} pairs, so synonym senses are not checked "
          "against human translations (reports/validity_audit)", file=sys.stderr)
    return []


def similarity_constraint(ctx: "RecipeContext", min_similarity: float = 0.85, calibrated: bool = True
                          ) -> list[Any]:
    """[MultilingualSentenceSimilarity] on the attacked column(s), or [] when disabled (min_similarity 0).
    With ``calibrated`` (and label-preserving constraints on), the threshold is the larger of the recipe default
    and the language's calibrated one."""
    if calibrated and min_similarity > 0 and option(ctx, "label_preserving", True):
        min_similarity = max(min_similarity, calibrated_similarity(ctx.lang, min_similarity))
    threshold = float(option(ctx, "min_similarity", min_similarity))
    if threshold <= 0:
        return []
    encoder_dir = option(ctx, "encoder_dir", None) or default_encoder_dir()
    device = str(next(ctx.classifier.model.parameters()).device)  # next to the victim (cpu or cuda)
    return [MultilingualSentenceSimilarity(shared_encoder(encoder_dir, device), threshold,
                                           perturbed_columns(ctx.perturb))]


def goal_function(ctx: "RecipeContext") -> UntargetedClassification:
    """Untargeted misclassification against the gold label; inputs already misclassified are skipped."""
    budget = option(ctx, "query_budget", None)
    if budget is not None and (not str(budget).isdigit() or int(budget) < 1):
        raise ValueError(f"query_budget must be a positive whole number of model queries per pair (got {budget!r})")
    return UntargetedClassification(ctx.model_wrapper, model_batch_size=GOAL_BATCH,
                                    query_budget=float("inf") if budget is None else int(budget))


def search(ctx: "RecipeContext", default: str = "greedy-wir") -> Any:
    """GreedyWordSwapWIR (Jin et al. 2020, TextFooler's word-importance ranking) by default."""
    from textattack.search_methods import BeamSearch, GreedySearch, GreedyWordSwapWIR

    name = str(option(ctx, "search", default))
    if name == "greedy-wir":
        wir = str(option(ctx, "wir", "delete"))  # "delete" needs no [UNK] token, so it is language-neutral
        if wir not in ("delete", "unk", "random", "weighted-saliency"):
            raise UserError(f"unknown word-importance ranking {wir!r}; choose delete, unk, random, "
                            "weighted-saliency")
        unk = getattr(ctx.classifier.tokenizer, "unk_token", None) or "[UNK]"
        return GreedyWordSwapWIR(wir_method=wir, unk_token=unk)
    if name == "greedy":
        return GreedySearch()
    if name.startswith("beam:") and name[5:].isdigit():
        return BeamSearch(beam_width=int(name[5:]))
    raise UserError(f"unknown search {name!r}; choose greedy-wir, greedy, beam:K")


def build_attack(ctx: "RecipeContext", transformation: Any, constraints: list[Any],
                 search_method: Any | None = None) -> textattack.Attack:
    """``textattack.Attack`` from the recipe's transformation and constraints with the shared goal/search."""
    _quiet_textattack()
    return textattack.Attack(goal_function(ctx), constraints, transformation, search_method or search(ctx))


def make_context(classifier: Any, lang: str, perturb: str = "hypothesis", seed: int = 0,
                 options: dict[str, Any] | None = None, model_wrapper: Any = None, parallel: Any = None
                 ) -> "RecipeContext":
    """A RecipeContext with a fresh :class:`~robustxnli.attacks.model_wrapper.NLIModelWrapper` unless given;
    ``parallel`` (an :class:`~robustxnli.attacks.parallel.ParallelCorpus`) lets code-mixing confirm translations."""
    from .context import PERTURB_CHOICES, RecipeContext
    from .model_wrapper import NLIModelWrapper

    if perturb not in PERTURB_CHOICES:
        raise UserError(f"unknown --perturb {perturb!r}; choose from: {', '.join(PERTURB_CHOICES)}")
    return RecipeContext(lang=lang, classifier=classifier,
                         model_wrapper=model_wrapper or NLIModelWrapper(classifier), perturb=perturb, seed=seed,
                         options=dict(options or {}), parallel=parallel)
