"""FreeDict bilingual dictionaries (Debian dict-freedict-*): dictd index + dictzip reader."""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from functools import lru_cache
from pathlib import Path

from .common import ISO3, _clean_items, _json_cached, _unique, dictd_dir, fit_language


# dictd / FreeDict ---------------------------------------------------------------------------------------------
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def dictd_number(text: str) -> int:
    """dictd's base64 numerals ('BAK3S' -> byte offset), most significant digit first."""
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


class DictZip:
    """Random access into a dictzip file (gzip whose FEXTRA 'RA' field lists compressed chunk sizes; each chunk
    is a raw-deflate block ending in a full flush, so it inflates on its own). Plain gzip falls back to a full
    decompression."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._plain: bytes | None = None
        self.chunk_len, self.offsets = self._read_header()

    def _read_header(self) -> tuple[int, list[int]]:
        with self.path.open("rb") as f:
            head = f.read(10)
            if head[:2] != b"\x1f\x8b" or not head[3] & 4:
                return 0, []
            xlen = struct.unpack("<H", f.read(2))[0]
            extra = f.read(xlen)
            pos = 10 + 2 + xlen
            chunk_len, sizes = 0, []
            i = 0
            while i + 4 <= len(extra):
                sid, slen = extra[i : i + 2], struct.unpack("<H", extra[i + 2 : i + 4])[0]
                if sid == b"RA":
                    _, chunk_len, count = struct.unpack("<HHH", extra[i + 4 : i + 10])
                    sizes = list(struct.unpack(f"<{count}H", extra[i + 10 : i + 10 + 2 * count]))
                i += 4 + slen
            flags = head[3]
            f.seek(pos)
            for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
                if flags & flag:
                    while f.read(1) not in (b"\x00", b""):
                        pass
            if flags & 2:
                f.read(2)
            start = f.tell()
        offsets = [start]
        for s in sizes:
            offsets.append(offsets[-1] + s)
        return chunk_len, offsets

    def read(self, offset: int, length: int) -> bytes:
        if not self.chunk_len:
            if self._plain is None:
                self._plain = gzip.decompress(self.path.read_bytes())
            return self._plain[offset : offset + length]
        first, last = offset // self.chunk_len, (offset + length - 1) // self.chunk_len
        out = bytearray()
        with self.path.open("rb") as f:
            for c in range(first, last + 1):
                f.seek(self.offsets[c])
                out += zlib.decompressobj(-15).decompress(f.read(self.offsets[c + 1] - self.offsets[c]))
        skip = offset - first * self.chunk_len
        return bytes(out[skip : skip + length])

_XREF = re.compile(r"^(synonyms?|antonyms?|see( also)?|syn|ant|note|cf)\s*:", re.IGNORECASE)


class DictdDictionary:
    """A FreeDict dictionary: headword -> translations, parsed from each entry's body (first line is the
    headword and pronunciation; example lines, 'see:' cross-references, grammar tags and notes are dropped)."""

    def __init__(self, index: Path, src: str, tgt: str):
        self.index_path = Path(index)
        self.src, self.tgt = src, tgt  # XNLI codes
        self.data = DictZip(self.index_path.with_suffix(".dict.dz"))
        self._index: dict[str, list[str]] | None = None
        self._inverted: dict[str, list[str]] | None = None

    def index(self) -> dict[str, list[str]]:
        """headword -> its raw 'offset<TAB>length' fields (decoded only when looked up: deu-eng has 519k)."""
        if self._index is None:
            idx: dict[str, list[str]] = {}
            with self.index_path.open(encoding="utf-8", errors="replace") as f:
                for line in f:
                    head, sep, where = line.rstrip("\n").partition("\t")
                    if sep and not head.replace("-", "").startswith("00database"):
                        idx.setdefault(head, []).append(where)
            self._index = idx
        return self._index

    def __len__(self) -> int:
        return len(self.index())

    def raw(self, headword: str, whole: bytes | None = None) -> list[str]:
        """Entry bodies of ``headword``; ``whole`` = the decompressed file, for bulk passes."""
        out = []
        for where in self.index().get(headword, ()):
            off, _, length = where.partition("\t")
            start, n = dictd_number(off), dictd_number(length)
            body = whole[start: start + n] if whole is not None else self.data.read(start, n)
            out.append(body.decode("utf-8", errors="replace"))
        return out

    @staticmethod
    def parse(body: str) -> list[str]:
        out = []
        for line in body.splitlines()[1:]:
            s = line.strip()
            if not s or s.startswith('"') or line.startswith("      ") or _XREF.match(s):
                continue
            s = re.sub(r"^\d+\.\s*", "", s)
            out.extend(_clean_items(s))
        return out

    @staticmethod
    def headword(body: str) -> str:
        """The headword as the entry writes it ('Haus /haʊ̯s/ <n>' -> 'Haus'); dictd indexes fold case."""
        first = body.split("\n", 1)[0]
        return re.split(r"\s+[/<\[]", first, maxsplit=1)[0].strip()

    def entries(self, word: str, whole: bytes | None = None) -> list[tuple[str, list[str]]]:
        """[(headword as written, translations in the target language)] for ``word`` (any casing)."""
        keys = self.index()
        for form in dict.fromkeys((word, word.lower(), word[:1].upper() + word[1:].lower())):
            if form in keys:
                return [(self.headword(b), fit_language(self.parse(b), self.tgt)) for b in self.raw(form, whole)]
        return []

    def lookup(self, word: str) -> list[str]:
        """Translations of ``word``; entries whose headword matches ``word``'s case come first, and within them
        translations given by more entries first (so 'Haus' -> 'house' before the [adm.] 'establishment')."""
        entries = self.entries(word)
        counts: dict[str, int] = {}
        for _, ts in entries:
            for t in dict.fromkeys(ts):
                counts[t] = counts.get(t, 0) + 1
        exact = [t for head, ts in entries if head == word for t in ts]
        order = {t: i for i, t in enumerate(dict.fromkeys(exact + [t for _, ts in entries for t in ts]))}
        return sorted((t for t in order if t != word), key=lambda t: (t not in exact, -counts[t], order[t]))

    def inverted(self) -> dict[str, list[str]]:
        """target word -> headwords (as written) whose entries give it (every entry parsed once, cached)."""

        def build() -> dict:
            whole = gzip.decompress(self.data.path.read_bytes())  # one pass beats a chunk per entry
            inv: dict[str, list[str]] = {}
            for key in self.index():
                for head, ts in self.entries(key, whole):
                    for t in ts:
                        inv.setdefault(t, []).append(head)
            return {k: _unique(v) for k, v in inv.items()}

        if self._inverted is None:  # kept: decoding the cached JSON on every lookup cost 0.08 s a word
            self._inverted = _json_cached(f"inverted_{self.index_path.stem}_v2.json", build)
        return self._inverted

# FreeDict ara-eng maps Arabic words to English look-alikes of their transliteration (بيت -> 'Bett', 'Pete';
# ماء -> 'Miaowed'), and eng-ara carries the same pairs the other way round (headword 'Miaowed' -> ماء). So
# ara-eng is not used and eng-ara is used forward only (English headwords give sound translations: book ->
# الكتاب, city -> المدينة) but never inverted. Arabic as a code-mix source needs a user lexicon.
UNRELIABLE_FREEDICT = {("ara", "eng")}
NOT_INVERTIBLE = {("eng", "ara")}
# Inverting a reverse dictionary parses all its entries once; bigger ones are only inverted when no forward exists.
MAX_INVERT_INDEX_BYTES = 4_000_000


@lru_cache(maxsize=None)
def freedict(src: str, tgt: str) -> DictdDictionary | None:
    if src not in ISO3 or tgt not in ISO3 or (ISO3[src], ISO3[tgt]) in UNRELIABLE_FREEDICT:
        return None
    path = dictd_dir() / f"freedict-{ISO3[src]}-{ISO3[tgt]}.index"
    if path.exists() and path.with_suffix(".dict.dz").exists():
        return DictdDictionary(path, src, tgt)
    return None

