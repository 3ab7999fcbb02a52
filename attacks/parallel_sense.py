"""Parallel sense check for synonym swaps: the human translations of the sentence say which sense a word has.

Thesauri list every sense of a word, and the dictionary filter (:class:`~.sense_filters.SharedTranslation`) only
asks whether word and candidate share *some* translation. In French that let wrong senses through (audit of issue
12: heure -> durée in "miles par heure", continuer -> durer, nourriture -> pâture; 59 % of the judged successes
kept the label). XNLI is parallel: every pair exists, translated by people, in all 15 languages. Where the
German version of a sentence translates *continuer* by *weitermachen*, a candidate must translate to
*weitermachen* too (or *weitermachen* to it) to mean what *continuer* means here.

For a swap ``word -> candidate`` in one column, every language ``t`` with a bilingual dictionary to or from the
attacked language and a version of the pair is asked:

* its **anchors**: words of the ``t`` version that translate ``word`` (a dictionary translation of the word that
  occurs in the sentence, by form, lemma or inflection, not a stopword; or a word of the sentence whose
  translation back is the word);
* whether the candidate **agrees**: it translates to an anchor, or an anchor translates back to it.

The swap passes when at least one language has anchors and at least ``min_share`` of those languages agree, two
of them where two or more have anchors (``parallel_sense`` in the language file; a language without that key is
not checked). Pivot-based paraphrasing
(Bannard & Callison-Burch 2005, "Paraphrasing with Bilingual Parallel Corpora", ACL) uses the same idea on
aligned corpora; here the alignment comes from the dictionaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from robustxnli.offline import prepare

prepare()

from .constraints import CountedConstraint  # noqa: E402
from .parallel import ParallelCorpus, appears_in, changed_columns, confirms, lemma  # noqa: E402
from .text import UNSPACED_LANGS, changed_stretches, segment_words  # noqa: E402


@lru_cache(maxsize=1 << 17)
def _translations(word: str, src: str, tgt: str) -> frozenset[str]:
    """Lower-cased dictionary translations of the word, its lower-case form and its lemma."""
    from .lexicons import translations

    out: set[str] = set()
    for form in {word, word.lower(), lemma(word, src)}:
        out.update(t.lower() for t in translations(form, src, tgt, pivot=None))
    return frozenset(out)


@lru_cache(maxsize=1 << 17)
def _back(word: str, src: str, tgt: str) -> frozenset[str]:
    """Translations into ``tgt`` of a ``src`` word and of its lemma, with their own lemmas (dictionaries give
    الميل with its article, the sentence has ميل)."""
    found = _translations(word, src, tgt) | _translations(lemma(word, src), src, tgt)
    return found | frozenset(lemma(b, tgt) for b in found)


@lru_cache(maxsize=1 << 14)
def _sentence_words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(segment_words(text)))


def anchors(word: str, lang: str, t: str, sentence: str) -> frozenset[str]:
    """Words of ``sentence`` (language ``t``) that translate ``word`` (language ``lang``)."""
    found = {e for e in _translations(word, lang, t) if confirms(e, sentence, t)}
    if t not in UNSPACED_LANGS:
        keys = {word.lower(), lemma(word, lang)}
        found.update(y.lower() for y in _sentence_words(sentence)
                     if keys & _back(y, t, lang) and confirms(y, sentence, t))
    return frozenset(found)


def agrees(candidate: str, lang: str, t: str, found: frozenset[str]) -> bool:
    """The candidate translates to one of the anchors, or an anchor translates back to it."""
    forward = _translations(candidate, lang, t)
    keys = {candidate.lower(), lemma(candidate, lang)}
    for anchor in found:
        if anchor in forward or keys & _back(anchor, t, lang):
            return True
        if t not in UNSPACED_LANGS and any(appears_in(f, anchor, t) for f in forward):
            return True  # an inflected anchor (weitermacht) of a listed translation (weitermachen)
    return False


def sense_votes(word: str, candidate: str, lang: str, versions: dict[str, str], langs: Sequence[str]
                ) -> tuple[int, int]:
    """(languages whose version has anchors for ``word``, of those, languages where ``candidate`` agrees)."""
    with_anchors = agreeing = 0
    for t in langs:
        if t not in versions:
            continue
        found = anchors(word, lang, t, versions[t])
        if found:
            with_anchors += 1
            agreeing += agrees(candidate, lang, t, found)
    return with_anchors, agreeing


def needed_agreement(with_anchors: int, min_share: float) -> int:
    """Languages that must agree: ``min_share`` of those with anchors, at least one, and two where two or more
    have anchors (one polysemous anchor confirms too much: de ziehen translates traîner, bénéficier, cultiver)."""
    return max(1, math.ceil(min_share * with_anchors - 1e-9), min(2, with_anchors))


def dictionary_languages(lang: str, langs: Sequence[str]) -> list[str]:
    """The languages of ``langs`` with a bilingual dictionary to or from ``lang`` on this machine."""
    from .lexicons import translation_sources

    return [t for t in langs if t != lang and (translation_sources(lang, t) or translation_sources(t, lang))]


def changed_words(old: str, new: str, lang: str) -> list[tuple[str, str]]:
    """(original, replacement) for each changed stretch of words of one column."""
    return changed_stretches(segment_words(old), segment_words(new), lang)


class ParallelSense(CountedConstraint):
    """Every swapped word is confirmed by the human translations of the same column: of the languages whose
    version has words that translate the original, at least ``min_share`` (at least one; two where two or more
    have such words) have one that also translates the candidate. Multi-word swaps and pairs without parallel versions are refused."""

    def __init__(self, corpus: ParallelCorpus, lang: str, min_share: float, langs: Sequence[str] | None = None):
        super().__init__()
        self.corpus = corpus
        self.lang = lang
        self.min_share = min_share
        self.langs = tuple(langs if langs is not None else dictionary_languages(lang, corpus.langs))

    def problem(self, word: str, candidate: str, versions: dict[str, str]) -> str | None:
        if not word or not candidate:
            return "word inserted/deleted"
        if " " in word or " " in candidate:
            return "multi-word swap"
        with_anchors, agreeing = sense_votes(word, candidate, self.lang, versions, self.langs)
        if not with_anchors:
            return "word not found in the translations"
        if agreeing < needed_agreement(with_anchors, self.min_share):
            return "translations give the word another sense"
        return None

    def _check_constraint(self, transformed_text: Any, reference_text: Any) -> bool:
        for old, new, versions in changed_columns(self.corpus, transformed_text, reference_text):
            for word, candidate in changed_words(old, new, self.lang):
                reason = self.problem(word, candidate, versions)
                if reason:
                    return self._reject(reason)
        return True

    def extra_repr_keys(self):
        return ["lang", "min_share", "langs"]
