"""Connective audit of the HANS-style sets: every connective / clause-embedding word a constituent subcase uses
has a hand judgment in robustxnli/hans/connectives.yaml, and that judgment must agree with the subcase's label.

This is what would have caught "whether or not" / "in case" in English cn_after_if_clause: those connectives leave
the main clause asserted, so a template that lets them into a non-entailed after-clause subcase fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from robustxnli.hans.generate import ENTAILED, available_languages, generate, label_of, load_language
from robustxnli.hans.grammar import SLOT_RE

AUDIT = yaml.safe_load((Path(__file__).resolve().parents[1] / "robustxnli" / "hans" / "connectives.yaml")
                       .read_text(encoding="utf-8"))
LEXICAL = ("ifc", "ifx", "sincec", "nonfact", "fact", "advn", "adve")
# subcase -> (which clause the hypothesis is, literal category used when no lexicon slot carries the connective)
ROLES = {
    "cn_embedded_under_if": ("own", None), "cn_after_if_clause": ("main", None),
    "ce_embedded_under_since": ("own", "since"), "ce_after_since_clause": ("main", "since"),
    "cn_embedded_under_verb": ("own", None), "ce_embedded_under_verb": ("own", None),
    "cn_adverb": ("own", None), "ce_adverb": ("own", None),
    "cn_disjunction": ("own", "disj"), "ce_conjunction": ("own", "conj"),
}
LANGS = available_languages()


def test_every_language_is_audited():
    assert sorted(AUDIT) == LANGS


@pytest.mark.parametrize("lang", LANGS)
def test_every_connective_in_the_lexicon_has_a_judgment(lang):
    grammar = load_language(lang).grammar
    for cat in LEXICAL:
        lemmas = {e.lemma for e in grammar.categories.get(cat, [])}
        missing = lemmas - set(AUDIT[lang].get(cat, {}))
        assert not missing, f"{lang}.{cat}: connectives without an audit judgment: {sorted(missing)}"
        stale = set(AUDIT[lang].get(cat, {})) - lemmas
        assert not stale, f"{lang}.{cat}: audit entries for words the lexicon no longer has: {sorted(stale)}"


@pytest.mark.parametrize("lang", LANGS)
def test_each_template_admits_only_connectives_whose_reading_matches_the_label(lang):
    spec = load_language(lang)
    for sub, (role, literal_cat) in ROLES.items():
        if sub not in spec.subcases:
            continue
        want = label_of(sub) == ENTAILED
        for t in spec.subcases[sub]:
            cats = {re.sub(r"\d+$", "", m.group(1).split(":")[0].split(".")[0]) for m in SLOT_RE.finditer(t["p"])}
            audited = [c for c in cats if c in LEXICAL]
            checked = []
            for cat in audited:
                feat = (t.get("where") or {}).get(f"{cat}1")
                for entry in spec.grammar.categories[cat]:
                    if feat and not set(feat.split(".")) <= entry.feats:
                        continue
                    judged = AUDIT[lang][cat][entry.lemma][role]
                    assert judged == want, (f"{lang} {sub}: {cat} {entry.lemma!r} makes the {role} clause "
                                            f"{'entailed' if judged else 'not entailed'}, but the subcase says "
                                            f"{'entailed' if want else 'not entailed'} ({t['p']})")
                    checked.append(entry.lemma)
            if not audited and literal_cat:
                for word, j in AUDIT[lang].get(literal_cat, {}).items():
                    if word in t["p"]:
                        assert j[role] == want, f"{lang} {sub}: literal {word!r} judged {j[role]}, label says {want}"
                        checked.append(word)
            assert checked, f"{lang} {sub}: template has no audited connective: {t['p']}"


@pytest.mark.parametrize("lang", LANGS)
def test_hand_written_examples_agree_with_the_judgments(lang):
    """Clause connectives (if / since families) carry one hand-written example each, showing the decisive reading:
    the main clause for conditionals, the connective's own clause for the since family."""
    for cat, words in AUDIT[lang].items():
        for word, j in words.items():
            if cat in ("ifc", "ifx", "sincec", "since", "disj", "conj") and lang in ("en", "de", "ru", "zh", "ar"):
                assert "ex" in j, f"{lang}.{cat}.{word}: no hand-written example"
            if "ex" not in j:
                continue
            ex = j["ex"]
            assert word.strip(" ,").lower() in ex.lower(), f"{lang}.{cat}.{word}: example does not use it: {ex}"
            role = "main" if cat in ("ifc", "ifx") else "own"
            sign = "⊨" if j[role] else "⊭"
            assert sign in ex, f"{lang}.{cat}.{word}: example {ex!r} contradicts judgment {role}={j[role]}"


def test_english_after_if_clause_uses_only_if_and_unless():
    rows = generate("en", 200, seed=0, subcases=["cn_after_if_clause"])
    starts = {r["premise"].split()[0] for r in rows}
    assert starts == {"If", "Unless"}
    assert all(r["label"] == 1 for r in rows)
    # the non-conditional embedders still serve cn_embedded_under_if, where their own clause is unasserted
    emb = generate("en", 200, seed=0, subcases=["cn_embedded_under_if"])
    assert any(r["premise"].startswith("Whether or not") for r in emb)
    assert any(r["premise"].startswith("In case") for r in emb)


def test_german_after_if_clause_has_no_precautionary_fuer_den_fall():
    rows = generate("de", 200, seed=0, subcases=["cn_after_if_clause"])
    assert not any("für den Fall" in r["premise"].lower() for r in rows)
