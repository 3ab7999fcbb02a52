"""TextAttack constraints that keep the gold NLI label, driven by the language files (:mod:`.validity`).

* :class:`FreezeMarkers` (pre-transformation): negation markers, numbers/dates, person words and names are never
  offered for change (saves queries); typos may touch names and person words (``Washngton``), never numbers.
* :class:`LabelPreserving` (checked on every candidate against the original pair):
  - the negation signature of each attacked column is unchanged (no marker removed, added or altered; a typo may
    not touch a marker or create one);
  - the protected signature (numbers, dates, person words, names) is unchanged;
  - no changed word is an antonym of the word it replaces (language file + WordNet/MyThes antonyms);
  - ``mode="typo"``: a changed word is not another real word (exact wordfreq entry below ``typo_max_zipf``);
    ``mode="synonym"``: a changed word is a common word of the language (wordfreq Zipf ≥ ``min_zipf``) and, where
    an analyser exists (pymorphy3 for ru), keeps part of speech, case, number and gender;
    ``mode="codemix"``: a changed word is a common word of one of the intended target languages and more
    frequent there than in the source language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

from robustxnli.offline import prepare

prepare()

from textattack.constraints.pre_transformation_constraint import PreTransformationConstraint  # noqa: E402

from .constraints import CountedConstraint  # noqa: E402
from .inflection_ru import analyser  # noqa: E402
from .text import patch_textattack, words_from_text  # noqa: E402
from .validity import LanguageRules, _lower, exact_zipf, rules, zipf  # noqa: E402

MODES = ("typo", "synonym", "codemix")
patch_textattack()  # word indices must follow the same segmentation as the checks below


def _column_words(attacked_text: Any, column: str) -> list[str]:
    return words_from_text(attacked_text._text_input.get(column, ""))


def _premise_words(attacked_text: Any) -> frozenset[str]:
    return frozenset(_lower(w) for w in _column_words(attacked_text, "premise"))


class FreezeMarkers(PreTransformationConstraint):
    """Words that carry a negation marker, a number/date, a person or a name are not modified."""

    def __init__(self, lang: str, numbers_only: bool = False):
        super().__init__()
        self.lang = lang
        self.numbers_only = numbers_only  # typo mode: names may get typos (a typo may not form another word)
        self.rules = rules(lang)

    def _get_modifiable_indices(self, current_text: Any) -> set[int]:
        premise = _premise_words(current_text)
        out, offset = set(), 0
        for words in current_text.words_per_input:  # positions count within each column (sentence starts)
            out |= {offset + i for i, w in enumerate(words)
                    if not self.rules.is_negation(w)
                    and not self.rules.is_protected(words, i, premise, self.numbers_only)}
            offset += len(words)
        return out

    def extra_repr_keys(self):
        return ["lang"]


_GRAMMEMES = ("POS", "case", "number", "gender")


@lru_cache(maxsize=1 << 15)
def _tags(word: str) -> tuple[tuple[Any, ...], ...]:
    morph = analyser()
    if morph is None:
        return ()
    return tuple(tuple(getattr(p.tag, g) for g in _GRAMMEMES) for p in morph.parse(word)[:3])


def morphology_agrees(original: str, candidate: str) -> bool:
    """pymorphy3: the candidate has a reading with the original's most likely POS, case, number and gender
    (grammemes the original lacks are not compared)."""
    orig, cand = _tags(original), _tags(candidate)
    if not orig or not cand:
        return True if analyser() is None else bool(cand)
    want = orig[0]
    return any(all(w is None or w == c for w, c in zip(want, tag)) for tag in cand)


class LabelPreserving(CountedConstraint):
    """See the module docstring. ``targets``: the code-mixing target languages (``mode="codemix"``)."""

    def __init__(self, lang: str, mode: str = "synonym", columns: Sequence[str] = ("hypothesis",),
                 targets: Sequence[str] = ()):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.lang, self.mode, self.columns, self.targets = lang, mode, tuple(columns), tuple(targets)
        self.rules: LanguageRules = rules(lang)

    def _check_constraint(self, transformed_text: Any, reference_text: Any) -> bool:
        r = self.rules
        premise = _premise_words(reference_text)
        for col in self.columns:
            old, new = _column_words(reference_text, col), _column_words(transformed_text, col)
            if r.negation_signature(old) != r.negation_signature(new) or r.marker_spans(
                    reference_text._text_input.get(col, ""), old) != r.marker_spans(
                    transformed_text._text_input.get(col, ""), old):
                return self._reject("negation")
            typo = self.mode == "typo"
            if r.protected_signature(old, premise, typo) != r.protected_signature(new, premise, typo):
                return self._reject("number/name")
        ref_words, new_words = reference_text.words, transformed_text.words
        for i in sorted(transformed_text.attack_attrs.get("modified_indices", ())):
            if i >= len(ref_words) or i >= len(new_words):
                continue
            reason = self.word_problem(ref_words[i], new_words[i])
            if reason:
                return self._reject(reason)
        return True

    def word_problem(self, original: str, candidate: str) -> str | None:
        """Why ``candidate`` may not replace ``original`` (None when it may)."""
        r = self.rules
        if r.is_negation(candidate) != r.is_negation(original):
            return "negation"
        if r.are_antonyms(original, candidate):
            return "antonym"
        if self.mode == "typo":
            if r.wordfreq_lang and exact_zipf(candidate, r.wordfreq_lang) >= r.typo_max_zipf \
                    and _lower(candidate) != _lower(original):
                return "typo is a real word"
            return None
        if self.mode == "codemix":
            langs = [t for t in self.targets if rules(t).wordfreq_lang]
            if langs:
                best = max(zipf(candidate, rules(t).wordfreq_lang) for t in langs)
                src = zipf(candidate, r.wordfreq_lang) if r.wordfreq_lang else 0.0
                if best < rules(self.lang).min_zipf or best <= src:
                    return "not a word of the target language"
            return None
        if r.wordfreq_lang and zipf(candidate, r.wordfreq_lang) < r.min_zipf:
            return "rare or foreign word"
        if r.morphology == "pymorphy3" and not morphology_agrees(original, candidate):
            return "morphology"
        return None

    def extra_repr_keys(self):
        return ["lang", "mode", "columns"]


def label_preserving(lang: str, mode: str, columns: Sequence[str], targets: Sequence[str] = ()) -> list[Any]:
    """The pre-transformation freeze and the candidate check, ready to append to a recipe's constraints."""
    return [FreezeMarkers(lang, numbers_only=mode == "typo"), LabelPreserving(lang, mode, columns, targets)]


