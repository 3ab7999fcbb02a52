"""Parallel confirmation for code-mixing: a dictionary translation counts only if the human translation of the
same sentence uses it.

The audit of issue 12 found code-mixing mostly wrong-sense: a word is polysemous in context (Aufgabe 'task' ->
отказ 'giving up') or the English pivot is (Flugzeug -> plane -> 平面 'flat surface'; sofort -> just -> справедлив
'fair'). Dictionary senses, pivot agreement and e5 similarities did not separate these from good swaps on the
judged items (precision ≤ 0.75, ROC AUC 0.52-0.68). XNLI is parallel, though: every pair exists, translated by
people, in all 15 languages. A candidate that the human translation of the *same* sentence into the target
language also uses (飞机 in 飞机上有已经熔化的仪器) carries the sense the sentence needs; on the judged code-mixing
successes of the audit, 11 of 100 were confirmed this way, and all 11 had been judged label-preserving.

:class:`ParallelCorpus` holds, per attacked pair, its versions in the other languages (XNLI by example id, or a
user data file whose ids align across languages). :class:`ParallelTranslation` is the TextAttack constraint.
Matching is by word form or, where ``simplemma`` knows the language, by lemma (dictionaries list base forms,
sentences inflect them: παρακολουθώ / παρακολουθεί); zh and th are matched as substrings. A stopword of the
target language confirms nothing (function words occur in almost every sentence).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

import regex

from robustxnli.offline import prepare

prepare()

from .constraints import PAIR_COLUMNS, CountedConstraint  # noqa: E402
from .text import UNSPACED_LANGS, char_script, in_script, lang_script  # noqa: E402

Pair = tuple[str, str]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class ParallelCorpus:
    """The other-language versions of each attacked pair, loaded on first use.

    ``load(lang)`` gives ``{example id: (premise, hypothesis)}`` for one language; a pair of the attacked language
    is found by its NFC text (what the attack runner feeds TextAttack).
    """

    def __init__(self, lang: str, langs: Iterable[str], load: Callable[[str], Mapping[str, Pair]]):
        self.lang = lang
        self.langs = tuple(t for t in langs if t != lang)
        self._load = load
        self._by_lang: dict[str, Mapping[str, Pair]] | None = None
        self._ids: dict[Pair, str] = {}

    def _ensure(self) -> dict[str, Mapping[str, Pair]]:
        if self._by_lang is None:
            own = self._load(self.lang)
            self._ids = {(_nfc(p), _nfc(h)): i for i, (p, h) in own.items()}
            self._by_lang = {t: self._load(t) for t in self.langs}
        return self._by_lang

    def versions(self, premise: str, hypothesis: str) -> dict[str, Pair]:
        """``{language: (premise, hypothesis)}`` of the pair's translations ({} for a pair not in the corpus)."""
        by_lang = self._ensure()
        key = self._ids.get((_nfc(premise), _nfc(hypothesis)))
        if key is None:
            return {}
        return {t: rows[key] for t, rows in by_lang.items() if key in rows}

    def covers(self, targets: Sequence[str]) -> list[str]:
        """The targets with a version of at least one pair of the attacked language (ids must align)."""
        by_lang = self._ensure()
        own = set(self._ids.values())
        return [t for t in targets if own & set(by_lang.get(t, ()))]


def xnli_parallel(lang: str, split: str, data_dir: Any = None) -> ParallelCorpus:
    """XNLI ``split`` in all 15 languages, aligned by example id."""
    from robustxnli.constants import XNLI_LANGS
    from robustxnli.data import load_nli
    from robustxnli.errors import UserError

    def load(t: str) -> dict[str, Pair]:
        try:
            return {e.id: (e.premise, e.hypothesis) for e in load_nli("xnli", split, t, data_dir, None)}
        except (UserError, OSError):  # a language missing on disk (and no hub) confirms nothing
            return {}

    return ParallelCorpus(lang, XNLI_LANGS, load)


def user_parallel(lang: str, data: Any) -> ParallelCorpus:
    """A user data file's other languages, aligned by its ids (pairs whose id has no other version get none)."""

    def load(t: str) -> dict[str, Pair]:
        return {e.id: (e.premise, e.hypothesis) for e in data.for_lang(t, None)}

    return ParallelCorpus(lang, data.langs(), load)


# matching ---------------------------------------------------------------------------------------------------------
_WORD = regex.compile(r"(?:[^\W_]|\p{M})+")  # letters, digits and combining marks (Devanagari, Arabic, Thai)


def script_runs(text: str) -> list[str]:
    """Maximal runs of letters of one script (marks and digits stay with their run): 'ev便会' -> ['ev', '便会']."""
    out: list[str] = []
    for word in _WORD.findall(text):
        run, script = "", None
        for ch in word:
            here = char_script(ch) if unicodedata.category(ch)[0] == "L" else script
            if run and here != script:
                out.append(run)
                run = ""
            run, script = run + ch, here
        out.append(run)
    return out


