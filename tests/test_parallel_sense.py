"""Synonym swaps confirmed by the human translations of the same sentence (attacks/parallel_sense.py).

Needs XNLI dev under the data dir and the FreeDict packages of .ci/apt-packages.txt; skipped without them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

from robustxnli.attacks.parallel import xnli_parallel
from robustxnli.attacks.parallel_sense import ParallelSense, changed_words, dictionary_languages
from robustxnli.attacks.text import patch_textattack
from robustxnli.attacks.validity import rules

patch_textattack()

from textattack.shared import AttackedText  # noqa: E402

CLI = str(Path(sys.executable).with_name("robustxnli"))


@pytest.fixture(scope="module")
def french(data_dir) -> ParallelSense:
    if not (data_dir / "xnli").exists():
        pytest.skip(f"no XNLI data under {data_dir}")
    corpus = xnli_parallel("fr", "dev", data_dir)
    langs = dictionary_languages("fr", corpus.langs)
    if len(langs) < 3:
        pytest.skip("fewer than 3 French dictionaries installed (.ci/apt-packages.txt)")
    return ParallelSense(corpus, "fr", 0.4, langs)


def pair(corpus, xnli_id: str) -> tuple[str, str]:
    corpus._ensure()
    return next(k for k, v in corpus._ids.items() if v == xnli_id)


def text(premise: str, hypothesis: str) -> AttackedText:
    return AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))


def test_the_translations_decide_the_sense(french):
    """XNLI dev 114 ("je ne savais pas à quelle heure"): the translations say 'what time', so heure -> durée
    ('duration', a thesaurus synonym sharing the gloss 'time') is refused; dev 33: fidèle -> loyal and
    gentil -> affable are what the translations say."""
    premise, hypothesis = pair(french.corpus, "xnli-dev-000114")
    assert "heure" in hypothesis
    assert not french._check_constraint(text(premise, hypothesis.replace("heure", "durée")), text(premise, hypothesis))
    assert french.rejected == {"translations give the word another sense": 1}
    premise, hypothesis = pair(french.corpus, "xnli-dev-000033")
    new = hypothesis.replace("fidèle", "loyal").replace("gentil", "affable")
    assert new != hypothesis and french._check_constraint(text(premise, new), text(premise, hypothesis))
    # an inserted word has no original to confirm
    assert not french._check_constraint(text(premise + " loyal", hypothesis), text(premise, hypothesis))


def test_unconfirmable_swaps_are_refused(french):
    premise, hypothesis = pair(french.corpus, "xnli-dev-000033")
    versions = {t: p[1] for t, p in french.corpus.versions(premise, hypothesis).items()}
    assert french.problem("fidèle", "très loyal", versions) == "multi-word swap"
    assert french.problem("Il", "Lui", versions) == "word not found in the translations"
    assert french.problem("fidèle", "", versions) == "word inserted/deleted"
    # a pair outside the corpus has no translations: nothing is confirmed
    assert not french._check_constraint(text("Un chien.", "Il était loyal."), text("Un chien.", "Il était fidèle."))
    assert changed_words("Il était si fidèle et gentil.", "Il était si loyal et gentil.", "fr") == [("fidèle", "loyal")]


def test_needed_agreement():
    from robustxnli.attacks.parallel_sense import needed_agreement

    assert [needed_agreement(n, 0.4) for n in (1, 2, 3, 5, 7)] == [1, 2, 2, 2, 3]


def test_language_files_switch_the_check_on():
    assert rules("fr").parallel_sense == rules("es").parallel_sense == rules("ru").parallel_sense == 0.4
    assert rules("de").parallel_sense is None  # de keeps the label in 93 % of judged successes without it


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1", "ROBUSTXNLI_PROGRESS": "0"}


def test_cli_wordsub_wordnet_french_checks_senses(tmp_path, tiny_model_dir, data_dir):
    """The installed command: on XNLI the French attack is built with ParallelSense instead of SharedTranslation; a
    one-language data file runs with SharedTranslation and says so, and ``-o parallel=true`` refuses that file in
    one line."""
    from robustxnli.attacks.lexicons import synonym_sources

    if not synonym_sources("fr"):
        pytest.skip("no French thesaurus installed (.ci/apt-packages.txt)")
    if not (data_dir / "xnli").exists():
        pytest.skip(f"no XNLI data under {data_dir}")
    base = [CLI, "attack", "--model", str(tiny_model_dir), "--lang", "fr", "--recipe", "wordsub-wordnet",
            "-o", "min_similarity=0"]
    p = subprocess.run(base + ["--limit", "3", "--data-dir", str(data_dir), "--out", str(tmp_path / "x")],
                       capture_output=True, text=True, env=_env(), timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    attack = json.loads((tmp_path / "x" / "fr-wordsub-wordnet" / "manifest.json").read_text())["attack"]
    assert "ParallelSense" in attack and "SharedTranslation" not in attack  # the check replaces the context-free one
    data = tmp_path / "own.jsonl"
    data.write_text(json.dumps({"id": "p0", "lang": "fr", "premise": "La maison est grande.",
                                "hypothesis": "Il était si fidèle.", "label": "neutral"}) + "\n", encoding="utf-8")
    p = subprocess.run(base + ["--data", str(data), "-o", "parallel=true", "--out", str(tmp_path / "a")],
                       capture_output=True, text=True, env=_env(), timeout=600)
    assert p.returncode != 0 and "parallel=true" in p.stderr and "Traceback" not in p.stderr
    # a language whose file does not switch the check on refuses -o parallel=true, and any bad value, in one line
    for lang, value in (("de", "true"), ("de", "maybe")):
        p = subprocess.run([*base[:5], lang, *base[6:], "--limit", "1", "--data-dir", str(data_dir), "-o",
                            f"parallel={value}", "--out", str(tmp_path / "c")], capture_output=True, text=True,
                           env=_env(), timeout=600)
        assert p.returncode != 0 and "parallel=" in p.stderr and value in p.stderr, p.stderr[-800:]
        assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) <= 3, p.stderr[-800:]
    p = subprocess.run(base + ["--data", str(data), "--out", str(tmp_path / "b")], capture_output=True, text=True,
                       env=_env(), timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "synonym senses are not checked" in p.stderr
    attack = json.loads((tmp_path / "b" / "fr-wordsub-wordnet" / "manifest.json").read_text())["attack"]
    assert "ParallelSense" not in attack and "SharedTranslation" in attack


def test_russian_synonyms_of_inflected_words_are_inflected_like_them():
    """MyThes ru is indexed by lemma: самолета found no synonyms before attacks/inflection_ru.py."""
    pytest.importorskip("pymorphy3")
    from robustxnli.attacks.inflection_ru import inflected_synonyms
    from robustxnli.attacks.label_preserving import morphology_agrees

    lemmas = {"самолёт": ["аэроплан", "воздушное судно"], "мать": ["мама"], "быстрый": ["скорый"]}.get

    def syn(lemma: str) -> list[str]:
        return lemmas(lemma, [])

    assert inflected_synonyms("самолета", syn) == ["аэроплана"]  # genitive kept, the multi-word one left out
    assert inflected_synonyms("самолетах", syn) == ["аэропланах"]
    assert inflected_synonyms("быстрыми", syn) == ["скорыми"]
    assert inflected_synonyms("матери", syn) == ["мамы"]
    assert inflected_synonyms("самолёт", syn) == []  # a dictionary form: its own lookup finds those
    assert all(morphology_agrees(w, s) for w, s in (("самолета", "аэроплана"), ("быстрыми", "скорыми")))
