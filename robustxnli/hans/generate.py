"""HANS-style challenge sets in many languages, generated from one data file per language.

McCoy, Pavlick & Linzen (2019), "Right for the Wrong Reasons: Diagnosing Syntactic Heuristics in Natural Language
Inference" (HANS): three heuristics (lexical overlap, subsequence, constituent), each with 5 entailed and 5
non-entailed subcases. Subcase names follow HANS's own (``ln_subject/object_swap``, ``se_PP_on_obj``...); the
prefix gives the heuristic (l/s/c) and the label (n = non-entailment = 1, e = entailment = 0; HANS is two-way).

Adding a language is a matter of data: ``languages/<code>.yaml`` holds its lexicon (with the inflected forms
agreement needs), phrase patterns and the templates of every subcase its grammar allows (see ``grammar.py``).
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..errors import UserError
from .grammar import Grammar

LANG_DIR = Path(__file__).with_name("languages")

HEURISTICS = {"l": "lexical_overlap", "s": "subsequence", "c": "constituent"}
ENTAILED, NON_ENTAILED = 0, 1

# HANS's 30 subcases, in the order of the paper's tables (heuristic x non-entailed / entailed).
HANS_SUBCASES: tuple[str, ...] = (
    "ln_subject/object_swap", "ln_preposition", "ln_relative_clause", "ln_passive", "ln_conjunction",
    "le_relative_clause", "le_around_prepositional_phrase", "le_around_relative_clause", "le_conjunction",
    "le_passive",
    "sn_NP/S", "sn_PP_on_subject", "sn_relative_clause_on_subject", "sn_past_participle", "sn_NP/Z",
    "se_conjunction", "se_adjective", "se_understood_object", "se_relative_clause_on_obj", "se_PP_on_obj",
    "cn_embedded_under_if", "cn_after_if_clause", "cn_embedded_under_verb", "cn_disjunction", "cn_adverb",
    "ce_embedded_under_since", "ce_after_since_clause", "ce_embedded_under_verb", "ce_conjunction", "ce_adverb",
)


def heuristic_of(subcase: str) -> str:
    return HEURISTICS[subcase[0]]


def label_of(subcase: str) -> int:
    return NON_ENTAILED if subcase[1] == "n" else ENTAILED


class LanguageSpec:
    """One language's data file: grammar + templates per subcase (+ notes on what its grammar rules out)."""

    def __init__(self, data: dict[str, Any], source: str = "<dict>"):
        self.lang: str = data["lang"]
        self.source = source
        self.grammar = Grammar(data.get("lexicon", {}), data.get("phrases"))
        self.not_covered: dict[str, str] = dict(data.get("not_covered") or {})
        self.subcases: dict[str, list[dict[str, Any]]] = {}
        for name, templates in (data.get("subcases") or {}).items():
            if name not in HANS_SUBCASES:
                raise ValueError(f"{source}: unknown subcase {name!r} (HANS names: {', '.join(HANS_SUBCASES)})")
            self.subcases[name] = [templates] if isinstance(templates, dict) else list(templates)

    def covered(self) -> list[str]:
        return [s for s in HANS_SUBCASES if s in self.subcases]

    def example(self, subcase: str, rng: random.Random) -> tuple[str, str]:
        templates = self.subcases[subcase]
        weights = [float(t.get("weight", 1.0)) for t in templates]
        t = rng.choices(templates, weights=weights)[0]
        filled = self.grammar.sample([t["p"], t["h"]], rng, t.get("where"))
        return self.grammar.render(t["p"], filled), self.grammar.render(t["h"], filled)


def available_languages() -> list[str]:
    return sorted(p.stem for p in LANG_DIR.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def load_language(lang: str) -> LanguageSpec:
    path = LANG_DIR / f"{lang}.yaml"
    if not path.exists():
        raise UserError(f"no HANS-style data for language {lang!r}; available: {', '.join(available_languages())}")
    with open(path, encoding="utf-8") as f:
        return LanguageSpec(yaml.safe_load(f), str(path))


def covered_subcases(lang: str | None = None) -> dict[str, list[str]] | list[str]:
    """Subcases a language's data covers (all languages -> {lang: [subcases]} when ``lang`` is None)."""
    if lang is not None:
        return load_language(lang).covered()
    return {code: load_language(code).covered() for code in available_languages()}


def generate(lang: str, n_per_subcase: int = 1000, seed: int = 0,
             subcases: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Deterministic HANS-style rows for ``lang``: ``n_per_subcase`` per covered subcase.

    Each subcase draws from its own ``random.Random`` seeded with (seed, lang, subcase), so adding a subcase or a
    language never changes the others. Duplicate pairs are re-drawn a few times (small lexicons can repeat)."""
    spec = load_language(lang)
    names = list(subcases) if subcases is not None else spec.covered()
    rows: list[dict[str, Any]] = []
    for sub in names:
        if sub not in spec.subcases:
            raise UserError(f"subcase {sub!r} is not covered for {lang}; covered: {', '.join(spec.covered())}")
        rng = random.Random(f"hans:{seed}:{lang}:{sub}")
        seen: set[tuple[str, str]] = set()
        for i in range(n_per_subcase):
            for _ in range(20):
                pair = spec.example(sub, rng)
                if pair not in seen:
                    break
            seen.add(pair)
            rows.append({"id": f"hans-{lang}-{sub}-{i:04d}", "premise": pair[0], "hypothesis": pair[1],
                         "label": label_of(sub), "heuristic": heuristic_of(sub), "subcase": sub, "lang": lang})
    return rows


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def coverage_markdown(langs: Iterable[str] | None = None) -> str:
    """The covered-subcase table (Markdown) that robustxnli/hans/README.md shows; a test keeps them in sync."""
    covered = covered_subcases()
    langs = list(langs) if langs is not None else sorted(covered, key=lambda c: (c != "en", c))
    lines = ["| subcase | label | " + " | ".join(langs) + " |", "|---|---|" + "---|" * len(langs)]
    for sub in HANS_SUBCASES:
        marks = " | ".join("✓" if sub in covered[code] else "·" for code in langs)
        lines.append(f"| `{sub}` | {'non-ent' if label_of(sub) else 'ent'} | {marks} |")
    lines.append("| **total** | | " + " | ".join(str(len(covered[code])) for code in langs) + " |")
    return "\n".join(lines)
