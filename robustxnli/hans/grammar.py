"""A small template grammar: lexicons and templates are data (one YAML file per language), agreement is a table
lookup, never string surgery.

Lexicon entries
  * ``"word"``                         invariant word.
  * ``{g: m, sg: {...}, pl: {...}}``   a noun (only these keys): one entry per number, features {m, sg} / {m, pl};
                                       ``sg``/``pl`` hold a string or a table of case forms (``nom``, ``acc``...).
  * ``{feats: [...], <form>: ...}``     anything else: every key except ``feats`` is a form (or an attribute).
  * phrase categories (``phrases:``) combine parts, e.g. a VP = an intransitive verb, or a transitive verb plus an
    object noun; their extra keys are attributes templates can read (e.g. the subject case a VP requires).
Form tables nest by form name first (``past``, ``acc``...), then by agreement key: dot-joined features such as
``m.sg``, ``pl`` or ``*``. The most specific key whose features the controller has wins.

Template slots
  ``{cat1}``, ``{cat1:path}``, ``{cat1:path@ctrl}``
  * ``cat1`` is a slot of category ``cat`` (trailing digits name distinct fillers); ``vp1.V`` is a part of a phrase.
  * ``path`` is dot-separated form names; a segment ``$slot/attr`` is read from another slot (verb governance,
    e.g. ``{noun2:$tverb1/obj}``; the subject case a VP needs, ``{noun1:$vp1/subj}``).
  * ``@ctrl`` picks the agreement variant from the features of slot ``ctrl`` or of a literal ``[pl.m]``;
    ``@ctrl|sg`` keeps the controller's gender but overrides its number (Arabic verb-first clauses).
  A part a phrase does not have (the object of an intransitive VP) renders as nothing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

SLOT_RE = re.compile(r"\{([^{}]+)\}")
NUMBERS = frozenset({"sg", "du", "pl"})
NOUN_KEYS = frozenset({"g", "sg", "pl"})


class GrammarError(ValueError):
    """A template or lexicon that cannot produce a well-formed sentence (missing form, unknown slot...)."""


@dataclass(frozen=True)
class Entry:
    forms: Any  # str or nested dict
    feats: frozenset[str] = frozenset()
    lemma: str = ""


@dataclass(frozen=True)
class Phrase:
    """One pattern of a phrase category: named parts (``V`` -> category) and attributes."""

    parts: dict[str, str]
    attrs: dict[str, Any] = field(default_factory=dict)


def expand_entry(raw: Any) -> list[Entry]:
    if isinstance(raw, str):
        return [Entry(raw, frozenset(), raw)]
    if not isinstance(raw, dict):
        raise GrammarError(f"bad lexicon entry {raw!r}")
    raw = dict(raw)
    feats = raw.pop("feats", [])
    feats = set([feats] if isinstance(feats, str) else feats)
    if raw and set(raw) <= NOUN_KEYS and ("sg" in raw or "pl" in raw):  # a noun
        gender = raw.pop("g", None)
        lemma = _first_string(raw.get("sg", raw.get("pl")))
        out = []
        for number in ("sg", "pl"):
            if number in raw:
                f = feats | {number} | ({gender} if gender else set())
                out.append(Entry(raw[number], frozenset(f), lemma))
        return out
    return [Entry(raw, frozenset(feats), _first_string(raw))]


def _first_string(v: Any) -> str:
    while isinstance(v, dict):
        v = next(iter(v.values()))
    return str(v)


def agree(table: dict[str, Any], feats: frozenset[str] | set[str]) -> Any:
    """Pick the most specific agreement key (``m.sg``, ``pl``, ``*``) all of whose features ``feats`` has."""
    best, best_n = None, -1
    for key, value in table.items():
        parts = set() if key == "*" else set(key.split("."))
        if parts <= feats and len(parts) > best_n:
            best, best_n = value, len(parts)
    if best_n < 0:
        raise GrammarError(f"no agreement variant for features {sorted(feats)} among {sorted(table)}")
    return best


class Grammar:
    """A language's lexicon (categories of entries) and phrase categories."""

    def __init__(self, lexicon: dict[str, list[Any]], phrases: dict[str, list[dict[str, Any]]] | None = None):
        self.categories: dict[str, list[Entry]] = {
            cat: [e for raw in entries for e in expand_entry(raw)] for cat, entries in lexicon.items()
        }
        self.phrases: dict[str, list[Phrase]] = {}
        for cat, patterns in (phrases or {}).items():
            self.phrases[cat] = [Phrase(dict(p["parts"]), {k: v for k, v in p.items() if k != "parts"})
                                 for p in patterns]

    # sampling ---------------------------------------------------------------------------------------------------
    def sample(self, templates: list[str], rng: random.Random, where: dict[str, str] | None = None
               ) -> dict[str, Entry | Phrase | None]:
        """Fill every slot named in ``templates`` once; fillers of one category are distinct lemmas."""
        where = where or {}
        names: list[str] = []
        for t in templates:
            for m in SLOT_RE.finditer(t):
                spec = m.group(1)
                for name in _slot_names(spec):
                    if name not in names:
                        names.append(name)
        filled: dict[str, Entry | Phrase | None] = {}
        used: dict[str, set[str]] = {}
        for name in names:
            top = name.split(".")[0]
            if top in filled:
                continue
            cat = re.sub(r"\d+$", "", top)
            if cat in self.phrases:
                phrase = rng.choice(self.phrases[cat])
                filled[top] = phrase
                for part, part_cat in phrase.parts.items():
                    filled[f"{top}.{part}"] = self._pick(part_cat, rng, used, None)
            else:
                filled[top] = self._pick(cat, rng, used, where.get(top))
        return filled

    def _pick(self, cat: str, rng: random.Random, used: dict[str, set[str]], feat: str | None) -> Entry:
        if cat not in self.categories:
            raise GrammarError(f"unknown lexicon category {cat!r}")
        pool = [e for e in self.categories[cat] if e.lemma not in used.get(cat, set())]
        if feat:
            pool = [e for e in pool if set(feat.split(".")) <= e.feats]
        if not pool:
            raise GrammarError(f"category {cat!r} has too few entries{' with ' + feat if feat else ''}")
        entry = rng.choice(pool)
        used.setdefault(cat, set()).add(entry.lemma)
        return entry

    # rendering --------------------------------------------------------------------------------------------------
    def render(self, template: str, filled: dict[str, Entry | Phrase | None]) -> str:
        text = SLOT_RE.sub(lambda m: self._render_slot(m.group(1), filled), template)
        text = re.sub(r"[ \t]+", " ", text).strip()  # a missing phrase part leaves a double space
        text = re.sub(r" +([,.!?;:،。，।۔])", r"\1", text)
        return text[:1].upper() + text[1:]

    def _render_slot(self, spec: str, filled: dict[str, Entry | Phrase | None]) -> str:
        name, _, rest = spec.partition(":")
        path_s, _, ctrl = rest.partition("@")
        if name not in filled:
            if "." in name and name.split(".")[0] in filled:
                return ""  # a part this phrase pattern lacks
            raise GrammarError(f"unfilled slot {name!r}")
        entry = filled[name]
        if isinstance(entry, Phrase):
            raise GrammarError(f"slot {name!r} is a phrase; name one of its parts ({', '.join(entry.parts)})")
        path = [self._attr(seg, filled) if seg.startswith("$") else seg for seg in path_s.split(".") if seg]
        value: Any = entry.forms
        for seg in path:
            if isinstance(value, str):
                break
            if seg not in value:
                raise GrammarError(f"{name} ({entry.lemma}) has no form {seg!r}")
            value = value[seg]
        if isinstance(value, dict):
            if not ctrl:
                raise GrammarError(f"{name} ({entry.lemma}) form {path_s!r} needs an agreement controller")
            value = agree(value, self._feats(ctrl, filled))
        if not isinstance(value, str):
            raise GrammarError(f"{name} ({entry.lemma}) form {path_s!r} is not a string: {value!r}")
        return value

    def _feats(self, ctrl: str, filled: dict[str, Entry | Phrase | None]) -> frozenset[str]:
        if ctrl.startswith("["):
            return frozenset(ctrl.strip("[]").split("."))
        ctrl, _, number = ctrl.partition("|")
        entry = filled.get(ctrl)
        if not isinstance(entry, Entry):
            raise GrammarError(f"agreement controller {ctrl!r} is not a filled word")
        if number:  # number override, e.g. Arabic verb-subject order: gender agreement only, verb singular
            return (entry.feats - NUMBERS) | {number}
        return entry.feats

    def _attr(self, seg: str, filled: dict[str, Entry | Phrase | None]) -> str:
        slot, _, attr = seg[1:].partition("/")
        entry = filled.get(slot)
        if isinstance(entry, Phrase):
            value = entry.attrs.get(attr)
        elif isinstance(entry, Entry) and isinstance(entry.forms, dict):
            value = entry.forms.get(attr)
        else:
            value = None
        if not isinstance(value, str):
            raise GrammarError(f"{seg}: slot {slot!r} has no attribute {attr!r}")
        return value


def _slot_names(spec: str) -> list[str]:
    """Slot names a spec mentions: the slot itself, ``$slot/attr`` references and the ``@ctrl`` controller."""
    name, _, rest = spec.partition(":")
    out = [name]
    path, _, ctrl = rest.partition("@")
    out += [seg[1:].partition("/")[0] for seg in path.split(".") if seg.startswith("$")]
    if ctrl and not ctrl.startswith("["):
        out.append(ctrl.partition("|")[0])
    return out
