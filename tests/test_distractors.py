"""Naik et al. (2018) distractors: texts for all 15 languages, pure functions, TextAttack transformations that
agree with them, and a distractor recipe run as an attack on the tiny model."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from robustxnli.attacks.distractors import (KINDS, TRANSFORMATIONS, distract, length_mismatch, negation,
                                            overlap_word, tautology, texts, word_overlap)
from robustxnli.constants import XNLI_LANGS


@pytest.mark.parametrize("lang", XNLI_LANGS)
def test_texts_for_every_language(lang):
    t = texts(lang)
    assert t["tautology"] and t["negation"] and t["overlap"].count("{w}") == 2
    assert t["tautology"] != t["negation"]


def test_pure_functions_english():
    p, h = "A man sleeps on the sofa.", "The man is sleeping."
    assert tautology(p, h, "en") == (p, "The man is sleeping and true is true.")
    assert negation(p, h, "en") == (p, "The man is sleeping and false is not true.")
    assert length_mismatch(p, h, "en") == ("A man sleeps on the sofa" + " and true is true" * 5 + ".", h)
    assert overlap_word(p, h, "en") == "sleeps"  # longest non-stopword absent from the hypothesis
    assert word_overlap(p, h, "en") == (p, "The man is sleeping and sleeps is sleeps.")


def test_pure_functions_other_scripts():
    assert tautology("他睡了。", "他在睡觉。", "zh")[1] == "他在睡觉，而且真就是真。"
    assert negation("आदमी सो रहा है।", "आदमी सो गया।", "hi")[1] == "आदमी सो गया और असत्य सत्य नहीं है।"
    assert tautology("الرجل نائم.", "الرجل ينام.", "ar")[1] == "الرجل ينام والصحيح صحيح."
    assert distract("length", "", "x", "de") == ("", "x")  # nothing to append to


@pytest.mark.parametrize("lang", XNLI_LANGS)
def test_transformations_match_pure_functions_on_xnli(lang, data_dir):
    from textattack.shared import AttackedText

    from robustxnli.attacks.text import patch_textattack
    from robustxnli.data import load_nli

    patch_textattack()
    for ex in load_nli("xnli", "dev", lang, data_dir=str(data_dir), limit=6):
        text = AttackedText(OrderedDict(premise=ex.premise, hypothesis=ex.hypothesis))
        for kind in KINDS:
            out = TRANSFORMATIONS[kind](lang)(text)
            assert len(out) == 1
            assert tuple(out[0]._text_input.values()) == distract(kind, ex.premise, ex.hypothesis, lang)
            assert out[0].attack_attrs["modified_indices"]
            assert TRANSFORMATIONS[kind](lang)(out[0]) == []  # applied once only


def test_distractor_recipes_through_the_attack_runner(tmp_path, tiny_model_dir, data_dir):
    from robustxnli.attacking.runner import attack_run
    from robustxnli.errors import UserError
    from robustxnli.models import load_classifier
    from robustxnli.rundir import RunDir

    clf = load_classifier(str(tiny_model_dir))
    for name, kind, perturb in (("distractor-tautology", "tautology", "hypothesis"),
                                ("distractor-length", "length", "premise")):
        out = tmp_path / name
        summary = attack_run(clf, "de", name, limit=4, perturb=perturb, out=out, data_dir=data_dir, progress=False)
        assert summary["n"] == 4
        records = RunDir(out).read_records()
        assert RunDir(out).manifest()["recipe"] == name
        assert any(r["status"] != "skipped" for r in records)
        for r in records:
            if r["status"] != "skipped":  # the model was right on the clean pair; the distractor was applied
                assert (r["adv_premise"], r["adv_hypothesis"]) == distract(kind, r["premise"], r["hypothesis"], "de")
                assert r["words_changed"] > 0
    with pytest.raises(UserError, match="--perturb premise"):
        attack_run(clf, "de", "distractor-length", limit=1, perturb="hypothesis", out=tmp_path / "bad",
                   data_dir=data_dir, progress=False)
    # without --perturb it takes its own columns (the premise, as `recipes list` says) instead of refusing
    assert attack_run(clf, "de", "distractor-length", limit=1, out=tmp_path / "default", data_dir=data_dir,
                      progress=False)["n"] == 1
    assert RunDir(tmp_path / "default").manifest()["perturb"] == "premise"


def test_a_recipe_refusing_the_columns_stops_the_command_before_any_run(tmp_path, tiny_model_dir, data_dir):
    """`attack --recipe charnoise --recipe distractor-length --perturb hypothesis` used to run the charnoise cell
    and only then stop at the distractor; every recipe is now built with the columns first."""
    from test_bad_input import run_cli

    out = tmp_path / "runs"
    r = run_cli(["attack", "--model", str(tiny_model_dir), "--lang", "de", "--limit", "2", "--data-dir",
                 str(data_dir), "--recipe", "charnoise", "--recipe", "distractor-length", "--perturb", "hypothesis",
                 "--out", str(out)])
    assert r.returncode == 2 and "appends to the premise: run it with --perturb premise" in r.stderr, r.stderr
    assert not out.exists()
