"""Word swaps from lexicons: synonym substitution and code-mixing, as TextAttack ``WordSwap`` transformations.

* :class:`LexiconSynonymSwap` — synonyms from the resources :mod:`.lexicons` finds for the language (WordNet and
  MyThes for English, MyThes for ar/bg/de/es/fr/ru, Cilin for zh, user TSVs for any language); the lexical
  substitution of PWWS (Ren et al., 2019, ACL) with WordNet generalised to other thesauri.
* :class:`CodeMixSwap` — replace a word by its translation into another XNLI language, after Tan & Joty (2021),
  "Code-Mixing on Sesame Street: Dawn of the Adversarial Polyglots" (NAACL; PolyGloss), using offline
  bilingual dictionaries (FreeDict, CC-CEDICT, user TSVs) and English as pivot where no direct one exists.

Candidates are single words (no spaces, so TextAttack's word indices stay aligned), NFC, written in the script of
the language they belong to, and cased like the word they replace. Lookups are memoised per transformation.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

from textattack.transformations.word_swaps import WordSwap

from . import lexicons
from .text import is_valid_word, lang_script

# Cased scripts where a lower-case word must not receive a capitalised candidate, except German, whose nouns are
# capitalised wherever they stand.
_KEEP_CAPITALS = {"de"}


def cased(candidate: str, original: str, lang: str, source_lang: str | None = None) -> str | None:
    """``candidate`` (a word of ``lang``) cased like ``original`` (a word of ``source_lang``, default ``lang``);
    None when that cannot be done sensibly. A capital on a German word usually marks a noun, not a sentence
    start, so its translations into other languages keep the case the dictionary gives them."""
    if lang_script(lang) not in ("Latin", "Cyrillic", "Greek"):
        return candidate
    if source_lang in _KEEP_CAPITALS and source_lang != lang and original[:1].isupper() and not original.isupper():
        return candidate
    if original.isupper() and len(original) > 1:
        return candidate.upper()
    if original[:1].isupper():
        return candidate[:1].upper() + candidate[1:]
    if candidate[:1].isupper() and lang not in _KEEP_CAPITALS:
        return None  # a proper noun or acronym in the lexicon; lower-casing would make a different word
    return candidate


def single_words(candidates: Iterable[str], original: str, lang: str, limit: int | None,
                 source_lang: str | None = None) -> list[str]:
    out: list[str] = []
    for cand in candidates:
        if any(c.isspace() for c in cand):
            continue
        cand = cased(cand, original, lang, source_lang)
        if cand is None or cand == original or not is_valid_word(cand, lang) or cand in out:
            continue
        out.append(cand)
        if limit is not None and len(out) >= limit:
            break
    return out


class _CachedLexiconSwap(WordSwap):
    """A deterministic word swap whose candidates for a word are looked up once (``_uncached``) and cached."""

    def __init__(self) -> None:
        super().__init__()
        self._lookup = lru_cache(maxsize=65536)(self._uncached)

    def _uncached(self, word: str) -> tuple[str, ...]:
        raise NotImplementedError

    def _get_replacement_words(self, word: str) -> list[str]:
        return list(self._lookup(word))

    @property
    def deterministic(self) -> bool:
        return True


class LexiconSynonymSwap(_CachedLexiconSwap):
    """Replace a word by up to ``max_candidates`` synonyms from the lexicons available for ``lang``."""

    def __init__(self, lang: str, max_candidates: int | None = 20, lexicon: str | Sequence[str] | None = None,
                 max_senses: int | None = None, inflect: bool = False):
        self.lang = lang
        self.inflect = inflect  # en, ru: synonyms of an inflected word's lemma, inflected like it (told -> said)
        self.max_candidates = max_candidates
        self.lexicon = lexicon
        self.max_senses = max_senses  # WordNet/MyThes: synonyms from the first senses per part of speech only
        self.sources = lexicons.synonym_sources(lang, lexicon)
        super().__init__()

    def _uncached(self, word: str) -> tuple[str, ...]:
        found = lexicons.synonyms(word, self.lang, self.lexicon, self.max_senses)
        if self.inflect and self.lang in ("en", "ru"):
            from .inflection import inflected_synonyms as english
            from .inflection_ru import inflected_synonyms as russian

            found = (english if self.lang == "en" else russian)(
                word, lambda lemma: lexicons.synonyms(lemma, self.lang, self.lexicon, self.max_senses)) + found
        return tuple(single_words(found, word, self.lang, self.max_candidates))

    def extra_repr_keys(self):
        return ["lang", "max_candidates", "max_senses", "inflect"]


class CodeMixSwap(_CachedLexiconSwap):
    """Replace a word of language ``lang`` by up to ``per_language`` translations into each of ``target_langs``
    (Tan & Joty 2021). ``pivot`` (default English) bridges pairs without a direct dictionary."""

    def __init__(self, lang: str, target_langs: Sequence[str], per_language: int = 2, pivot: str | None = "en",
                 lexicon: str | Sequence[str] | None = None, round_trip: bool = False):
        self.lang = lang
        self.target_langs = tuple(t for t in target_langs if t != lang)
        self.per_language = per_language
        self.pivot = pivot
        self.lexicon = lexicon
        self.round_trip = round_trip  # keep a translation only if translating it back gives the word again
        super().__init__()

    def _uncached(self, word: str) -> tuple[str, ...]:
        out: list[str] = []
        for tgt in self.target_langs:
            found = lexicons.translations(word, self.lang, tgt, self.lexicon, pivot=self.pivot,
                                          round_trip=self.round_trip)
            out.extend(c for c in single_words(found, word, tgt, self.per_language, self.lang) if c not in out)
        return tuple(out)

    def extra_repr_keys(self):
        return ["lang", "target_langs", "per_language", "pivot", "round_trip"]
