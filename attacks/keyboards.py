"""Keyboard layouts for the 15 XNLI languages and the key-neighbour graph used for typo noise.

Each layout lists the unshifted characters of the three letter rows (plus the number row where it carries
letters, e.g. AZERTY's é è ç à), one string per key. Geometry: each row shifted right of the one above by the
usual stagger (0, 0.5, 0.75, 1.25 key widths for the first letter key of the bottom row; an ISO bottom row that
starts with the extra ``<`` key starts one key further left). Two keys are neighbours when they sit side by side
on one row, or on adjacent rows with centres at most 1.25 key widths apart horizontally. For US QWERTY this
gives TextAttack's hand-written ``WordSwapQWERTY`` adjacency except two of its slips (it lists a-x, and g-d
instead of g-f); the test checks the other 24 letters agree.

Only neighbours of the same Unicode major category are offered (letter for letter, combining vowel sign for
vowel sign), so a typo never leaves a Devanagari/Thai mark without a base character, and neighbours outside a
language's alphabet are dropped (Bulgarian on ЙЦУКЕН: no ы, э, ё).

Chinese is typed through a pinyin input method, not a character keyboard: its "keyboard" typo is picking a
same-sounding neighbour candidate, see :func:`robustxnli.attacks.char_noise.zh_ime_homophones`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_STAGGER = (0.0, 0.5, 0.75, 1.25)  # number row, top, home, bottom (ISO)

# rows: (number row, top row, home row, bottom row); "" = an empty slot keeps the geometry of the rows.
LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "qwerty-us": (tuple("1234567890-="), tuple("qwertyuiop[]"), tuple("asdfghjkl;'"), tuple("zxcvbnm,./")),
    "qwertz-de": (tuple("1234567890ß"), tuple("qwertzuiopü+"), tuple("asdfghjklöä#"), tuple("<yxcvbnm,.-")),
    "azerty-fr": (tuple("&é\"'(-è_çà)="), tuple("azertyuiop^$"), tuple("qsdfghjklmù*"), tuple("<wxcvbn,;:!")),
    "qwerty-es": (tuple("1234567890'¡"), tuple("qwertyuiop`+"), tuple("asdfghjklñ´ç"), tuple("<zxcvbnm,.-")),
    "q-tr": (tuple("1234567890*-"), tuple("qwertyuıopğü"), tuple("asdfghjklşi,"), tuple("<zxcvbnmöç.")),
    "jcuken-ru": (tuple("1234567890-="), tuple("йцукенгшщзхъ"), tuple("фывапролджэ"), tuple("ячсмитьбю.")),
    "greek-el": (tuple("1234567890-="), tuple(";ςερτυθιοπ[]"), tuple("ασδφγηξκλ΄'"), tuple("<ζχψωβνμ,./")),
    # Arabic (101): the لا key types two letters; it is a placeholder here.
    "arabic-101": (
        tuple("1234567890-="),
        tuple("ضصثقفغعهخحجد"),
        tuple("شسيبلاتنمكط"),
        ("ئ", "ء", "ؤ", "ر", "لا", "ى", "ة", "و", "ز", "ظ"),
    ),
    # Urdu phonetic (CRULP), the layout most Pakistani users type on.
    "urdu-phonetic": (tuple("1234567890-="), tuple("قوعرتےءیہپ"), tuple("اسدفگحجکل؛'"), tuple("زشچطبنم،۔/")),
    # Devanagari InScript (Government of India standard).
    "inscript-hi": (
        tuple("1234567890-ृ"),
        tuple("ौैाीूबहगदजड़"),
        tuple("ोे्िुपरकतचट"),
        tuple("ॆंमनवलस,.य"),
    ),
    # Thai Kedmanee (TIS 820-2538), the standard Thai layout.
    "kedmanee-th": (tuple("ๅ/-ภถุึคตจขช"), tuple("ๆไำพะัีรนยบลฃ"), tuple("ฟหกดเ้่าสวง"), tuple("ผปแอิืทมใฝ")),
}

# Language -> layout. vi is typed with Telex/VNI on US QWERTY; sw on US/UK QWERTY; bg shares ЙЦУКЕН with ru
# (restricted to the Bulgarian alphabet below). zh has no character layout (pinyin IME; see module docstring).
LANG_LAYOUT: dict[str, str | None] = {
    "en": "qwerty-us", "sw": "qwerty-us", "vi": "qwerty-us", "de": "qwertz-de", "fr": "azerty-fr",
    "es": "qwerty-es", "tr": "q-tr", "ru": "jcuken-ru", "bg": "jcuken-ru", "el": "greek-el",
    "ar": "arabic-101", "ur": "urdu-phonetic", "hi": "inscript-hi", "th": "kedmanee-th", "zh": None,
}

# Letters a language does not use, removed from its neighbour lists.
_EXCLUDED: dict[str, set[str]] = {"bg": set("ыэё")}


def _category(ch: str) -> str:
    return unicodedata.category(ch)[0]


@lru_cache(maxsize=None)
def key_neighbours(layout: str) -> dict[str, tuple[str, ...]]:
    """Map each single-character key of ``layout`` to its physically adjacent keys (any category)."""
    keys = [
        (r, c + _STAGGER[r] - (1.0 if r == 3 and row[0] == "<" else 0.0), key)  # ISO's extra key left of z/y
        for r, row in enumerate(LAYOUTS[layout])
        for c, key in enumerate(row)
        if key
    ]
    graph: dict[str, list[str]] = {}
    for r, x, key in keys:
        if len(key) != 1:
            continue
        near = []
        for r2, x2, key2 in keys:
            if key2 == key or len(key2) != 1:
                continue
            dx = abs(x2 - x)
            if (r2 == r and dx <= 1.0) or (abs(r2 - r) == 1 and dx <= 1.25):
                near.append(key2)
        graph.setdefault(key, near)
    return {k: tuple(v) for k, v in graph.items()}


@lru_cache(maxsize=None)
def neighbours(lang: str) -> dict[str, tuple[str, ...]]:
    """Same-category key neighbours for ``lang`` (letters <-> letters, marks <-> marks); {} for zh."""
    layout = LANG_LAYOUT.get(lang)
    if layout is None:
        return {}
    excluded = _EXCLUDED.get(lang, set())
    out: dict[str, tuple[str, ...]] = {}
    for key, near in key_neighbours(layout).items():
        if _category(key) not in "LM" or key in excluded:
            continue
        same = tuple(n for n in near if _category(n) == _category(key) and n not in excluded)
        if same:
            out[key] = same
    return out


@lru_cache(maxsize=None)
def alphabet(lang: str) -> tuple[str, ...]:
    """Base letters typed directly on ``lang``'s layout (used for insertion noise); () for zh."""
    return tuple(k for k in neighbours(lang) if _category(k) == "L")
