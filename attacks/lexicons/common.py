"""Shared parts of the lexicon readers: language codes, resource directories, the JSON cache, entry cleaning."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable

ISO3 = {
    "ar": "ara", "bg": "bul", "de": "deu", "el": "ell", "en": "eng", "es": "spa", "fr": "fra", "hi": "hin",
    "ru": "rus", "sw": "swh", "th": "tha", "tr": "tur", "ur": "urd", "vi": "vie", "zh": "zho",
}


def mythes_dir() -> Path:
    return Path(os.environ.get("ROBUSTXNLI_MYTHES_DIR", "/usr/share/mythes"))


def dictd_dir() -> Path:
    return Path(os.environ.get("ROBUSTXNLI_DICTD_DIR", "/usr/share/dictd"))


def _cache(name: str) -> Path:
    from robustxnli.offline import cache_dir

    path = cache_dir() / "lexicons" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _json_cached(name: str, build: Callable[[], dict]) -> dict:
    path = _cache(name)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    data = build()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # atomic; concurrent builders write identical files
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return data

_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\{[^}]*\}|/[^/]*/")


def _clean_items(text: str) -> list[str]:
    """'Haus <neut>, (archaic) Heim; Wohnung' -> ['Haus', 'Heim', 'Wohnung'] (notes dropped, order kept)."""
    out = []
    for item in re.split(r"[,;|]", _NOTE.sub(" ", text)):
        item = " ".join(item.replace("...", " ").split()).strip(" .:!?\"'")
        if item and "~" not in item:
            out.append(item)
    return out


def _unique(items: Iterable[str], exclude: str = "") -> list[str]:
    return [w for w in dict.fromkeys(items) if w and w != exclude]

_STRESS = re.compile("[\u0300\u0301]")  # stress accents printed in Russian/Bulgarian dictionaries
_HARAKAT = re.compile("[\u064B-\u0652\u0670]")  # Arabic short-vowel marks; running text is unvocalised


def fit_language(items: Iterable[str], lang: str) -> list[str]:
    """Entries as they would appear in running ``lang`` text: NFC, dictionary stress marks and Arabic vowel marks
    removed, trailing sense numbers dropped, and only entries written in the language's script kept (drops the
    English or German glosses some FreeDict entries carry)."""
    from ..text import in_script, lang_script, nfc

    script = lang_script(lang)
    out = []
    for item in items:
        item = unicodedata.normalize("NFD", item)
        if script == "Cyrillic":
            item = _STRESS.sub("", item)
        item = nfc(item)
        if script == "Arabic":
            item = _HARAKAT.sub("", item)
        item = re.sub(r"[\s\d.]+$", "", item).strip()
        if item and item[0].isalpha() and in_script(item, script):
            out.append(item)
    return _unique(out)

