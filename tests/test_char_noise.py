"""Script-aware text handling and character noise (attacks/text.py, keyboards.py, char_noise.py, recipes/charnoise)."""

from __future__ import annotations

import unicodedata
from collections import OrderedDict

import pytest

from robustxnli.attacks import keyboards
from robustxnli.attacks.char_noise import (
    FAMILIES,
    AdjacentSwap,
    CharDeletion,
    CharInsertion,
    DiacriticNoise,
    HomoglyphSubstitution,
    KeyboardSubstitution,
    char_noise,
)
from robustxnli.attacks.text import (
    in_script,
    is_valid_text,
    lang_script,
    patch_textattack,
    segment_words,
    words_from_text,
)
from robustxnli.constants import XNLI_LANGS

patch_textattack()

from textattack.shared import AttackedText  # noqa: E402

FAMILY_CLASSES = (AdjacentSwap, CharDeletion, CharInsertion, KeyboardSubstitution, DiacriticNoise,
                  HomoglyphSubstitution)

# (lang, premise, hypothesis, the word to perturb)
PAIRS = [
    ("de", "Der Mann geht nach Hause.", "Die Müllerin läuft schnell über die Straße.", "läuft"),
    ("ru", "Мужчина идёт домой.", "Этот ёжик очень быстро бежит.", "ёжик"),
    ("zh", "男人回家了。", "他们喜欢吃苹果和香蕉。", "苹果"),
    ("ar", "الرجل يذهب إلى البيت.", "أحمد يقرأ الكتاب الكبير.", "أحمد"),
    ("hi", "आदमी घर जाता है।", "वह किताब पढ़ना पसंद करता है।", "पढ़ना"),
    ("th", "ผู้ชายกลับบ้าน", "ผมไม่ชอบภาษาไทยมากครับ", "ไม่"),
    ("vi", "Người đàn ông về nhà.", "Tôi yêu tiếng Việt lắm.", "tiếng"),
]


def test_words_match_textattack_on_spaced_text_without_marks():
    from textattack.shared.utils.strings import words_from_text as textattack_words

    for text in ["Hello, world! It's a \"test\" -- of e-mail@x.com *stars*", "Der Bär läuft über die Straße.",
                 "Я люблю тебя, мама!", "Tôi yêu tiếng Việt.", "'CCC' don't", "Αυτό είναι ελληνικά;",
                 "我喜欢吃苹果。他不喜欢 iPhone 手机"]:
        assert words_from_text(text) == textattack_words(text), text


def test_segmentation_keeps_marks_and_splits_unspaced_scripts():
    assert segment_words("किताब पढ़ना अच्छा है।", "hi") == ["किताब", "पढ़ना", "अच्छा", "है"]
    assert segment_words("ผมรักภาษาไทยมากครับ", "th") == ["ผม", "รัก", "ภาษาไทย", "มาก", "ครับ"]
    assert segment_words("他们喜欢吃苹果。", "zh") == ["他们", "喜欢", "吃", "苹果"]
    assert segment_words("ہم اردو بولتے ہیں۔", "ur") == ["ہم", "اردو", "بولتے", "ہیں"]
    text = AttackedText(OrderedDict(premise="किताब पढ़ना", hypothesis="ผมรักภาษาไทย"))
    assert text.words_per_input == [["किताब", "पढ़ना"], ["ผม", "รัก", "ภาษาไทย"]]
    assert text.replace_word_at_index(3, "เกลียด").text.endswith("ผมเกลียดภาษาไทย")


def test_is_valid_text():
    assert is_valid_text("Straße") and is_valid_text("पढ़ना") and is_valid_text("a\tb\nc")
    nfd = unicodedata.normalize("NFD", "é")
    for bad in ["", "   ", "...", nfd, "\u0301abc", "a \u093fb", "a\x00b", "\ue000x"]:
        assert not is_valid_text(bad), repr(bad)


def test_keyboard_neighbours_qwertz_and_jcuken():
    de, ru, bg = keyboards.neighbours("de"), keyboards.neighbours("ru"), keyboards.neighbours("bg")
    assert set(de["z"]) == {"t", "u", "g", "h", "j"}  # QWERTZ: z sits between t and u
    assert set(de["y"]) == {"a", "s", "x"}  # and y bottom left
    assert {"p", "ö", "ä"} <= set(de["ü"])
    assert set(ru["к"]) == {"у", "е", "в", "а", "п"}
    assert set(ru["ф"]) == {"й", "ц", "ы", "я"}  # the a position: q w s z
    assert "ы" in ru["ф"] and "ы" not in bg["ф"] and "ы" not in bg  # Bulgarian has no ы
    assert set(keyboards.neighbours("fr")["a"]) >= {"z", "q"}  # AZERTY


