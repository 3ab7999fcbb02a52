"""Lexical-inference contrast sets: premise and hypothesis differ in one word (Glockner, Shwartz & Goldberg 2018,
"Breaking NLI Systems with Sentences that Require Simple Lexical Inferences", ACL; in the stress-test spirit of
Naik et al. 2018, COLING).

* **co-hyponyms** from a closed category (colours, countries, numbers, planets...) and **antonyms** ->
  contradiction (label 2): the two sentences describe the same scene with two values of a single-valued attribute,
  the SNLI convention Glockner et al. follow;
* **synonyms** (either order) and **hypernyms** (specific word in the premise, the general one in the
  hypothesis, in an upward-monotone position: a positive episodic sentence with an indefinite) -> entailment (0).

Labels are XNLI ids (0 entailment, 2 contradiction), so a 3-way model is scored as is. Everything language-specific
is data (``languages/<code>.yaml``); agreement reuses the HANS-style grammar (``robustxnli.hans.grammar``): the
swapped word is slot ``{X}`` (``{X:form@noun1}`` reads a form / agrees with a filled slot), other slots are filled
from the language's lexicon. Generation is deterministic: category ``c`` of language ``l`` draws from
``random.Random("contrast:<seed>:<l>:<c>")`` and never repeats a pair, so counts are capped by the category's
distinct pairs.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..constants import parse_covered_langs
from ..errors import UserError
from ..hans.grammar import Entry, Grammar, GrammarError

LANG_DIR = Path(__file__).with_name("languages")
ENTAILMENT, CONTRADICTION = 0, 2
RELATIONS = {"co-hyponym": CONTRADICTION, "antonym": CONTRADICTION, "synonym": ENTAILMENT, "hypernym": ENTAILMENT}
# The categories of the issue, in table order (a language may leave some out, with its reason).
CATEGORIES = ("colour", "country", "nationality", "number", "ordinal", "day", "month", "material", "room",
              "instrument", "vegetable", "planet", "antonym", "synonym", "hypernym")
X_RE = re.compile(r"\{X(?::[^{}]*)?\}")


def _word(raw: Any) -> Entry:
    """A swapped word: a string, or a table of forms (agreement keys like m.sg / f.sg, or named forms)."""
    if isinstance(raw, str):
        return Entry(raw, frozenset(), raw)
    if isinstance(raw, dict):
        forms = {k: v for k, v in raw.items() if k != "feats"}
        lemma = forms.get("w") if isinstance(forms.get("w"), str) else str(next(iter(forms.values())))
        return Entry(forms, frozenset(raw.get("feats", [])), str(lemma))
    raise GrammarError(f"bad contrast word {raw!r} (quote words YAML 1.1 reads as booleans or numbers: \"on\", \"no\")")


@dataclass
class Category:
    name: str
    relation: str
    templates: list[str]
    words: list[Entry]  # co-hyponyms: any two distinct words
    pairs: list[tuple[str | None, Entry, Entry]]  # (own template or None, premise word, hypothesis word)

    @property
    def label(self) -> int:
        return RELATIONS[self.relation]


class ContrastSpec:
    def __init__(self, data: dict[str, Any], source: str = "<dict>"):
        self.lang: str = data["lang"]
        self.grammar = Grammar(data.get("lexicon") or {})
        self.not_covered: dict[str, str] = dict(data.get("not_covered") or {})
        self.categories: dict[str, Category] = {}
        for name, raw in (data.get("categories") or {}).items():
            if name not in CATEGORIES:
                raise ValueError(f"{source}: unknown category {name!r} (known: {', '.join(CATEGORIES)})")
            rel = raw.get("relation")
            if rel not in RELATIONS:
                raise ValueError(f"{source}: {name}: relation must be one of {', '.join(RELATIONS)}")
            templates = [raw["templates"]] if isinstance(raw.get("templates"), str) else list(raw.get("templates") or [])
            pairs = []
            for p in raw.get("pairs") or []:
                if len(p) == 3:
                    pairs.append((p[0], _word(p[1]), _word(p[2])))
                elif len(p) == 2:
                    pairs.append((None, _word(p[0]), _word(p[1])))
                else:
                    raise ValueError(f"{source}: {name}: a pair is [a, b] or [template, a, b], got {p!r}")
            words = [_word(w) for w in raw.get("words") or []]
            if rel == "co-hyponym" and len(words) < 2:
                raise ValueError(f"{source}: {name}: a co-hyponym category needs at least 2 words")
            if rel != "co-hyponym" and not pairs:
                raise ValueError(f"{source}: {name}: a {rel} category needs pairs")
            if any(t is None for t, _, _ in pairs) or words:
                if not templates:
                    raise ValueError(f"{source}: {name}: needs templates with an {{X}} slot")
            for t in templates + [t for t, _, _ in pairs if t]:
                if not X_RE.search(t):
                    raise ValueError(f"{source}: {name}: template without an {{X}} slot: {t!r}")
            self.categories[name] = Category(name, rel, templates, words, pairs)

    def covered(self) -> list[str]:
        return [c for c in CATEGORIES if c in self.categories]

    def example(self, cat: Category, rng: random.Random) -> tuple[str, str, str, str]:
        """(premise, hypothesis, premise word, hypothesis word)."""
        if cat.relation == "co-hyponym":
            a, b = rng.sample(cat.words, 2)
            template = rng.choice(cat.templates)
        else:
            own, a, b = rng.choice(cat.pairs)
            template = own or rng.choice(cat.templates)
            if cat.relation in ("synonym", "antonym") and rng.random() < 0.5:
                a, b = b, a  # symmetric relations: both directions
        filled = self.grammar.sample([X_RE.sub("", template)], rng)
        p = self.grammar.render(template, {**filled, "X": a})
        h = self.grammar.render(template, {**filled, "X": b})
        return p, h, a.lemma, b.lemma


def available_languages() -> list[str]:
    return sorted(p.stem for p in LANG_DIR.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def load_language(lang: str) -> ContrastSpec:
    path = LANG_DIR / f"{lang}.yaml"
    if not path.exists():
        raise UserError(f"no contrast-set data for language {lang!r}; available: {', '.join(available_languages())}")
    with open(path, encoding="utf-8") as f:
        return ContrastSpec(yaml.safe_load(f), str(path))


def parse_contrast_langs(langs: str | list[str] | tuple[str, ...]) -> list[str]:
    """'de', 'de,ru', a list, or 'all-covered'."""
    return parse_covered_langs(langs, available_languages(), "contrast-set data")


def generate(lang: str, n_per_category: int = 100, seed: int = 0,
             categories: list[str] | None = None) -> list[dict[str, Any]]:
    """Up to ``n_per_category`` distinct pairs per category (fewer when the category has fewer distinct pairs)."""
    spec = load_language(lang)
    names = categories or spec.covered()
    rows: list[dict[str, Any]] = []
    for name in names:
        if name not in spec.categories:
            raise UserError(f"category {name!r} is not covered for {lang}; covered: {', '.join(spec.covered())}")
        cat = spec.categories[name]
        rng = random.Random(f"contrast:{seed}:{lang}:{name}")
        seen: set[tuple[str, str]] = set()
        misses = 0
        while len(seen) < n_per_category and misses < 50 * n_per_category:
            p, h, a, b = spec.example(cat, rng)
            if (p, h) in seen or p == h:
                misses += 1
                continue
            seen.add((p, h))
            rows.append({"id": f"contrast-{lang}-{name}-{len(seen) - 1:04d}", "premise": p, "hypothesis": h,
                         "label": cat.label, "category": name, "relation": cat.relation, "swap": [a, b],
                         "lang": lang})
    return rows


def category_counts(lang: str, n_per_category: int = 100, seed: int = 0) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in generate(lang, n_per_category, seed):
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    return counts
