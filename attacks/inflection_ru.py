"""Russian inflection for thesaurus synonyms: MyThes lists lemmas, running text has inflected words.

The Russian thesaurus is indexed by lemma, so an inflected word (самолета, матери) found no synonyms and only
words already in their dictionary form could be swapped (issue 12 audit: 2 successes in 218 attacked
pairs). :func:`inflected_synonyms` looks the word's lemma up (pymorphy3's most likely parse) and gives each
synonym the word's case, number, gender, person, tense and mood (самолета -> аэроплана); a synonym pymorphy3
cannot inflect that way, or of another part of speech, is left out. The label-preserving morphology check
still compares the result with the original.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

# the grammemes a synonym takes over from the word it replaces, per part of speech (a noun's gender is its own)
INFLECTED = {"NOUN": ("case", "number"), "ADJF": ("case", "number", "gender", "animacy"),
             "ADJS": ("number", "gender"), "PRTF": ("case", "number", "gender", "animacy"),
             "VERB": ("tense", "person", "number", "gender", "mood")}


@lru_cache(maxsize=1)
def analyser() -> Any:
    """pymorphy3's analyser, or None where it is not installed."""
    try:
        import pymorphy3
    except ImportError:
        return None
    return pymorphy3.MorphAnalyzer()


def inflect_like(lemma: str, parse: Any) -> str | None:
    """The synonym ``lemma`` in the grammatical form of ``parse`` (the replaced word's analysis), or None."""
    morph = analyser()
    same_pos = [p for p in morph.parse(lemma) if p.tag.POS == parse.tag.POS and p.normal_form == lemma]
    if not same_pos:
        return None
    grammemes = {g for g in (getattr(parse.tag, name) for name in INFLECTED[parse.tag.POS]) if g}
    form = same_pos[0].inflect(grammemes)
    return form.word if form is not None else None


def inflected_synonyms(word: str, synonyms_of_lemma: Callable[[str], list[str]]) -> list[str]:
    """Synonyms of an inflected Russian ``word``, inflected like it; [] for a word in its dictionary form (its
    own lookup finds those) or without pymorphy3."""
    morph = analyser()
    if morph is None:
        return []
    parse = morph.parse(word.lower())[0]
    if parse.normal_form == word.lower() or parse.tag.POS not in INFLECTED:
        return []
    out: list[str] = []
    for syn in synonyms_of_lemma(parse.normal_form):
        form = inflect_like(syn, parse) if " " not in syn else None
        if form and form != word.lower() and form not in out:
            out.append(form)
    return out