@lru_cache(maxsize=1)
def _lemmatizer() -> Any:
    """One simplemma lemmatizer keeping every language's dictionary loaded (its default keeps 8 and re-decodes a
    dictionary, ~0.8 s, whenever a ninth language is asked for); None without simplemma."""
    try:
        from simplemma import Lemmatizer
        from simplemma.strategies import DefaultStrategy
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(
        dictionary_factory=DefaultDictionaryFactory(cache_max_size=64)))


@lru_cache(maxsize=1 << 16)
def lemma(word: str, lang: str) -> str:
    """simplemma's lemma (lower case), or the lower-cased word where simplemma lacks the language."""
    low = word.lower()
    lemmatizer = _lemmatizer()
    if lemmatizer is None:
        return low
    try:
        return lemmatizer.lemmatize(low, lang=lang).lower()
    except ValueError:  # a language simplemma does not support (zh, th, vi, ur): exact forms only
        return low


@lru_cache(maxsize=1 << 14)
def _forms(text: str, lang: str) -> frozenset[str]:
    words = [w.lower() for w in script_runs(text)]
    return frozenset(words) | frozenset(lemma(w, lang) for w in words)


def in_own_script(run: str, lang: str) -> bool:
    return in_script(run, lang_script(lang))


# an inflected form: same first STEM letters or more, and each form ends in at most TAIL letters of its own
# (παρακολουθώ / παρακολουθεί; not general / generation, not cher / cherche)
STEM, TAIL = 5, 2


def _inflection_of(a: str, b: str) -> bool:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= STEM and len(a) - n <= TAIL and len(b) - n <= TAIL


def appears_in(word: str, text: str, lang: str) -> bool:
    """Whether ``word`` (a candidate in ``lang``) occurs in ``text`` (a sentence in ``lang``): as a substring in
    zh/th, else by form, lemma or an inflection of the same stem."""
    if lang in UNSPACED_LANGS:
        return word in text
    forms = _forms(text, lang)
    low = word.lower()
    return (low in forms or lemma(word, lang) in forms
            or any(_inflection_of(low, f) for f in forms if f[:1] == low[:1]))


def confirms(word: str, text: str, lang: str) -> bool:
    """``word`` occurs in ``text`` and is not a stopword of ``lang``: function words (hi का 'of', zh 来 'come')
    occur in almost every sentence, so finding one confirms no sense (audit: es hora -> का, parar -> 来)."""
    from .engine import stopwords

    return word.lower() not in stopwords(lang) and appears_in(word, text, lang)


def changed_columns(corpus: ParallelCorpus, transformed_text: Any, reference_text: Any
                    ) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(original, transformed, {language: the same column in that language}) for each column the transformation
    changed; the dict is empty for a pair the corpus does not have."""
    ref, new = reference_text._text_input, transformed_text._text_input
    pairs = corpus.versions(ref.get("premise", ""), ref.get("hypothesis", ""))
    for i, column in enumerate(PAIR_COLUMNS):
        if column in ref and ref[column] != new.get(column):
            yield ref[column], new[column], {t: pair[i] for t, pair in pairs.items()}


class ParallelTranslation(CountedConstraint):
    """Every code-mixed word occurs in the human translation of the same column into one of the target languages
    (by form or lemma) and is not a stopword there. A pair without a parallel version gets no code-mixed words."""

    def __init__(self, corpus: ParallelCorpus, targets: Sequence[str]):
        super().__init__()
        self.corpus = corpus
        self.targets = tuple(targets)

    def _units(self, text: str) -> list[str]:
        """Words (script runs); in zh/th text each character of a run is a unit, so that an inserted word does
        not re-cut its unsegmented neighbours into 'new' runs."""
        runs = script_runs(text)
        if self.corpus.lang not in UNSPACED_LANGS:
            return runs
        return [u for r in runs for u in (list(r) if in_own_script(r, self.corpus.lang) else [r])]

    def added_words(self, old: str, new: str) -> list[str]:
        """The script runs that ``new`` puts where ``old`` had other words."""
        from difflib import SequenceMatcher

        a, b = self._units(old), self._units(new)
        out: list[str] = []
        for tag, _i1, _i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag in ("replace", "insert"):
                out.extend(script_runs(" ".join(b[j1:j2])))
        return out

    def _check_constraint(self, transformed_text: Any, reference_text: Any) -> bool:
        for old, new, versions in changed_columns(self.corpus, transformed_text, reference_text):
            for word in self.added_words(old, new):
                if not any(confirms(word, versions[t], t) for t in self.targets if t in versions):
                    return self._reject("not in the human translation" if versions else "no parallel text")
        return True

    def extra_repr_keys(self):
        return ["targets"]
