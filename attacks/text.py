"""Language-aware text basics for the attacks: scripts, NFC, word segmentation, validity.

TextAttack's ``words_from_text`` (the splitter behind ``AttackedText.words``) keeps only ``\\w`` runs, and
Python's ``\\w`` excludes combining marks (Unicode category M). So it cuts Hindi words at every vowel sign
(``किताब`` -> ``क त ब``) and Thai words at every vowel/tone mark, and Thai has no spaces between words at all.
:func:`words_from_text` here is a drop-in replacement that keeps marks (and ZWJ/ZWNJ) inside words and
segments Chinese with jieba and Thai with PyThaiNLP's ``newmm`` (dictionary maximal matching, Apache-2.0,
offline). :func:`patch_textattack` installs it into ``textattack.shared.attacked_text``; on text with no
combining marks and no Thai it returns exactly what TextAttack's own function returns.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache
from typing import Iterable

import regex

# Script of each XNLI language (ISO 15924 names as in Unicode). Latin-script languages are the rest.
LANG_SCRIPT: dict[str, str] = {
    "ar": "Arabic", "ur": "Arabic", "bg": "Cyrillic", "ru": "Cyrillic", "el": "Greek",
    "hi": "Devanagari", "th": "Thai", "zh": "Han",
}
for _code in ("de", "en", "es", "fr", "sw", "tr", "vi"):
    LANG_SCRIPT[_code] = "Latin"

# Languages written without spaces between words: segmentation needs a dictionary-based segmenter.
UNSPACED_LANGS = ("zh", "th")

_SCRIPTS = ("Latin", "Cyrillic", "Greek", "Arabic", "Devanagari", "Thai", "Han")
_SCRIPT_RE = {name: regex.compile(rf"\p{{Script={name}}}") for name in _SCRIPTS}
_HAN = regex.compile(r"\p{Script=Han}")
_THAI = regex.compile(r"\p{Script=Thai}")
# TextAttack's word pattern (homoglyphs + ' - _ * @ inside words), widened with combining marks and ZWNJ/ZWJ.
_TA_HOMOS = "˗৭Ȣ𝟕бƼᏎƷᒿlO`ɑЬϲԁе𝚏ɡհіϳ𝒌ⅼｍոорԛⲅѕ𝚝սѵԝ×уᴢ"
_EDGE = "'-_*@"
_WORD = regex.compile(rf"[\w\p{{M}}\u200c\u200d{regex.escape(_TA_HOMOS)}'\-_\*@]+")

log = logging.getLogger(__name__)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def char_script(ch: str) -> str:
    """'Latin' | 'Cyrillic' | 'Greek' | 'Arabic' | 'Devanagari' | 'Thai' | 'Han' | 'Common'."""
    for name, pattern in _SCRIPT_RE.items():
        if pattern.match(ch):
            return name
    return "Common"


def script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        if unicodedata.category(ch)[0] in "LM":
            s = char_script(ch)
            counts[s] = counts.get(s, 0) + 1
    return counts


def dominant_script(text: str) -> str:
    """The script most letters of ``text`` are in ('Common' when it has no letters)."""
    counts = script_counts(text)
    return max(counts, key=counts.get) if counts else "Common"


def lang_script(lang: str) -> str:
    return LANG_SCRIPT.get(lang, "Latin")


def in_script(word: str, script: str) -> bool:
    """True when every letter/mark of ``word`` is in ``script`` (digits, punctuation are neutral).
    Combining marks are shared across scripts (Unicode 'Inherited'), so they count as in any script."""
    for ch in word:
        cat = unicodedata.category(ch)
        if cat[0] == "L" and char_script(ch) != script:
            return False
    return True


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=1)
def _thai_tokenize():
    try:
        from pythainlp.tokenize import word_tokenize
    except ImportError:  # pragma: no cover - pythainlp is a dependency; keep Thai runs whole without it
        log.warning("pythainlp is not installed: Thai text is split at spaces only")
        return lambda s: [s]
    return lambda s: word_tokenize(s, engine="newmm", keep_whitespace=False)


def _chunks(chunk: str) -> Iterable[str]:
    if _THAI.search(chunk):
        return _thai_tokenize()(chunk)
    if _HAN.search(chunk):
        return _jieba().cut(chunk, cut_all=False)
    return (chunk,)


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for chunk in text.split():
        for piece in _chunks(chunk):
            for w in _WORD.findall(piece.strip(_EDGE)):
                w = w.strip(_EDGE)
                if w:
                    out.append(w)
    return tuple(out)


def words_from_text(s: str, words_to_ignore: list[str] | None = None) -> list[str]:
    """Drop-in for ``textattack.shared.utils.words_from_text`` that works for all 15 XNLI languages.
    Each word is a substring of ``s`` (TextAttack locates words with ``str.index``)."""
    words = list(_words(s))
    if words_to_ignore:
        words = [w for w in words if w not in words_to_ignore]
    return words


def segment_words(text: str, lang: str | None = None) -> list[str]:
    """Words of ``text`` (punctuation dropped). zh: jieba; th: PyThaiNLP newmm; others: spaces + word chars.
    ``lang`` is accepted for clarity; segmentation follows the script actually present in the text."""
    return words_from_text(text)


def changed_stretches(old: list[str], new: list[str], lang: str) -> list[tuple[str, str]]:
    """(original, replacement) for every changed stretch of two word lists, from a diff rather than positions: in
    zh/th the words are re-segmented after a swap (很糟糕 -> 很次 is one word), so indices stop matching. A stretch
    is joined back with the language's separator ("" in zh/th); an insertion or deletion has one side empty."""
    from difflib import SequenceMatcher

    join = "" if lang in UNSPACED_LANGS else " "
    return [(join.join(old[i1:i2]), join.join(new[j1:j2]))
            for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
            if tag != "equal"]


def patch_textattack() -> None:
    """Make ``AttackedText.words`` use :func:`words_from_text` (idempotent). We patch the module-level name
    that ``textattack.shared.attacked_text`` imported, rather than subclassing AttackedText, because every
    search method and constraint creates plain AttackedText objects internally."""
    import textattack.shared.attacked_text as at

    at.words_from_text = words_from_text


_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}


def is_valid_text(text: str) -> bool:
    """Non-empty, NFC, contains a letter or digit, no control/surrogate/private-use/unassigned characters
    (tab and newline allowed), and no combining mark that starts a word (a mark with nothing to attach to)."""
    if not text or not text.strip() or unicodedata.normalize("NFC", text) != text:
        return False
    has_content = False
    prev = " "
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _BAD_CATEGORIES and ch not in "\t\n":
            return False
        if cat[0] == "M" and (prev.isspace() or unicodedata.category(prev)[0] in "PZ"):
            return False
        if cat[0] in "LN":
            has_content = True
        prev = ch
    return has_content


def is_valid_word(word: str, lang: str) -> bool:
    """A replacement word for ``lang``: valid text, one token, letters in the language's script."""
    return is_valid_text(word) and not any(c.isspace() for c in word) and in_script(word, lang_script(lang))
