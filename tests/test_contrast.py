"""Lexical-inference contrast sets: data files load, generation is deterministic and distinct, labels follow the
relation, agreement holds, evaluation scores per category, and the installed command works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from robustxnli.constants import XNLI_LANGS
from robustxnli.contrast.evaluate import evaluate_contrast
from robustxnli.contrast.generate import (CATEGORIES, CONTRADICTION, ENTAILMENT, RELATIONS, available_languages,
                                          generate, load_language)

LANGS = available_languages()


def test_every_xnli_language_covers_every_category():
    assert LANGS == sorted(XNLI_LANGS)
    for lang in XNLI_LANGS:
        assert load_language(lang).covered() == list(CATEGORIES), lang


def test_an_uncovered_category_needs_a_reason():
    for lang in LANGS:
        spec = load_language(lang)
        assert set(CATEGORIES) - set(spec.covered()) == set(spec.not_covered), lang


@pytest.mark.parametrize("lang", LANGS)
def test_generation_is_deterministic_distinct_and_labelled_by_relation(lang):
    rows = generate(lang, 40, seed=0)
    assert rows == generate(lang, 40, seed=0)
    assert rows != generate(lang, 40, seed=1)
    pairs = [(r["premise"], r["hypothesis"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    for r in rows:
        assert r["premise"] != r["hypothesis"] and "{" not in r["premise"] + r["hypothesis"]
        assert r["label"] == RELATIONS[r["relation"]]
        assert r["label"] == (CONTRADICTION if r["relation"] in ("co-hyponym", "antonym") else ENTAILMENT)
        # one swap: what differs between premise and hypothesis is a short span in the same place
        p, h = r["premise"], r["hypothesis"]
        i = 0
        while i < min(len(p), len(h)) and p[i] == h[i]:
            i += 1
        j = 0
        while j < min(len(p), len(h)) - i and p[-1 - j] == h[-1 - j]:
            j += 1
        assert len(p) - i - j <= 32 and len(h) - i - j <= 32, (p, h)


def test_category_word_lists_have_no_duplicates():
    for lang in LANGS:
        for cat in load_language(lang).categories.values():
            lemmas = [w.lemma for w in cat.words]
            assert len(lemmas) == len(set(lemmas)), (lang, cat.name)
            for _, a, b in cat.pairs:
                assert a.lemma != b.lemma, (lang, cat.name, a.lemma)


def test_russian_and_arabic_agreement():
    fem_ru = {"женщина", "певица", "учительница", "медсестра"}
    for r in generate("ru", 100, 0, ["country", "month"]):
        subj = r["premise"].split()[0].lower()
        verb = r["premise"].split()[1] if subj != "мой" else r["premise"].split()[2]
        assert (verb in ("родилась", "выросла")) == (subj in fem_ru), r["premise"]
        assert verb in ("родилась", "выросла", "родился", "вырос"), r["premise"]
    for r in generate("ru", 100, 0, ["material"]):
        first, verb = r["premise"].split()[:2]
        assert verb == {"Статуя": "сделана", "Миска": "сделана", "Скамейка": "сделана", "Ложка": "сделана",
                        "Кольцо": "сделано", "Ящик": "сделан"}[first], r["premise"]
    fem_ar = {"المرأة", "المغنية", "المعلمة", "الممرضة"}
    for r in generate("ar", 100, 0, ["country", "room", "instrument"]):
        verb, subj = r["premise"].split()[:2]
        assert (verb in ("وُلدت", "نشأت", "تنام", "تنتظر", "تعزف")) == (subj in fem_ar), r["premise"]


def test_german_frames_keep_case_and_prepositions():
    rows = generate("de", 100, 0, ["country", "room", "planet"])
    assert any("in der Türkei" in r["premise"] for r in rows)
    assert any(r["premise"].startswith("Die Raumsonde umkreist den") or "die Venus" in r["premise"] for r in rows)
    assert not any(" in Türkei" in r["premise"] + r["hypothesis"] for r in rows)


class AlwaysEntails:
    def predict_proba(self, premises, hypotheses, batch_size=64):
        return np.tile(np.array([[0.8, 0.1, 0.1]], dtype=np.float32), (len(premises), 1))

    def manifest_fields(self):
        return {"base_model": "always-entails", "seed": 0}


def test_evaluate_per_category_and_resume(tmp_path):
    out = tmp_path / "c"
    s = evaluate_contrast(AlwaysEntails(), "de,zh", n_per_category=5, seed=0, out_dir=out)
    for lang in ("de", "zh"):
        assert s["accuracy"][lang]["synonym"] == 1.0 and s["accuracy"][lang]["hypernym"] == 1.0
        assert s["accuracy"][lang]["colour"] == 0.0 and s["accuracy"][lang]["antonym"] == 0.0
        assert s["n"][lang]["colour"] == 5
        assert s["per_class"][lang]["collapsed"] and s["accuracy_by_label"][lang]["contradiction"] == 0.0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "contrast" and manifest["status"] == "done"
    n = len((out / "records.jsonl").read_text().splitlines())
    evaluate_contrast(AlwaysEntails(), "de,zh", n_per_category=5, seed=0, out_dir=out)
    assert len((out / "records.jsonl").read_text().splitlines()) == n  # resumed: nothing predicted twice
    from robustxnli.errors import UserError

    with pytest.raises(UserError, match="n_per_category: 5 there, 4 now"):  # a smaller n would mix runs
        evaluate_contrast(AlwaysEntails(), "de", n_per_category=4, seed=0, out_dir=out)
    with pytest.raises(UserError, match="generation seed"):
        evaluate_contrast(AlwaysEntails(), "de", n_per_category=5, seed=1, out_dir=out)
    s6 = evaluate_contrast(AlwaysEntails(), "de,zh", n_per_category=6, seed=0, out_dir=out)  # a larger n extends
    ids = [json.loads(line)["id"] for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(ids) > n and len(ids) == len(set(ids)) and s6["n"]["de"]["colour"] == 6
    evaluate_contrast(AlwaysEntails(), "de", n_per_category=4, seed=0, out_dir=out, overwrite=True)
    assert len((out / "records.jsonl").read_text().splitlines()) < n  # --overwrite starts over


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("robustxnli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "robustxnli.cli"]


def test_installed_command_list_generate_evaluate(tmp_path, tiny_model_dir):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(_cli() + ["contrast", "list", "--n-per-category", "20"], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0 and "hypernym" in out.stdout and "contradiction" in out.stdout
    header = next(line for line in out.stdout.splitlines() if "gold" in line)
    assert set(re.findall(r"\b[a-z]{2}\b", header)) == set(LANGS) and " sw " in header
    dump = tmp_path / "ru.jsonl"
    gen = subprocess.run(_cli() + ["contrast", "generate", "--lang", "ru", "--out", str(dump), "--n-per-category",
                                   "3"], capture_output=True, text=True, env=env)
    assert gen.returncode == 0 and len(dump.read_text().splitlines()) == 3 * len(CATEGORIES)
    ev = subprocess.run(_cli() + ["contrast", "--model", str(tiny_model_dir), "--lang", "en", "--n-per-category",
                                  "2", "--out", str(tmp_path / "ev")], capture_output=True, text=True, env=env)
    assert ev.returncode == 0, ev.stderr[-2000:]
    assert "colour" in ev.stdout and "mean over categories" in ev.stdout and "recall" in ev.stdout
    bad = subprocess.run(_cli() + ["contrast", "generate", "--lang", "xx", "--out", str(dump)], capture_output=True,
                         text=True, env=env)
    assert bad.returncode == 2 and "no contrast-set data for 'xx'" in bad.stderr and "Traceback" not in bad.stderr


def test_french_agreement_and_prepositions():
    fem = {"La femme", "La chanteuse", "L'institutrice", "L'infirmière"}
    for r in generate("fr", 100, 0, ["month", "day"]):
        for subj in fem:
            if r["premise"].startswith(subj + " "):
                assert " est née " in r["premise"] or " est arrivée " in r["premise"], r["premise"]
        if r["premise"].startswith(("L'homme ", "Le médecin ", "Mon voisin ", "L'écrivain ")):
            assert " est né " in r["premise"] or " est arrivé " in r["premise"], r["premise"]
    rows = generate("fr", 100, 0, ["country"])
    assert any(" au Japon" in r["premise"] + r["hypothesis"] for r in rows)
    assert not any(" en Japon" in r["premise"] + r["hypothesis"] for r in rows)


def test_bulgarian_participle_agreement_and_vav():
    fem = ("Жената", "Певицата", "Учителката", "Медицинската сестра")
    for r in generate("bg", 100, 0, ["country", "month"]):
        is_fem = r["premise"].startswith(fem)
        assert (" родена " in r["premise"] or " израснала " in r["premise"]) == is_fem, r["premise"]
    text = " ".join(r["premise"] + " " + r["hypothesis"] for r in generate("bg", 100, 0, ["country", "day"]))
    assert "във Франция" in text and "във вторник" in text and " в Франция" not in text and " в вторник" not in text


def test_hindi_gender_agreement_and_turkish_suffixes():
    fem = ("महिला", "गायिका", "अध्यापिका", "नर्स")
    for r in generate("hi", 100, 0, ["room", "instrument", "vegetable"]):
        assert r["premise"].endswith("रही है।") == r["premise"].startswith(fem), r["premise"]
    fem_ur = ("خاتون", "گلوکارہ", "استانی", "نرس")
    for r in generate("ur", 100, 0, ["room", "instrument", "vegetable"]):
        assert r["premise"].endswith("رہی ہے۔") == r["premise"].startswith(fem_ur), r["premise"]
    tr = " ".join(r["premise"] for r in generate("tr", 100, 0, ["country", "material"]))
    assert "Türkiye'de" in tr or "Fransa'da" in tr
    assert "Türkiye'da" not in tr and "gümüşdan" not in tr


# Swahili concords by agreement class, written out here independently of the data file, so a wrong class on a noun
# or a wrong cell in one of its tables fails.
SW_SUBJECT = {"c1": "a", "c3": "u", "c4": "i", "c5": "li", "c6": "ya", "c7": "ki", "c8": "vi", "c9": "i", "c10": "zi",
              "c11": "u"}
SW_ADJ_VOWEL = {"c3": "mw", "c4": "my", "c5": "j", "c6": "m", "c7": "ch", "c8": "vy", "c9": "ny", "c10": "ny",
                "c11": "mw"}  # before -ekundu, -eusi, -eupe
SW_OF = {"c3": "wa", "c4": "ya", "c5": "la", "c6": "ya", "c7": "cha", "c8": "vya", "c9": "ya", "c10": "za", "c11": "wa"}
SW_POSS = {"c3": "w", "c4": "y", "c5": "l", "c6": "y", "c7": "ch", "c8": "vy", "c9": "y", "c10": "z", "c11": "w"}
SW_BIG = {"c3": "mkubwa", "c4": "mikubwa", "c5": "kubwa", "c6": "makubwa", "c7": "kikubwa", "c8": "vikubwa",
          "c9": "kubwa", "c10": "kubwa", "c11": "mkubwa"}
SW_SMALL = {"c3": "mdogo", "c4": "midogo", "c5": "dogo", "c6": "madogo", "c7": "kidogo", "c8": "vidogo",
            "c9": "ndogo", "c10": "ndogo", "c11": "mdogo"}
SW_NUMERAL = {"c4": "mi", "c6": "ma", "c8": "vi", "c10": ""}  # before -wili, -tatu, -nne, -tano, -nane
SW_CLASS_PREFIX = {"c3": ("m",), "c4": ("mi",), "c6": ("ma",), "c7": ("ki", "ch"), "c8": ("vi", "vy"), "c11": ("u",)}


def _sw_classes(category: str) -> dict[str, str]:
    out = {}
    for e in load_language("sw").grammar.categories[category]:
        (cls,) = [f for f in e.feats if re.fullmatch(r"c\d+", f)]
        out[e.forms] = cls
    return out


def _sw_subject(text: str, nouns: dict[str, str]) -> tuple[str, list[str]]:
    """The class of the slot noun a sentence starts with, and the words after it."""
    for noun in sorted(nouns, key=len, reverse=True):
        if text.lower().startswith(noun + " "):
            return nouns[noun], text[len(noun) + 1:].rstrip(".").split()
    raise AssertionError(f"no slot noun at the start of {text!r}")


def _sw_numeral(stem: str, cls: str) -> str:
    stem = {"mbili": "wili"}.get(stem, stem)
    if stem not in ("wili", "tatu", "nne", "tano", "nane"):
        return stem  # sita, saba, tisa, kumi do not agree
    return "mbili" if (cls, stem) == ("c10", "wili") else SW_NUMERAL[cls] + stem


def test_swahili_slot_nouns_have_their_own_class():
    things = _sw_classes("thing")
    assert (things["kiti"], things["shati"], things["nyumba"], things["viatu"], things["nguo"], things["ukuta"]) == \
        ("c7", "c5", "c9", "c8", "c10", "c11")
    for category in ("thing", "object", "count", "event"):
        for noun, cls in _sw_classes(category).items():
            assert noun.startswith(SW_CLASS_PREFIX.get(cls, ("",))), (category, noun, cls)


def test_swahili_colour_possessive_and_size_agree_with_the_noun_class():
    things = _sw_classes("thing")
    seen = set()
    for r in generate("sw", 300, 0, ["colour"]):
        for text in (r["premise"], r["hypothesis"]):
            cls, rest = _sw_subject(text, things)
            seen.add(cls)
            if rest[0] not in ("ni", SW_SUBJECT[cls] + "na"):  # "Kiti changu ni chekundu"
                assert rest[0] in (SW_POSS[cls] + "angu", SW_POSS[cls] + "ake", SW_POSS[cls] + "etu"), text
                rest = rest[1:]
            if rest[0] == "ni":  # "Kiti ni chekundu", "Kiti ni cha bluu": the colour agrees with the noun
                adjectives = [[SW_ADJ_VOWEL[cls] + stem] for stem in ("ekundu", "eusi", "eupe")]
                associative = [[SW_OF[cls], c] for c in ("bluu", "kijani", "njano", "kahawia", "kijivu")]
                assert rest[1:] in adjectives + associative, text
            else:  # "Kiti kina rangi nyekundu": the verb agrees with the noun, the colour with rangi (class 9)
                assert rest[0] == SW_SUBJECT[cls] + "na" and rest[1] == "rangi", text
                assert rest[2:] in ([["nyekundu"], ["nyeusi"], ["nyeupe"]]
                                    + [["ya", c] for c in ("bluu", "kijani", "njano", "kahawia", "kijivu")]), text
    assert seen == set(things.values())  # every class was exercised
    sizes = [r for r in generate("sw", 200, 0, ["antonym"]) if r["swap"][0] in ("mkubwa", "mdogo")]
    assert sizes
    for r in sizes:
        for text in (r["premise"], r["hypothesis"]):
            cls, rest = _sw_subject(text, things)
            assert rest[0] == "ni" and rest[1:] in ([SW_BIG[cls]], [SW_SMALL[cls]]), text


def test_swahili_verbs_associatives_and_numerals_agree_with_the_noun_class():
    objects, events, counts = _sw_classes("object"), _sw_classes("event"), _sw_classes("count")
    runners = _sw_classes("runner")
    for r in generate("sw", 100, 0, ["material"]):
        for text in (r["premise"], r["hypothesis"]):
            cls, rest = _sw_subject(text, objects)
            assert rest[:2] in ([SW_SUBJECT[cls] + "metengenezwa", "kwa"], ["ni", SW_OF[cls]]), text
    for r in generate("sw", 100, 0, ["day", "month"]):
        for text in (r["premise"], r["hypothesis"]):
            if any(text.lower().startswith(e + " ") for e in events):
                cls, rest = _sw_subject(text, events)
                assert rest[0] == SW_SUBJECT[cls] + "tafanyika", text
            else:  # a person (class 1)
                assert re.search(r" (alifika|alizaliwa mwezi) [A-Z]", text), text
    for r in generate("sw", 100, 0, ["ordinal"]):
        cls, rest = _sw_subject(r["premise"], runners)
        assert rest[0] == SW_SUBJECT[cls] + "limaliza", r["premise"]
    numbers = generate("sw", 100, 0, ["number"])
    assert any(r["premise"].startswith("Kuna ") for r in numbers) and any("miaka" in r["premise"] for r in numbers)
    for r in numbers:
        for text, stem in ((r["premise"], r["swap"][0]), (r["hypothesis"], r["swap"][1])):
            words = text.rstrip(".").split()
            if words[0] == "Kuna":  # "Kuna vitabu vitano mezani": the numeral agrees with the counted noun
                assert words[2] == _sw_numeral(stem, counts[words[1]]), text
            else:  # "... alitimiza miaka mitano jana": with miaka (class 4)
                assert words[words.index("miaka") + 1] == _sw_numeral(stem, "c4"), text
