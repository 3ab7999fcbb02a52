"""LibreOffice MyThes thesauri (Debian mythes-*): synonyms, and antonym entries kept apart."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .common import _clean_items, _json_cached, _unique, mythes_dir


# MyThes -------------------------------------------------------------------------------------------------------
MYTHES_LANGS = ("ar", "bg", "de", "en", "es", "fr", "ru")


class MyThes:
    """A LibreOffice thesaurus: ``.idx`` (encoding, count, ``word|offset`` lines) + ``.dat`` (``word|n`` then n
    lines ``(pos)|syn|syn...``). Lookups are lower-cased, as the index is."""

    def __init__(self, dat: Path):
        self.dat = Path(dat)
        self.idx = self.dat.with_suffix(".idx")
        self._offsets: dict[str, int] | None = None
        self.encoding = "utf-8"

    def _index(self) -> dict[str, int]:
        if self._offsets is None:
            raw = self.idx.read_bytes()
            first, _, rest = raw.partition(b"\n")
            self.encoding = _mythes_encoding(first)
            offsets = {}
            for line in rest.decode(self.encoding, errors="replace").splitlines()[1:]:
                word, _, off = line.rpartition("|")
                if word and off.isdigit():
                    offsets.setdefault(word, int(off))
            self._offsets = offsets
        return self._offsets

    def __len__(self) -> int:
        return len(self._index())

    def lookup(self, word: str, max_senses: int | None = None) -> list[str]:
        """Synonyms of ``word`` (antonym entries left out); with ``max_senses``, from its first sense lines of each
        part of speech only (the thesauri list the commonest sense first)."""
        off = self._index().get(word.lower())
        if off is None:
            return []
        out: list[str] = []
        with self.dat.open("rb") as f:
            f.seek(off)
            head = f.readline().decode(self.encoding, errors="replace").strip()
            n = int(head.rpartition("|")[2] or 0)
            per_pos: dict[str, int] = {}
            for _ in range(n):
                line = f.readline().decode(self.encoding, errors="replace").strip()
                pos = line.partition("|")[0]
                per_pos[pos] = per_pos.get(pos, 0) + 1
                if max_senses is not None and per_pos[pos] > max_senses:
                    continue
                syns, _ants = _split_antonyms(line)
                out.extend(syns)
        return _unique(out, exclude=word)

    def antonym_pairs(self) -> list[tuple[str, str]]:
        """Every (headword, antonym) pair the thesaurus marks ("(antonym)" items, "(антоним)" senses)."""
        def build() -> dict:
            pairs: dict[str, list[str]] = {}
            head = ""
            text = self.dat.read_bytes().decode(self.encoding, errors="replace")
            for line in text.splitlines()[1:]:
                if not line.startswith("("):
                    head = line.rpartition("|")[0].lower()
                    continue
                ants = _split_antonyms(line)[1]
                if ants and head:
                    pairs.setdefault(head, []).extend(a.lower() for a in ants)
            return pairs

        table = _json_cached(f"antonyms_{self.dat.stem}.json", build)
        return [(h, a) for h, ants in table.items() for a in ants]

_ANTONYM_TAGS = ("antonym", "антоним", "opposite", "gegenteil", "antonyme", "antónimo")


def _split_antonyms(line: str) -> tuple[list[str], list[str]]:
    """A MyThes sense line ``(pos)|a|b (antonym)|c`` -> (synonyms, antonyms); a sense tagged as antonyms in its
    first field (``(антоним)|рай``) gives only antonyms."""
    pos, _, rest = line.partition("|")
    items = rest.split("|")
    if any(t in pos.lower() for t in _ANTONYM_TAGS):
        return [], [w for i in items for w in _clean_items(i)]
    syns, ants = [], []
    for item in items:
        (ants if any(t in item.lower() for t in _ANTONYM_TAGS) else syns).extend(_clean_items(item))
    return syns, ants


def _mythes_encoding(first_line: bytes) -> str:
    name = first_line.decode("ascii", errors="ignore").strip().lstrip("\ufeff").upper()
    return {"ISO8859-1": "latin-1", "ISO8859-15": "iso8859-15", "KOI8-R": "koi8-r"}.get(name, "utf-8-sig")


@lru_cache(maxsize=None)
def mythes(lang: str) -> MyThes | None:
    """The installed thesaurus for ``lang`` (``th_<lang>_*_v2.dat`` or ``thes_<lang>.dat``), or None."""
    root = mythes_dir()
    if not root.is_dir():
        return None
    preferred = {"en": "th_en_US_v2.dat", "de": "th_de_DE_v2.dat", "es": "th_es_ES_v2.dat", "ar": "th_ar_EG_v2.dat"}
    cands = [root / preferred[lang]] if lang in preferred else []
    cands += sorted(root.glob(f"th_{lang}_*_v2.dat")) + sorted(root.glob(f"thes_{lang}.dat"))
    for dat in cands:
        if dat.exists() and dat.with_suffix(".idx").exists():
            return MyThes(dat.resolve())
    return None

