"""English inflection for WordNet synonyms: WordNet lists base forms, running text has inflected words.

Replacing ``told`` by the lemma ``say`` makes the hypothesis ungrammatical, and leaving inflected words out loses
most verbs and plural nouns. :func:`inflection_class` names how a word is inflected for a part of speech (``base``,
``plural``/``3sg`` (-s), ``past`` (-ed or irregular), ``ing``); :func:`inflect_like` gives a synonym's base form the
original's inflection, from WordNet's own morphology (``morphy`` and the exception lists ``verb.exc``/``noun.exc``
read backwards) plus the regular English spelling rules, keeping only forms that ``morphy`` maps back to the base
and that wordfreq knows as a common word. Irregular forms are used only when unambiguous (``say`` -> ``said``;
``give`` -> ``gave``/``given`` is skipped: past tense and participle cannot be told apart without a tagger).
"""

from __future__ import annotations

from functools import lru_cache

POS = ("n", "v")


def _wn():
    from .lexicons import wordnet

    return wordnet()


@lru_cache(maxsize=2)
def _irregular_forms(pos: str) -> dict[str, tuple[str, ...]]:
    """base -> its irregular inflected forms (WordNet's exception list read backwards)."""
    out: dict[str, list[str]] = {}
    for form, bases in _wn()._exception_map[pos].items():
        for base in bases:
            if form != base:
                out.setdefault(base, []).append(form)
    return {k: tuple(v) for k, v in out.items()}


def inflection_class(word: str, pos: str) -> str | None:
    """How ``word`` is inflected as part of speech ``pos`` (n/v): base | s | past | ing; None when WordNet does
    not know it as that part of speech."""
    wn = _wn()
    w = word.lower()
    if wn is None or " " in w:
        return None
    base = wn.morphy(w, pos)
    if base is None:
        return None
    if base == w:
        return "base"
    if w in wn._exception_map[pos]:
        return "s" if pos == "n" else ("ing" if w.endswith("ing") else "past")
    if w.endswith("ing"):
        return "ing"
    if w.endswith("ed") or w.endswith("d"):
        return "past"
    if w.endswith("s"):
        return "s"
    return None


def _regular(base: str, cls: str) -> list[str]:
    b = base
    if cls == "s":
        return [b + "s", b + "es", b[:-1] + "ies"]
    if cls == "past":
        return [b + "ed", b + "d", b[:-1] + "ied", b + b[-1:] + "ed"]
    if cls == "ing":
        return [b + "ing", b[:-1] + "ing", b + b[-1:] + "ing"]
    return [b]


@lru_cache(maxsize=1 << 15)
def inflect_like(base: str, original: str, pos: str) -> str | None:
    """``base`` (a WordNet lemma) inflected as ``original`` is for ``pos``; None when no common form fits."""
    from .validity import zipf

    wn = _wn()
    cls = inflection_class(original, pos)
    if wn is None or cls is None or " " in base or "_" in base:
        return None
    if cls == "base":
        return base if wn.morphy(base, pos) == base else None
    irregular = [f for f in _irregular_forms(pos).get(base, ()) if inflection_class(f, pos) == cls]
    if irregular:
        return irregular[0] if len(irregular) == 1 else None
    for form in _regular(base, cls):
        if form != base and wn.morphy(form, pos) == base and inflection_class(form, pos) == cls \
                and zipf(form, "en") >= 2.5:
            return form
    return None


def inflected_synonyms(word: str, synonyms_of_lemma) -> list[str]:
    """Synonyms of an inflected ``word`` (``told``) given the same inflection (``said``, ``stated``):
    ``synonyms_of_lemma(lemma)`` lists base-form synonyms; only nouns and verbs are inflected."""
    wn = _wn()
    if wn is None:
        return []
    out: list[str] = []
    for pos in POS:
        cls = inflection_class(word, pos)
        if cls in (None, "base"):
            continue
        lemma = wn.morphy(word.lower(), pos)
        for syn in synonyms_of_lemma(lemma):
            form = inflect_like(syn.replace(" ", "_"), word, pos)
            if form and form not in out:
                out.append(form)
    return out