def unchecked(lang: str, mode: str) -> str | None:
    """The part of :func:`describe` that cannot be checked in ``lang`` on this machine (None when all is), for the
    run manifest's caveats: without a word-frequency list a typo that forms another word, or a rare or foreign
    candidate, passes."""
    from .validity import wordfreq_available

    what = {"typo": "a typo may not form another real word", "synonym": "candidates are common words of the "
            "language"}.get(mode)
    if what is None or (rules(lang).wordfreq_lang and wordfreq_available()):
        return None
    why = "wordfreq is not installed" if not wordfreq_available() else "wordfreq has no list for it"
    return f"{lang}: '{what}' is not checked ({why}; attacks/languages/{lang}.yaml)"


def describe(mode: str) -> str:
    """One line for ``recipes list`` and the manifest."""
    what = {"typo": "a typo may not form another real word",
            "synonym": "candidates are common words of the language (wordfreq), same morphology where pymorphy3 "
                       "exists, no antonyms",
            "codemix": "candidates are common words of the target language (wordfreq), no antonyms"}[mode]
    return f"label-preserving: negation markers/numbers/names frozen (attacks/languages/*.yaml); {what}"


def recheck(lang: str, mode: str, premise: str, hypothesis: str, adv_hypothesis: str,
            targets: Sequence[str] = ()) -> str | None:
    """Why the label-preserving constraints would block turning ``hypothesis`` into ``adv_hypothesis`` (None when
    they would not): used to re-check the successes of runs made without them."""
    from collections import OrderedDict

    from textattack.shared import AttackedText

    ref = AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))
    new = AttackedText(OrderedDict(premise=premise, hypothesis=adv_hypothesis))
    n_p = len(ref.words_per_input[0])
    old_w, new_w = ref.words_per_input[1], new.words_per_input[1]
    if len(old_w) == len(new_w):
        new.attack_attrs["modified_indices"] = {n_p + i for i, (a, b) in enumerate(zip(old_w, new_w)) if a != b}
    c = LabelPreserving(lang, mode, ("hypothesis",), targets)
    frozen = FreezeMarkers(lang, numbers_only=mode == "typo")._get_modifiable_indices(ref)
    touched = new.attack_attrs.get("modified_indices", set())
    if touched - frozen:
        i = min(touched - frozen)
        return f"frozen word changed: {ref.words[i]!r}"
    return None if c._check_constraint(new, ref) else ", ".join(c.rejected)
