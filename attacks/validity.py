"""Per-language rules that keep an NLI label through an attack, read from ``attacks/languages/<lang>.yaml``.

A language file lists negation/polarity markers (whole words and regex patterns over the lower-cased word),
number and date words, protected person words, antonym pairs, the word-frequency list and floors that candidates
must pass, the calibrated sentence-similarity threshold and the word-level embedding cosine floor. Adding a
language is adding a file; a language without one gets no markers (and ``rules(lang).has_file`` is False).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import regex

LANG_DIR = Path(__file__).with_name("languages")
DIGIT = regex.compile(r"\p{Nd}")
CASED_SCRIPTS = ("Latin", "Cyrillic", "Greek")


def _lower(word: str) -> str:
    return unicodedata.normalize("NFC", word).lower().replace("’", "'")


@dataclass(frozen=True)
class LanguageRules:
    lang: str
    has_file: bool = False
    negation_words: frozenset[str] = frozenset()
    negation_patterns: tuple[Any, ...] = ()
    number_words: frozenset[str] = frozenset()
    protected_words: frozenset[str] = frozenset()
    protected_patterns: tuple[Any, ...] = ()
    entities: str = "none"                    # capitalised | capitalised-shared | none
    antonyms: frozenset[tuple[str, str]] = frozenset()
    wordfreq_lang: str | None = None
    min_zipf: float = 2.5                     # a real, common word: Zipf frequency >= this
    typo_max_zipf: float = 2.0                # a typo must not be a real word: exact Zipf frequency < this
    shared_name_zipf: float = 3.0             # a word shared with the premise and rarer than this is a name
    similarity: dict[str, Any] = field(default_factory=dict)
    embedding_min_cos: float = 0.5
    morphology: str | None = None
    parallel_sense: float | None = None       # synonym swaps confirmed by the parallel translations (share)

    # markers -------------------------------------------------------------------------------------------------
    def is_negation(self, word: str) -> bool:
        w = _lower(word)
        return w in self.negation_words or any(p.fullmatch(w) for p in self.negation_patterns)

    def negation_signature(self, words: Iterable[str]) -> list[str]:
        """The marked words, lower-cased and sorted: equal signatures = no marker removed, added or altered."""
        return sorted(_lower(w) for w in words if self.is_negation(w))

    def marker_spans(self, text: str, words: Iterable[str]) -> list[str]:
        """Each marked word as written in ``text`` with the combining marks that follow it: a stray tone mark
        added to ไม่ (which word segmentation drops) still alters the marker."""
        from .text import UNSPACED_LANGS

        # unspaced scripts: every listed marker is searched in the raw text, as a segmenter may cut a new one
        # apart (ปราศจาก -> ปราศ + จากไป) or glue it to a neighbour
        markers = self.negation_words if self.lang in UNSPACED_LANGS else set(self.negation_signature(words))
        spans: list[str] = []
        for w in sorted(markers):
            spans += regex.findall(regex.escape(w) + r"\p{M}*", _lower(text))
        return sorted(spans)

    # numbers, dates, names -----------------------------------------------------------------------------------
    def is_number(self, word: str) -> bool:
        w = _lower(word)
        return bool(DIGIT.search(w)) or w in self.number_words or any(p.fullmatch(w) for p in self.protected_patterns)

    def is_protected(self, words: list[str], i: int, premise_words: frozenset[str] = frozenset(),
                     numbers_only: bool = False) -> bool:
        """Word ``i`` of a column is a number/date word, a person word or a name (``numbers_only``: a number or
        date word; typos may touch names, as long as they do not make another real word)."""
        word = words[i]
        w = _lower(word)
        if self.is_number(word):
            return True
        if numbers_only:
            return False
        if w in self.protected_words:
            return True
        if self.entities in ("capitalised", "capitalised-shared") and i > 0 and word[:1].isupper():
            prev = words[i - 1]
            if not prev.endswith((".", "!", "?")):
                if self.entities == "capitalised" or w in premise_words:
                    return True
        if w in premise_words and self.wordfreq_lang and zipf(w, self.wordfreq_lang) < self.shared_name_zipf:
            return True
        return False

    def protected_signature(self, words: list[str], premise_words: frozenset[str] = frozenset(),
                            numbers_only: bool = False) -> list[str]:
        return sorted(_lower(w) for i, w in enumerate(words)
                      if self.is_protected(words, i, premise_words, numbers_only))

    # antonyms ------------------------------------------------------------------------------------------------
    def are_antonyms(self, a: str, b: str) -> bool:
        pair = (_lower(a), _lower(b))
        return pair in self.antonyms or pair[::-1] in self.antonyms or pair in lexicon_antonyms(self.lang)

    def describe(self) -> str:
        sim = self.similarity.get("threshold")
        return (f"{self.lang}: {len(self.negation_words)} negation words + {len(self.negation_patterns)} affix "
                f"patterns frozen; numbers/dates/names kept; {len(self.antonyms)} antonym pairs"
                f"{' + lexicon antonyms' if lexicon_antonyms(self.lang) else ''}; candidates Zipf ≥ {self.min_zipf}"
                f" ({'wordfreq ' + self.wordfreq_lang if self.wordfreq_lang else 'no frequency list'})"
                f"{'; morphology ' + self.morphology if self.morphology else ''}"
                f"; similarity ≥ {sim if sim is not None else 'recipe default'}")


def _compile(patterns: Iterable[str]) -> tuple[Any, ...]:
    return tuple(regex.compile(p) for p in patterns or ())


@lru_cache(maxsize=None)
def rules(lang: str) -> LanguageRules:
    """The rules of ``lang`` from its language file (empty rules when there is none)."""
    import yaml

    from .text import _EDGE

    path = LANG_DIR / f"{lang}.yaml"
    if not path.exists():
        return LanguageRules(lang)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    neg = data.get("negation") or {}
    wf = data.get("wordfreq") or {}
    pairs = {(_lower(str(a)), _lower(str(b))) for a, b in data.get("antonyms") or []}
    negation = {_lower(str(w)) for w in neg.get("words") or []}
    # words reach the rules as the segmenter cuts them, without edge apostrophes: fr n' is seen as n
    negation |= {w.strip(_EDGE) for w in negation if w.strip(_EDGE)}
    return LanguageRules(
        lang=lang, has_file=True,
        negation_words=frozenset(negation),
        negation_patterns=_compile(neg.get("patterns")),
        number_words=frozenset(_lower(str(w)) for w in data.get("number_words") or []),
        # scope words (quantifiers, degree and certainty adverbs) decide how much follows: frozen like person words
        protected_words=frozenset(_lower(str(w)) for w in [*(data.get("protected_words") or []),
                                                           *(data.get("scope_words") or [])]),
        protected_patterns=_compile(data.get("protected_patterns")),
        entities=str(data.get("entities") or "none"),
        antonyms=frozenset(pairs | {(b, a) for a, b in pairs}),
        wordfreq_lang=wf.get("lang"), min_zipf=float(wf.get("min_zipf", 2.5)),
        typo_max_zipf=float(wf.get("typo_max_zipf", 2.0)),
        similarity=dict(data.get("similarity") or {}),
        embedding_min_cos=float(data.get("embedding_min_cos", 0.5)),
        morphology=data.get("morphology"),
        parallel_sense=None if data.get("parallel_sense") is None else float(data["parallel_sense"]),
    )


def languages_with_files() -> list[str]:
    return sorted(p.stem for p in LANG_DIR.glob("*.yaml"))


# word frequency (wordfreq, Speer 2022) ------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _freq_dict(lang: str) -> dict[str, float]:
    try:
        import wordfreq
    except ImportError:
        return {}
    try:
        return wordfreq.get_frequency_dict(lang, "best")
    except LookupError:
        return {}


def wordfreq_available() -> bool:
    try:
        import wordfreq  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1 << 16)
def zipf(word: str, lang: str) -> float:
    """Zipf frequency of ``word`` in ``lang`` (wordfreq's tokenisation; 0 for unknown words)."""
    import wordfreq

    return float(wordfreq.zipf_frequency(word, lang))


@lru_cache(maxsize=1 << 16)
def exact_zipf(word: str, lang: str) -> float:
    """Zipf frequency of ``word`` as one dictionary entry (no splitting into known pieces); 0 when absent."""
    freq = _freq_dict(lang).get(_lower(word), 0.0)
    return round(math.log10(freq * 1e9), 2) if freq > 0 else 0.0


# antonyms from installed lexicons -----------------------------------------------------------------------------
@lru_cache(maxsize=None)
def lexicon_antonyms(lang: str) -> frozenset[tuple[str, str]]:
    """Antonym pairs from WordNet (en) and MyThes "(antonym)"/"(антоним)" entries (en, ru, ...), both ways."""
    from .lexicons import _json_cached, mythes, wordnet

    pairs: set[tuple[str, str]] = set()
    thes = mythes(lang)
    if thes is not None:
        pairs |= set(thes.antonym_pairs())
    if lang == "en" and wordnet() is not None:
        pairs |= {(a, b) for a, bs in _json_cached("antonyms_wordnet30.json", _wordnet_antonyms).items() for b in bs}
    return frozenset(pairs | {(b, a) for a, b in pairs})


def _wordnet_antonyms() -> dict[str, list[str]]:
    from .lexicons import wordnet

    out: dict[str, list[str]] = {}
    for synset in wordnet().all_synsets():
        for lemma in synset.lemmas():
            for ant in lemma.antonyms():
                out.setdefault(lemma.name().lower(), []).append(ant.name().lower())
    return out
