"""Public lookups over every source present: synonym and translation sources, ranking, pivoting."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from robustxnli.constants import XNLI_LANGS

from .cedict import cedict_entries, cedict_lookup_en, cedict_zh_en
from .cilin import cilin_synonyms_table
from .common import ISO3, _unique, fit_language
from .freedict import DictdDictionary, MAX_INVERT_INDEX_BYTES, NOT_INVERTIBLE, freedict
from .mythes import mythes
from .user import _tsv_lookup, user_lexicons
from .wordnet import wordnet, wordnet_synonyms


# Public lookups ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One usable lexical resource: what it is, for which direction, and how to query it."""

    name: str
    licence: str
    lookup: Callable[[str], list[str]]


def synonym_sources(lang: str, lexicon: str | Iterable[str] | None = None, max_senses: int | None = None
                    ) -> list[Source]:
    """Synonym resources present on this machine for ``lang`` (best first); ``max_senses`` limits WordNet and
    MyThes to their first senses per part of speech."""
    out: list[Source] = []
    user = user_lexicons(lexicon).get((lang, lang))
    if user:
        out.append(Source(f"user TSV ({', '.join(p.name for p in user)})", "user", lambda w, u=user: _tsv_lookup(u, w)))
    if lang == "en" and wordnet() is not None:
        out.append(Source("Princeton WordNet 3.0", "WordNet 3.0 licence",
                          lambda w: wordnet_synonyms(w, max_senses)))
    thes = mythes(lang)
    if thes is not None:
        out.append(Source(f"MyThes {thes.dat.name}", "LGPL/GPL (Debian mythes-" + lang + ")",
                          lambda w, t=thes: t.lookup(w, max_senses)))
    if lang == "zh" and cilin_synonyms_table() is not None:
        table = cilin_synonyms_table()
        out.append(Source("HIT Tongyici Cilin (extended)", "research use (HIT-SCIR)", lambda w: list(table.get(w, []))))
    return out


def synonyms(word: str, lang: str, lexicon: str | Iterable[str] | None = None, max_senses: int | None = None
             ) -> list[str]:
    """Synonyms of ``word`` from every available source for ``lang``, de-duplicated, in source order (WordNet
    and the thesauri list the commonest sense first; re-ranking by word frequency surfaced rare senses)."""
    out: list[str] = []
    for source in synonym_sources(lang, lexicon, max_senses):
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


def translations(word: str, src: str, tgt: str, lexicon: str | Iterable[str] | None = None,
                 pivot: str | None = "en", max_pivot: int = 3, round_trip: bool = False) -> list[str]:
    """Translations of ``word`` from ``src`` into ``tgt``: direct sources first; when none gives anything and a
    ``pivot`` is set, through the pivot language (first ``max_pivot`` pivot words), as Tan & Joty (2021) do
    for pairs without a bilingual dictionary. Ranked: translations the reverse dictionary maps back to ``word``
    first, then common words first (:func:`word_score`). With ``round_trip``, only translations whose own
    translations back into ``src`` (same sources and pivot) give ``word`` again are kept: a pivot through an
    ambiguous English word (从事 -> 'go in for' -> gehen) does not survive the way back."""
    if round_trip:
        found = translations(word, src, tgt, lexicon, pivot, max_pivot)
        key = word.lower()
        return [t for t in found
                if key in {w.lower() for w in translations(t, tgt, src, lexicon, pivot, max_pivot)}]
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
