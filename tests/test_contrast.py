"""Lexical-inference contrast sets: data files load, generation is deterministic and distinct, labels follow the
relation, agreement holds, evaluation scores per category, and the installed command works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from robustxnli.contrast.evaluate import evaluate_contrast
from robustxnli.contrast.generate import (CATEGORIES, CONTRADICTION, ENTAILMENT, RELATIONS, available_languages,
                                          generate, load_language)

LANGS = available_languages()
CAREFUL = ("en", "de", "ru", "zh", "ar", "es", "fr", "el", "vi", "bg", "tr", "hi", "ur", "th")


def test_the_five_careful_languages_cover_every_category():
    for lang in CAREFUL:
        assert lang in LANGS
        assert load_language(lang).covered() == list(CATEGORIES), lang


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