def test_us_qwerty_agrees_with_textattack_apart_from_its_two_slips():
    from textattack.transformations import WordSwapQWERTY

    ours = keyboards.neighbours("en")
    theirs = WordSwapQWERTY()._keyboard_adjacency
    differ = {k for k, v in theirs.items() if set(v) != set(ours[k])}
    assert differ == {"a", "g"}  # TextAttack lists a-x (1.5 keys apart) and g-d instead of g-f


@pytest.mark.parametrize("lang", XNLI_LANGS)
def test_every_language_has_a_layout_or_a_documented_fallback(lang):
    table = keyboards.neighbours(lang)
    if lang == "zh":
        assert table == {} and keyboards.LANG_LAYOUT["zh"] is None  # pinyin IME homophones instead
        return
    assert len(table) >= 20
    script = lang_script(lang)
    for key, near in table.items():
        for ch in (key, *near):
            assert unicodedata.category(ch)[0] == "M" or in_script(ch, script), (lang, key, ch)
            assert unicodedata.category(ch)[0] == unicodedata.category(key)[0]


def _word_span(text: str, word: str) -> tuple[str, str]:
    start = text.index(word)
    return text[:start], text[start + len(word):]


@pytest.mark.parametrize("lang,premise,hypothesis,word", PAIRS)
@pytest.mark.parametrize("cls", FAMILY_CLASSES, ids=lambda c: c.family)
def test_each_family_changes_only_the_chosen_word(lang, premise, hypothesis, word, cls):
    text = AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))
    index = text.words.index(word)
    outs = cls(lang, candidates_per_word=None)(text, indices_to_modify={index})
    if not outs:
        assert (lang, cls.family) in {("zh", "diacritic"), ("ru", "homoglyph"), ("ar", "homoglyph")}
        return
    prefix, suffix = _word_span(hypothesis, word)
    for out in outs:
        new = out._text_input
        assert new["premise"] == premise  # the other column is byte-identical
        hyp = new["hypothesis"]
        assert hyp.startswith(prefix) and hyp.endswith(suffix)  # so are the other words
        changed = hyp[len(prefix): len(hyp) - len(suffix)]
        assert changed and changed != word and not any(c.isspace() for c in changed)
        assert is_valid_text(hyp) and unicodedata.normalize("NFC", hyp) == hyp
        if cls.family != "homoglyph" and lang_script(lang) != "Latin":
            assert in_script(changed, lang_script(lang)), changed  # the script is kept


def _options(cls, lang, word):
    return set(cls(lang, candidates_per_word=None)._get_replacement_words(word))


def test_diacritic_noise_per_script():
    assert {"tieng", "tiềng", "tiểng", "tiễng", "tiệng", "tiêng"} <= _options(DiacriticNoise, "vi", "tiếng")
    assert "Muller" in _options(DiacriticNoise, "de", "Müller")
    assert "Strasse" in _options(DiacriticNoise, "de", "Straße")
    assert {"ete", "étè", "ètè"} & _options(DiacriticNoise, "fr", "été") == {"étè"}  # one letter at a time
    assert "ежик" in _options(DiacriticNoise, "ru", "ёжик")
    assert "احمد" in _options(DiacriticNoise, "ar", "أحمد")
    assert "पढना" in _options(DiacriticNoise, "hi", "पढ़ना")  # nukta dropped
    assert {"ไม้", "ไม"} <= _options(DiacriticNoise, "th", "ไม่")  # tone mark swapped / dropped
    assert "Isik" not in _options(DiacriticNoise, "tr", "Işık") and "Işik" in _options(DiacriticNoise, "tr", "Işık")


def test_confusables_and_zh_ops():
    assert "Pаris" in _options(HomoglyphSubstitution, "fr", "Paris")  # Cyrillic а
    assert "дoм" in _options(HomoglyphSubstitution, "ru", "дом")  # Latin o
    assert _options(CharInsertion, "zh", "苹果") == {"苹苹果", "苹果果"}
    assert _options(AdjacentSwap, "zh", "苹果") == {"果苹"}
    assert _options(CharDeletion, "zh", "我") == set()  # never empties a word
    zh_keyboard = _options(KeyboardSubstitution, "zh", "苹果")
    assert zh_keyboard and all(len(w) == 2 and in_script(w, "Han") for w in zh_keyboard)


