"""User TSV lexicons: $ROBUSTXNLI_LEXICONS / a recipe's lexicon option, parsed here and only here."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from robustxnli.constants import XNLI_LANGS

ENV = "ROBUSTXNLI_LEXICONS"


def _items(spec: str | Iterable[str] | None) -> list[str]:
    items: list[str] = []
    for part in [spec] if isinstance(spec, str) else list(spec or []):
        items.extend(p for p in re.split(rf"[,{re.escape(os.pathsep)}]", part) if p.strip())
    return items


def env_pairs() -> list[tuple[str, str]]:
    """(source, target) language pairs declared in $ROBUSTXNLI_LEXICONS, read without opening any file (for the
    languages a recipe advertises at import time; a bad item is reported when the lexicon is used)."""
    out = []
    for item in _items(os.environ.get(ENV, "")):
        src, _, tgt = item.partition("=")[0].strip().partition("-")
        if src and tgt:
            out.append((src, tgt))
    return out


def parse_lexicon_spec(spec: str | Iterable[str] | None) -> dict[tuple[str, str], list[Path]]:
    """'de-en=/a.tsv,hi-hi=/b.tsv' (or a list of such items) -> {(src, tgt): [paths]}."""
    from robustxnli.errors import UserError

    out: dict[tuple[str, str], list[Path]] = {}
    for item in _items(spec):
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
    specs = [s for s in (os.environ.get(ENV),) if s]
    if extra:
        specs.extend([extra] if isinstance(extra, str) else extra)
    return parse_lexicon_spec(specs)


def _tsv_lookup(paths: Iterable[Path], word: str) -> list[str]:
    out = []
    for p in paths:
        table = read_tsv_lexicon(p)
        out.extend(table.get(word, []) or table.get(word.lower(), []))
    return out