def test_keyboard_substitution_keeps_case_and_category():
    outs = _options(KeyboardSubstitution, "de", "Zug")
    assert {"Tug", "Uug", "Zig", "Zuf"} <= outs and all(o[0].isupper() for o in outs)
    for out in _options(KeyboardSubstitution, "hi", "किताब"):  # matras for matras, consonants for consonants
        assert [unicodedata.category(c)[0] for c in out] == [unicodedata.category(c)[0] for c in "किताब"]


def test_sampling_is_deterministic_per_seed():
    a = KeyboardSubstitution("de", candidates_per_word=2, seed=1)._get_replacement_words("Wasserflasche")
    b = KeyboardSubstitution("de", candidates_per_word=2, seed=1)._get_replacement_words("Wasserflasche")
    seeds = {tuple(KeyboardSubstitution("de", candidates_per_word=2, seed=s)._get_replacement_words("Wasserflasche"))
             for s in range(5)}
    assert a == b and len(a) == 2 and len(seeds) > 1


def test_composite_has_all_families():
    assert len(char_noise("de").transformations) == len(FAMILIES)
    from robustxnli.errors import UserError

    with pytest.raises(UserError):
        char_noise("de", ["typo"])


@pytest.fixture(scope="module")
def sensitive_classifier(tmp_path_factory):
    """helper A's tiny classifier with large random weights, so that attacks succeed on some examples."""
    from test_attack_engine import build_sensitive_model

    from robustxnli.models import load_classifier

    return load_classifier(str(build_sensitive_model(tmp_path_factory.mktemp("sensitive"))))


@pytest.mark.parametrize("lang", ["de", "ru", "zh"])
def test_charnoise_recipe_end_to_end(sensitive_classifier, data_dir, tmp_path, lang):
    from robustxnli.attacking.runner import attack_run
    from robustxnli.rundir import iter_records

    if not (data_dir / "xnli").exists():
        pytest.skip(f"no XNLI data under {data_dir}")
    summary = attack_run(sensitive_classifier, lang, "charnoise", limit=12, out=tmp_path / "run", data_dir=data_dir,
                         progress=False)
    rows = list(iter_records(tmp_path / "run" / "records.jsonl"))
    assert summary["n"] == len(rows) == 12
    assert all(r["adv_premise"] == r["premise"] for r in rows)  # default: only the hypothesis is attacked
    won = [r for r in rows if r["status"] == "succeeded"]
    assert won, "the sensitive tiny model should be fooled at least once"
    for r in won:
        adv = r["adv_hypothesis"]
        assert adv != r["hypothesis"] and is_valid_text(adv) and unicodedata.normalize("NFC", adv) == adv
        before, after = words_from_text(r["hypothesis"]), words_from_text(adv)
        if lang != "zh":  # character noise keeps the word count; only the changed words differ
            assert len(before) == len(after)
            assert 1 <= sum(a != b for a, b in zip(before, after)) == r["words_changed"]


KEEP_SENTENCES = {
    "en": "The old house near the river was sold last year because the family moved to a bigger town.",
    "zh": "我们昨天在公园里看见了很多漂亮的花，孩子们玩得非常开心。",
}


@pytest.mark.parametrize("lang", sorted(KEEP_SENTENCES))
def test_charnoise_offers_only_edits_the_label_check_keeps(sensitive_classifier, lang):
    """With the label-preserving constraints on, the one edit per family and word is drawn from those the
    typo check accepts (none forms another real word), so more words keep a usable edit than with the plain
    DeepWordBug sample; with the constraints off the sample is unchanged."""
    from robustxnli.attacks.engine import make_context
    from robustxnli.attacks.label_preserving import LabelPreserving
    from robustxnli.attacks.text import segment_words
    from robustxnli.recipes import get_recipe

    check = LabelPreserving(lang, "typo")
    words = [w for w in segment_words(KEEP_SENTENCES[lang], lang) if any(c.isalpha() for c in w)]

    def offered(opts):
        attack = get_recipe("charnoise").build(make_context(sensitive_classifier, lang, "hypothesis", 0, opts))
        return attack, [(w, c) for fam in attack.transformation.transformations
                        for w in words for c in fam._get_replacement_words(w)]

    attack, kept = offered({})
    _, plain = offered({"label_preserving": False})
    assert kept and all(check.word_problem(w, c) is None for w, c in kept)
    usable_plain = [(w, c) for w, c in plain if check.word_problem(w, c) is None]
    assert len(usable_plain) < len(plain)  # the plain sample does offer real words (the test can fail)
    assert len(kept) > len(usable_plain)
    assert "edits LabelPreserving(typo) accepts" in repr(attack)  # the run manifest says so
